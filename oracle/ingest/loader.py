"""Loading one file into PostgreSQL: streamed chunk by chunk, one transaction per file.

A file either loads whole (readings, its anomalies and its `ingestions` row) or not at all: a bad line in
the last chunk rolls back what the first chunks wrote. Memory holds one chunk (``chunk_rows`` lines of csv;
ec-csv and UrbanDataset documents are parsed whole, their size is bounded), whatever the file's size. A
reading whose device and timestamp are already stored keeps the stored value; a different value is recorded
as a `conflicting_duplicate` anomaly. A file already ingested for the community (same SHA-256) is not
loaded again, and one community's files are loaded one at a time (an advisory lock: a second `oracle
ingest` of the same community stops at once). A correcting file (``correction=True`` with a reason) replaces
stored readings that differ and records each replacement (oracle/ingest/corrections.py); it may follow a
plain load of the same file, which only recorded the conflicts.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from oracle.arguments import CHUNK_ROWS, GAP_LIMIT_MAX_HOURS
from oracle.communities import get_community
from oracle.context import Context
from oracle.db.schema import Community, Device, Ingestion, Membership
from oracle.errors import OracleError
from oracle.locks import community_ingest_lock

from .cleaning import ReadingCleaner
from .core import IngestFileError, WholeFileNeeded
from .corrections import CorrectionSource
from .store import CLEANING, GAPS, PARSE, FileStore
from .stream import iter_parsed_chunks


@dataclass
class IngestResult:
    ingestion_id: int
    rows_read: int
    rows_loaded: int
    anomaly_count: int
    already_ingested: bool = False
    corrected: int = 0  # stored readings replaced by a correcting file


def nothing_to_load(anomalies) -> str:
    """Why a file gave no reading at all: its commonest anomaly, with a first example."""
    if not anomalies:
        return "the file holds no reading"
    kind, count = Counter(a.kind for a in anomalies).most_common(1)[0]
    first = next(a for a in anomalies if a.kind == kind)
    return _no_reading(kind, count, first.line, first.reason, len(anomalies))


def _no_reading(kind: str, count: int, line: int | None, reason: str, total: int) -> str:
    example = f"the first at line {line}: {reason}" if line is not None else f"e.g. {reason}"
    return f"no reading could be loaded, {total:,} anomalies, most of them {kind} ({count:,}; {example})"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked_reason(correction: bool, reason: str | None) -> str | None:
    if not correction:
        if reason is not None:
            raise OracleError("--reason goes with --correction: a plain ingestion takes no reason")
        return None
    if reason is None:
        raise OracleError("--correction needs --reason TEXT: why the stored readings are replaced (recorded)")
    if not reason.strip():
        raise OracleError("--reason is empty: say why the stored readings are replaced (recorded)")
    return reason.strip()


def _checked_arguments(path: Path, gap_limit_hours: float) -> None:
    if not path.exists():
        raise OracleError(f"{path}: no such file")
    if path.is_dir():
        raise OracleError(f"{path} is a directory, not a file")
    if not 0 < gap_limit_hours <= GAP_LIMIT_MAX_HOURS:  # also refuses nan
        raise OracleError(
            f"--gap-limit-hours {gap_limit_hours} is outside the range: more than 0 and at most {GAP_LIMIT_MAX_HOURS:g}"
        )


def ingest_file(
    ctx: Context,
    community_name: str,
    path: Path,
    fmt: str = "csv",
    *,
    gap_limit_hours: float = 6.0,
    chunk_rows: int | None = CHUNK_ROWS,
    correction: bool = False,
    reason: str | None = None,
    log=lambda message: None,
) -> IngestResult:
    """Loads `path` for the community; ``chunk_rows`` None reads the file whole (one chunk). With
    ``correction`` (and a ``reason``) its readings replace stored ones that differ."""
    reason = _checked_reason(correction, reason)
    community = get_community(ctx, community_name)
    path = Path(path)
    _checked_arguments(path, gap_limit_hours)
    sha = _sha256(path)
    with community_ingest_lock(ctx, community):
        with ctx.session() as s:
            same_file = select(Ingestion).where(
                Ingestion.community_id == community.id, Ingestion.sha256 == sha, Ingestion.finished_at.is_not(None)
            )
            previous = s.scalars(same_file.where(Ingestion.correction) if correction else same_file).first()
            if previous is not None:
                return IngestResult(previous.id, previous.rows_read, 0, 0, already_ingested=True)
            devices = dict(
                s.execute(
                    select(Device.deviceid, Device.id)
                    .join(Membership, Membership.id == Device.membership_id)
                    .where(Membership.community_id == community.id)
                ).all()
            )
        source = CorrectionSource(path.name, sha, reason) if correction else None
        job = _FileLoad(ctx, community, path, fmt, sha, devices, pd.Timedelta(hours=gap_limit_hours), log, source)
        try:
            try:
                return job.run(chunk_rows)
            except WholeFileNeeded as why:
                log(f"{why}: reading the file again, whole (memory grows with the file)")
                return job.run(None)
        except IngestFileError as exc:
            raise OracleError(f"{exc} — nothing was loaded") from None


@dataclass
class _FileLoad:
    ctx: Context
    community: Community
    path: Path
    fmt: str
    sha: str
    devices: dict[str, int]
    gap_limit: pd.Timedelta
    log: object
    correction: CorrectionSource | None = None

    def run(self, chunk_rows: int | None) -> IngestResult:
        """The whole file in one transaction (rolled back by any error, WholeFileNeeded included)."""
        self.log(f"reading {self.path} as {self.fmt}" + (f" in chunks of {chunk_rows:,} lines…" if chunk_rows else "…"))
        with self.ctx.session() as s:
            ingestion = Ingestion(
                community_id=self.community.id,
                path=str(self.path),
                format=self.fmt,
                sha256=self.sha,
                rows_read=0,
                correction=self.correction is not None,
                correction_reason=self.correction.reason if self.correction else None,
            )
            s.add(ingestion)
            s.flush()
            store = FileStore(s.connection(), ingestion.id, self.devices, self.correction)
            try:
                rows_read, clean_rows = self._load_chunks(store, chunk_rows)
                store.finish()
            except BaseException:
                store.abandon()
                raise
            if clean_rows == 0:
                raise OracleError(f"{self.path}: {self._why_nothing(store)} — nothing was loaded")
            ingestion.rows_read = rows_read
            ingestion.rows_loaded = store.loaded
            ingestion.anomaly_count = store.anomalies + store.conflicts
            ingestion.finished_at = datetime.now(UTC)
            corrected = f", {store.corrected:,} corrected" if self.correction else ""
            self.log(f"{store.loaded:,} readings loaded{corrected}, {ingestion.anomaly_count:,} anomalies; committing…")
            return IngestResult(
                ingestion.id, rows_read, store.loaded, ingestion.anomaly_count, corrected=store.corrected
            )

    def _load_chunks(self, store: FileStore, chunk_rows: int | None) -> tuple[int, int]:
        cleaner = ReadingCleaner(set(self.devices), gap_limit=self.gap_limit)
        rows_read = clean_rows = 0
        for number, parsed in enumerate(iter_parsed_chunks(self.path, self.fmt, chunk_rows), start=1):
            cleaned = cleaner.clean(parsed.readings)
            store.stage_anomalies(PARSE, parsed.anomalies)
            store.stage_anomalies(CLEANING, cleaned.anomalies)
            store.stage_anomalies(GAPS, cleaned.gaps)
            store.write_readings(cleaned.readings)
            rows_read += len(parsed.readings)
            clean_rows += len(cleaned.readings)
            self.log(f"chunk {number}: {rows_read:,} readings read and cleaned")
        return rows_read, clean_rows

    @staticmethod
    def _why_nothing(store: FileStore) -> str:
        commonest = store.commonest_anomaly()
        if commonest is None:
            return "the file holds no reading"
        return _no_reading(*commonest)
