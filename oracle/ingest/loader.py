"""Loading a parsed and cleaned file into PostgreSQL: one transaction per file, bulk COPY.

A file either loads whole (readings, its anomalies and its `ingestions` row) or not at all. A
reading whose device and timestamp are already stored keeps the stored value; a different value
is recorded as a `conflicting_duplicate` anomaly. A file already ingested for the community
(same SHA-256) is not loaded again.
"""
from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import select, text

from oracle.arguments import GAP_LIMIT_MAX_HOURS
from oracle.communities import get_community
from oracle.context import Context
from oracle.db.schema import Device, Ingestion, Membership
from oracle.errors import OracleError

OPTIONAL_COLUMNS = ["powactive", "powreactive", "current", "voltage", "chargestatus"]
COPY_CHUNK = 500_000


@dataclass
class IngestResult:
    ingestion_id: int
    rows_read: int
    rows_loaded: int
    anomaly_count: int
    already_ingested: bool = False


def nothing_to_load(anomalies) -> str:
    """Why a file gave no reading at all: its commonest anomaly, with a first example."""
    if not anomalies:
        return "the file holds no reading"
    kind, count = Counter(a.kind for a in anomalies).most_common(1)[0]
    first = next(a for a in anomalies if a.kind == kind)
    example = f"the first at line {first.line}: {first.reason}" if first.line is not None else f"e.g. {first.reason}"
    return f"no reading could be loaded, {len(anomalies):,} anomalies, most of them {kind} ({count:,}; {example})"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_frame(cursor, table: str, columns: list[str], frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, columns=columns, na_rep="\\N", date_format="%Y-%m-%dT%H:%M:%S%z")
    data = buffer.getvalue()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
        copy.write(data)


