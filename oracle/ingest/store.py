"""The database side of one file's ingestion, inside the file's transaction: readings written chunk by
chunk, anomalies staged and written in the order a whole-file load gives them.

A chunk whose devices have no stored reading in its time span (the usual case: new data) is COPYed straight
into `counterreading`; otherwise it goes through a staging table and `INSERT ... ON CONFLICT DO NOTHING`,
the stored value is kept and a different one recorded as a `conflicting_duplicate`. Readings of earlier
chunks of the same file never collide with a later chunk: the cleaner has made sure each device's readings
come after the ones before.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import text

from .copying import readings_binary, readings_copy_sql

try:  # monthly partitions of counterreading (migration 0006); a database before it has one table
    from oracle.db.partitions import ensure_reading_partitions
except ImportError:  # pragma: no cover - the partitioning module is not there yet
    def ensure_reading_partitions(connection, first_ts, last_ts) -> None:
        return None

PARSE, CLEANING, GAPS = 0, 1, 2  # anomaly phases, in the order a whole-file load lists them

_CREATE_STAGING = ("CREATE TEMP TABLE ingest_staging (LIKE counterreading) ON COMMIT DROP",
                   "CREATE TEMP TABLE ingest_anomalies (phase smallint, seq bigint, device_id integer, deviceid text, "
                   "ts timestamptz, kind text, reason text, line integer) ON COMMIT DROP")
_OVERLAP = ("SELECT EXISTS (SELECT 1 FROM unnest(%s::integer[], %s::timestamptz[], %s::timestamptz[]) "
            "AS c(device_id, lo, hi) JOIN counterreading r ON r.device_id = c.device_id AND r.ts >= c.lo "
            "AND r.ts <= c.hi)")
_MERGE_STAGED = ("INSERT INTO counterreading SELECT * FROM ingest_staging ON CONFLICT (device_id, ts) DO NOTHING")
_CONFLICTS = (
    "INSERT INTO anomalies (ingestion_id, device_id, deviceid, ts, kind, reason) "
    "SELECT %(ing)s, s.device_id, d.deviceid, s.ts, 'conflicting_duplicate', "
    "'already stored with energy ' || r.energy || ' Wh by ingestion ' || r.ingestion_id || "
    "'; this file says ' || s.energy || ' Wh: kept the stored reading' "
    "FROM ingest_staging s JOIN counterreading r ON r.device_id = s.device_id AND r.ts = s.ts "
    "JOIN devices d ON d.id = s.device_id "
    "WHERE r.ingestion_id <> %(ing)s AND r.energy IS DISTINCT FROM s.energy")
_ANOMALIES_IN_ORDER = (
    "INSERT INTO anomalies (ingestion_id, device_id, deviceid, ts, kind, reason, line) "
    "SELECT %s, device_id, deviceid, ts, kind, reason, line FROM ingest_anomalies "
    "ORDER BY phase, line IS NULL, line, CASE WHEN phase = 2 THEN deviceid END COLLATE \"C\", "
    "CASE WHEN phase = 2 THEN ts END, seq")
_COMMONEST = (
    "WITH k AS (SELECT kind, count(*) AS n, min(id) AS first FROM anomalies WHERE ingestion_id = %(ing)s "
    "GROUP BY kind ORDER BY n DESC, first LIMIT 1) "
    "SELECT k.kind, k.n, a.line, a.reason, (SELECT count(*) FROM anomalies WHERE ingestion_id = %(ing)s) "
    "FROM k JOIN anomalies a ON a.id = k.first")


class FileStore:
    """Writes one file's readings and anomalies on the transaction of `connection` (SQLAlchemy)."""

    def __init__(self, connection, ingestion_id: int, devices: dict[str, int]):
        self.connection = connection
        self.cursor = connection.connection.driver_connection.cursor()
        self.ingestion_id = ingestion_id
        self.devices = devices
        self.loaded = 0
        self.conflicts = 0
        self.anomalies = 0
        self._seq = 0
        for statement in _CREATE_STAGING:
            connection.execute(text(statement))

    def write_readings(self, clean: pd.DataFrame) -> None:
        """Clean rows sorted by deviceid, ts (a ReadingCleaner's chunk)."""
        if clean.empty:
            return
        device_id = clean["deviceid"].map(self.devices).to_numpy(dtype=np.int64)
        ensure_reading_partitions(self.connection, clean["ts"].min(), clean["ts"].max())
        data = readings_binary(device_id, clean, self.ingestion_id)
        if not self._overlaps_stored(device_id, clean["ts"]):
            self._copy(data, "counterreading")
            self.loaded += len(clean)
            return
        self._copy(data, "ingest_staging")
        self.loaded += self.cursor.execute(_MERGE_STAGED).rowcount
        self.conflicts += self.cursor.execute(_CONFLICTS, {"ing": self.ingestion_id}).rowcount
        self.cursor.execute("TRUNCATE ingest_staging")

    def _overlaps_stored(self, device_id: np.ndarray, ts: pd.Series) -> bool:
        """Whether any device of the chunk has a stored reading within the chunk's span of that device."""
        starts = np.flatnonzero(np.append(True, device_id[1:] != device_id[:-1]))
        ends = np.append(starts[1:], len(device_id)) - 1
        stamps = pd.DatetimeIndex(ts)
        return self.cursor.execute(_OVERLAP, (device_id[starts].tolist(), list(stamps[starts].to_pydatetime()),
                                              list(stamps[ends].to_pydatetime()))).fetchone()[0]

    def _copy(self, data: bytes, table: str) -> None:
        with self.cursor.copy(readings_copy_sql(table)) as copy:
            copy.write(data)

    def stage_anomalies(self, phase: int, anomalies) -> None:
        if not anomalies:
            return
        columns = "phase, seq, device_id, deviceid, ts, kind, reason, line"
        with self.cursor.copy(f"COPY ingest_anomalies ({columns}) FROM STDIN") as copy:
            for a in anomalies:
                self._seq += 1
                ts = None if a.ts is None or a.ts is pd.NaT else a.ts.to_pydatetime()
                copy.write_row((phase, self._seq, self.devices.get(a.deviceid), a.deviceid, ts, a.kind, a.reason,
                                a.line))
        self.anomalies += len(anomalies)

    def write_anomalies(self) -> None:
        """The staged anomalies into `anomalies`, ordered as a whole-file load lists them."""
        self.cursor.execute(_ANOMALIES_IN_ORDER, (self.ingestion_id,))

    def commonest_anomaly(self) -> tuple[str, int, int | None, str, int] | None:
        """(kind, its count, first line, first reason, all anomalies) once written, None without anomalies."""
        return self.cursor.execute(_COMMONEST, {"ing": self.ingestion_id}).fetchone()
