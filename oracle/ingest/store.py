"""The database side of one file's ingestion, inside the file's transaction: readings written chunk by
chunk, anomalies staged and written in the order a whole-file load gives them.

The writes run on a thread of their own (:class:`SerialWriter`), in order, on the file's connection: while
PostgreSQL stores chunk k (the thread waits on the socket, without the GIL), this process parses and cleans
chunk k+1, on the machine's other core. The queue between them holds one chunk: memory stays bounded.

A chunk whose devices have no stored reading in its time span (the usual case: new data) is COPYed straight
into `counterreading` (into its month's partition when the chunk lies in one month); otherwise it goes through a staging table and `INSERT ... ON CONFLICT DO NOTHING`,
the stored value is kept and a different one recorded as a `conflicting_duplicate` (a correcting file,
`--correction`, replaces it instead: oracle/ingest/corrections.py). Readings of earlier
chunks of the same file never collide with a later chunk: the cleaner has made sure each device's readings
come after the ones before.
"""

from __future__ import annotations

import queue
import threading

import numpy as np
import pandas as pd
from sqlalchemy import text

from oracle.db.partitions import SCHEMA, ensure_reading_partitions, is_partitioned, partition_name

from .copying import lines_binary, readings_binary, readings_copy_sql
from .corrections import CREATE_LINES, CorrectionSource, merge_correcting

PARSE, CLEANING, GAPS = 0, 1, 2  # anomaly phases, in the order a whole-file load lists them

_CREATE_STAGING = (
    "CREATE TEMP TABLE ingest_staging (LIKE counterreading) ON COMMIT DROP",
    "CREATE TEMP TABLE ingest_anomalies (phase smallint, seq bigint, device_id integer, deviceid text, "
    "ts timestamptz, kind text, reason text, line integer) ON COMMIT DROP",
)
_STORED_SPANS = (  # two index probes per device, whatever the planner's statistics say
    "SELECT d.id, f.ts, l.ts FROM unnest(%s::integer[]) AS d(id) "
    "CROSS JOIN LATERAL (SELECT ts FROM counterreading WHERE device_id = d.id ORDER BY ts LIMIT 1) f "
    "CROSS JOIN LATERAL (SELECT ts FROM counterreading WHERE device_id = d.id ORDER BY ts DESC LIMIT 1) l"
)
_MERGE_STAGED = "INSERT INTO counterreading SELECT * FROM ingest_staging ON CONFLICT (device_id, ts) DO NOTHING"
_CONFLICTS = (
    "INSERT INTO anomalies (ingestion_id, device_id, deviceid, ts, kind, reason) "
    "SELECT %(ing)s, s.device_id, d.deviceid, s.ts, 'conflicting_duplicate', "
    "'already stored with energy ' || r.energy || ' Wh by ingestion ' || r.ingestion_id || "
    "'; this file says ' || s.energy || ' Wh: kept the stored reading' "
    "FROM ingest_staging s JOIN counterreading r ON r.device_id = s.device_id AND r.ts = s.ts "
    "JOIN devices d ON d.id = s.device_id "
    "WHERE r.ingestion_id <> %(ing)s AND r.energy IS DISTINCT FROM s.energy"
)
_ANOMALIES_IN_ORDER = (
    "INSERT INTO anomalies (ingestion_id, device_id, deviceid, ts, kind, reason, line) "
    "SELECT %s, device_id, deviceid, ts, kind, reason, line FROM ingest_anomalies "
    'ORDER BY phase, line IS NULL, line, CASE WHEN phase = 2 THEN deviceid END COLLATE "C", '
    "CASE WHEN phase = 2 THEN ts END, seq"
)
_COMMONEST = (
    "WITH k AS (SELECT kind, count(*) AS n, min(id) AS first FROM anomalies WHERE ingestion_id = %(ing)s "
    "GROUP BY kind ORDER BY n DESC, first LIMIT 1) "
    "SELECT k.kind, k.n, a.line, a.reason, (SELECT count(*) FROM anomalies WHERE ingestion_id = %(ing)s) "
    "FROM k JOIN anomalies a ON a.id = k.first"
)