def _copy_readings(cursor, staged: pd.DataFrame) -> None:
    """Streams the readings into the staging table. Formatting with str.format/repr is several times
    faster than DataFrame.to_csv, and repr() of a float round-trips exactly into double precision."""
    optional = [c for c in OPTIONAL_COLUMNS if staged[c].notna().any()]
    columns = ["device_id", "ts_s", "energy", "quality", *optional]

    def cell(value) -> str:
        return "\\N" if value is None or value != value else repr(float(value))

    with cursor.copy(f"COPY staging ({', '.join(columns)}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
        for first in range(0, len(staged), COPY_CHUNK):
            part = staged.iloc[first:first + COPY_CHUNK]
            base = [part["device_id"].tolist(), part["ts_s"].tolist(), part["energy"].astype(float).tolist(),
                    part["quality"].tolist()]
            if optional:
                extra = [[cell(v) for v in part[c].tolist()] for c in optional]
                lines = map(lambda *row: f"{row[0]},{row[1]},{row[2]!r},{row[3]},{','.join(row[4:])}\n", *base, *extra)
            else:
                lines = map("{},{},{!r},{}\n".format, *base)
            copy.write("".join(lines))


def ingest_file(ctx: Context, community_name: str, path: Path, fmt: str = "csv", *,
                gap_limit_hours: float = 6.0, log=lambda message: None) -> IngestResult:
    from oracle.ingest import IngestFileError, clean_readings, parse_file

    community = get_community(ctx, community_name)
    path = Path(path)
    if not path.exists():
        raise OracleError(f"{path}: no such file")
    if path.is_dir():
        raise OracleError(f"{path} is a directory, not a file")
    if not 0 < gap_limit_hours <= GAP_LIMIT_MAX_HOURS:  # also refuses nan
        raise OracleError(f"--gap-limit-hours {gap_limit_hours} is outside the range: more than 0 and at most "
                          f"{GAP_LIMIT_MAX_HOURS:g}")
    sha = _sha256(path)
    with ctx.session() as s:
        previous = s.scalar(select(Ingestion).where(Ingestion.community_id == community.id, Ingestion.sha256 == sha,
                                                    Ingestion.finished_at.is_not(None)))
        if previous is not None:
            return IngestResult(previous.id, previous.rows_read, 0, 0, already_ingested=True)
        devices = dict(s.execute(select(Device.deviceid, Device.id).join(Membership, Membership.id == Device.membership_id)
                                 .where(Membership.community_id == community.id)).all())
    try:
        log(f"reading {path} as {fmt}…")
        parsed = parse_file(path, fmt)
        log(f"cleaning {len(parsed.readings):,} readings…")
        clean, anomalies = clean_readings(parsed, set(devices), gap_limit=pd.Timedelta(hours=gap_limit_hours))
    except IngestFileError as exc:
        raise OracleError(f"{exc} — nothing was loaded") from None
    if clean.empty:
        raise OracleError(f"{path}: {nothing_to_load(anomalies)} — nothing was loaded")

    staged = clean  # ours to extend: no copy of a possibly huge frame
    staged["device_id"] = staged["deviceid"].map(devices).astype("int64")
    staged["ts_s"] = staged["ts"].dt.tz_convert("UTC").astype("datetime64[s, UTC]").astype("int64")
    anomaly_frame = pd.DataFrame({
        "deviceid": [a.deviceid for a in anomalies],
        "device_id": pd.array([devices.get(a.deviceid) for a in anomalies], dtype="Int64"),
        "ts": [a.ts for a in anomalies],
        "kind": [a.kind for a in anomalies],
        "reason": [a.reason for a in anomalies],
        "line": pd.array([a.line for a in anomalies], dtype="Int64"),
    })
    log(f"loading {len(clean):,} readings and {len(anomalies):,} anomalies in one transaction…")
    with ctx.session() as s:
        ingestion = Ingestion(community_id=community.id, path=str(path), format=fmt, sha256=sha,
                              rows_read=int(len(parsed.readings)))
        s.add(ingestion)
        s.flush()
        conn = s.connection()
        conn.execute(text("CREATE TEMP TABLE staging (device_id bigint, ts_s bigint, energy double precision, "
                          "powactive double precision, powreactive double precision, current double precision, "
                          "voltage double precision, chargestatus double precision, quality text) ON COMMIT DROP"))
        cursor = conn.connection.driver_connection.cursor()
        _copy_readings(cursor, staged)
        log("staged; inserting into counterreading…")
        loaded = conn.execute(text(
            "INSERT INTO counterreading (device_id, ts, energy, powactive, powreactive, current, voltage, "
            "chargestatus, quality, ingestion_id) "
            "SELECT device_id, to_timestamp(ts_s), energy, powactive, powreactive, current, voltage, chargestatus, "
            "quality, :ing "
            "FROM staging ON CONFLICT (device_id, ts) DO NOTHING"), {"ing": ingestion.id}).rowcount
        log(f"{loaded:,} readings inserted; checking conflicts with stored readings…")
        conflicts = conn.execute(text(
            "INSERT INTO anomalies (ingestion_id, device_id, deviceid, ts, kind, reason) "
            "SELECT :ing, s.device_id, d.deviceid, to_timestamp(s.ts_s), 'conflicting_duplicate', "
            "'already stored with energy ' || r.energy || ' Wh by ingestion ' || r.ingestion_id || "
            "'; this file says ' || s.energy || ' Wh: kept the stored reading' "
            "FROM staging s JOIN counterreading r ON r.device_id = s.device_id AND r.ts = to_timestamp(s.ts_s) "
            "JOIN devices d ON d.id = s.device_id "
            "WHERE r.ingestion_id <> :ing AND r.energy IS DISTINCT FROM s.energy"), {"ing": ingestion.id}).rowcount
        if len(anomaly_frame):
            anomaly_frame["ingestion_id"] = ingestion.id
            _copy_frame(cursor, "anomalies", ["ingestion_id", "device_id", "deviceid", "ts", "kind", "reason", "line"],
                        anomaly_frame)
        ingestion.rows_loaded = int(loaded)
        ingestion.anomaly_count = int(len(anomaly_frame) + conflicts)
        ingestion.finished_at = datetime.now(timezone.utc)
        return IngestResult(ingestion.id, ingestion.rows_read, ingestion.rows_loaded, ingestion.anomaly_count)