ANOMALY_BUFFER = 100_000  # anomalies held before they are staged (a file of bad lines stays bounded too)


class SerialWriter:
    """Runs jobs (callables taking the cursor) on one thread, in the order they are submitted. An error
    stops the writer; the next submit or :meth:`finish` raises it in the caller's thread."""

    def __init__(self, cursor):
        self.cursor = cursor
        self._jobs: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self._thread.start()

    def submit(self, job) -> None:
        self._raise()
        self._jobs.put(job)

    def finish(self) -> None:
        """Waits for every job; raises the writer's error, if any."""
        self._jobs.put(None)
        self._thread.join()
        self._raise()

    def abandon(self) -> None:
        """Stops after the job in hand, skipping the others (the transaction is about to roll back)."""
        self._abandoned = True
        self._jobs.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is not None or self._abandoned:
                continue  # drain: the caller learns of an error at its next submit
            try:
                job(self.cursor)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc


class FileStore:
    """Writes one file's readings and anomalies in the transaction of `connection` (SQLAlchemy); with a
    `correction`, readings that meet stored ones correct them (oracle.ingest.corrections)."""

    def __init__(
        self, connection, ingestion_id: int, devices: dict[str, int], correction: CorrectionSource | None = None
    ):
        self.ingestion_id = ingestion_id
        self.devices = devices
        self.correction = correction
        self.loaded = 0
        self.corrected = 0
        self.conflicts = 0
        self.anomalies = 0
        self._seq = 0
        self._buffer: list = []
        self._months: set[tuple[int, int]] = set()
        self._engine = connection.engine
        for statement in _CREATE_STAGING + ((CREATE_LINES,) if correction else ()):
            connection.execute(text(statement))
        cursor = connection.connection.driver_connection.cursor()
        self._partitioned = is_partitioned(cursor)
        self._stored = _stored_spans(cursor, list(devices.values()))
        self.writer = SerialWriter(cursor)

    def write_readings(self, clean: pd.DataFrame) -> None:
        """Clean rows sorted by deviceid, ts (a ReadingCleaner's chunk): COPYed straight in when none of its
        devices has a stored reading within the chunk's span of that device (new data), otherwise through the
        staging table."""
        if clean.empty:
            return
        codes, uniques = pd.factorize(clean["deviceid"].to_numpy(dtype=object))
        device_id = np.asarray([self.devices[d] for d in uniques], dtype=np.int64)[codes]
        if (np.diff(device_id) < 0).any():  # in primary-key order: the index grows at its end, page after page
            order = np.argsort(device_id, kind="stable")  # each device's rows stay in time order
            device_id, clean = device_id[order], clean.take(order)
        stamps = pd.DatetimeIndex(clean["ts"]).as_unit("ns")
        data = readings_binary(device_id, clean, self.ingestion_id)
        first, last = stamps.min(), stamps.max()
        months = {(p.year, p.month) for p in pd.period_range(first.tz_localize(None), last.tz_localize(None), freq="M")}
        if not months <= self._months:
            self._ensure_partitions(first, last)
            self._months |= months
        if self._meets_stored(device_id, stamps.asi8):
            if self.correction is None:
                self.writer.submit(lambda cursor: self._merge(cursor, data))
            else:
                lines = lines_binary(device_id, clean)
                self.writer.submit(lambda cursor: self._merge_correcting(cursor, data, lines))
        else:
            target = self._copy_target(months)
            self.writer.submit(lambda cursor: self._copy_new(cursor, data, target))

    def _ensure_partitions(self, first, last) -> None:
        """The months' partitions, made in a short transaction of their own on another connection, committed
        before this chunk is written: the file's transaction never takes the lock that attaching a partition
        takes, so two files loading at once cannot deadlock on it. An empty partition left by a file that
        rolls back is harmless (the next file of that month uses it)."""
        with self._engine.begin() as side:
            ensure_reading_partitions(side, first, last)

    def _copy_target(self, months: set[tuple[int, int]]) -> str:
        """A chunk of one month goes straight into that month's partition (PostgreSQL skips routing each
        row through the parent); otherwise into the parent."""
        if self._partitioned and len(months) == 1:
            return f'{SCHEMA}."{partition_name(*next(iter(months)))}"'
        return "counterreading"

    def _meets_stored(self, device_id: np.ndarray, ns: np.ndarray) -> bool:
        """Whether a device's span in the chunk meets the span of its stored readings (known when the file's
        transaction began: this file's earlier chunks are all before, the cleaner saw to it)."""
        if self._stored.empty:
            return False
        starts = np.flatnonzero(np.append(True, device_id[1:] != device_id[:-1]))
        ends = np.append(starts[1:], len(device_id)) - 1
        stored = self._stored.reindex(device_id[starts])
        return bool(((ns[starts] <= stored["last"].to_numpy()) & (ns[ends] >= stored["first"].to_numpy())).any())

    def _copy_new(self, cursor, data: bytes, table: str) -> None:
        with cursor.copy(readings_copy_sql(table)) as copy:
            copy.write(data)
        self.loaded += cursor.rowcount

    def _merge(self, cursor, data: bytes) -> None:
        """Through the staging table: stored readings are kept, different values recorded as conflicts."""
        with cursor.copy(readings_copy_sql("ingest_staging")) as copy:
            copy.write(data)
        self.loaded += cursor.execute(_MERGE_STAGED).rowcount
        self.conflicts += cursor.execute(_CONFLICTS, {"ing": self.ingestion_id}).rowcount
        cursor.execute("TRUNCATE ingest_staging")

    def _merge_correcting(self, cursor, data: bytes, lines: bytes) -> None:
        counts = merge_correcting(cursor, data, lines, self.ingestion_id, self.correction)
        self.loaded += counts.loaded
        self.corrected += counts.corrected
        self.conflicts += counts.conflicts

    def stage_anomalies(self, phase: int, anomalies) -> None:
        for a in anomalies:
            self._seq += 1
            ts = None if a.ts is None or a.ts is pd.NaT else a.ts.to_pydatetime()
            self._buffer.append(
                (phase, self._seq, self.devices.get(a.deviceid), a.deviceid, ts, a.kind, a.reason, a.line)
            )
        self.anomalies += len(anomalies)
        if len(self._buffer) >= ANOMALY_BUFFER:
            self._flush_anomalies()

    def _flush_anomalies(self) -> None:
        rows, self._buffer = self._buffer, []
        if rows:
            self.writer.submit(lambda cursor: _copy_anomalies(cursor, rows))

    def finish(self) -> None:
        """Every write done; then the staged anomalies into `anomalies`, ordered as a whole-file load lists them."""
        self._flush_anomalies()
        self.writer.submit(lambda cursor: cursor.execute(_ANOMALIES_IN_ORDER, (self.ingestion_id,)))
        self.writer.finish()

    def abandon(self) -> None:
        self.writer.abandon()

    def commonest_anomaly(self) -> tuple[str, int, int | None, str, int] | None:
        """(kind, its count, first line, first reason, all anomalies) once written, None without anomalies."""
        return self.writer.cursor.execute(_COMMONEST, {"ing": self.ingestion_id}).fetchone()


def _copy_anomalies(cursor, rows) -> None:
    columns = "phase, seq, device_id, deviceid, ts, kind, reason, line"
    with cursor.copy(f"COPY ingest_anomalies ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _stored_spans(cursor, device_ids: list[int]) -> pd.DataFrame:
    """Per device with stored readings (index: device id) the first and last time, in ns since 1970 (NaN
    compares False: a device without readings meets nothing)."""
    rows = cursor.execute(_STORED_SPANS, (device_ids,)).fetchall()
    frame = pd.DataFrame(rows, columns=["id", "first", "last"])
    for column in ("first", "last"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.as_unit("ns").astype("int64").astype(float)
    return frame.set_index("id")
