"""Corrections of stored readings (`oracle ingest --correction --reason TEXT`) and the query that finds them.

A correcting file's measured reading whose device and time are already stored with a different energy
replaces the stored reading (every column, and the ingestion id: an epoch's watermark tells the old value
from the new one); each replacement is one row of `reading_corrections`, written in the file's transaction.
Rows the cleaner made up never replace a stored reading: an interpolated row (a correction file usually
holds only the corrected lines, so the spaces between them are no real gaps) is dropped silently where a
reading is stored, a snapped one is recorded as a `conflicting_duplicate`, as without --correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select

from oracle.db.schema import Device, Ingestion, ReadingCorrection

from .copying import lines_copy_sql, readings_copy_sql

CREATE_LINES = "CREATE TEMP TABLE ingest_lines (device_id integer, ts timestamptz, line integer) ON COMMIT DROP"

_REPLACES = (  # a staged measured reading that replaces a stored one (s: staged, r: stored)
    "s.quality = 'measured' AND r.ingestion_id <> %(ing)s AND r.energy IS DISTINCT FROM s.energy"
)
_RECORD = (
    "INSERT INTO reading_corrections (ingestion_id, device_id, ts, old_energy, new_energy, old_ingestion_id, "
    "file_name, file_sha256, line, reason) "
    "SELECT %(ing)s, s.device_id, s.ts, r.energy, s.energy, r.ingestion_id, %(file)s, %(sha)s, l.line, %(reason)s "
    "FROM ingest_staging s JOIN counterreading r ON r.device_id = s.device_id AND r.ts = s.ts "
    "LEFT JOIN ingest_lines l ON l.device_id = s.device_id AND l.ts = s.ts "
    f"WHERE {_REPLACES} ORDER BY l.line, s.device_id, s.ts"
)
_REPLACE = (
    "UPDATE counterreading r SET flow_id = s.flow_id, current = s.current, voltage = s.voltage, "
    "powactive = s.powactive, powreactive = s.powreactive, energy = s.energy, chargestatus = s.chargestatus, "
    "quality = s.quality, ingestion_id = s.ingestion_id "
    f"FROM ingest_staging s WHERE r.device_id = s.device_id AND r.ts = s.ts AND {_REPLACES}"
)
_ADD_NEW = "INSERT INTO counterreading SELECT * FROM ingest_staging ON CONFLICT (device_id, ts) DO NOTHING"
_CONFLICTS = (  # what is left: snapped readings that differ from stored ones (interpolated ones are dropped)
    "INSERT INTO anomalies (ingestion_id, device_id, deviceid, ts, kind, reason, line) "
    "SELECT %(ing)s, s.device_id, d.deviceid, s.ts, 'conflicting_duplicate', "
    "'already stored with energy ' || r.energy || ' Wh by ingestion ' || r.ingestion_id || "
    "'; this file says ' || s.energy || ' Wh (' || s.quality || ', not a correction): kept the stored reading', "
    "l.line "
    "FROM ingest_staging s JOIN counterreading r ON r.device_id = s.device_id AND r.ts = s.ts "
    "JOIN devices d ON d.id = s.device_id "
    "LEFT JOIN ingest_lines l ON l.device_id = s.device_id AND l.ts = s.ts "
    "WHERE r.ingestion_id <> %(ing)s AND r.energy IS DISTINCT FROM s.energy AND s.quality <> 'interpolated'"
)


@dataclass(frozen=True)
class CorrectionSource:
    """What every correction of one file records besides the values."""

    file_name: str
    file_sha256: str
    reason: str


@dataclass(frozen=True)
class MergeCounts:
    loaded: int  # readings not stored before
    corrected: int  # stored readings replaced
    conflicts: int  # conflicting_duplicate anomalies


def merge_correcting(cursor, readings: bytes, lines: bytes, ingestion_id: int, source: CorrectionSource) -> MergeCounts:
    """One chunk of a correcting file through the staging tables (`ingest_staging`, `ingest_lines`): the
    corrections are recorded with the stored values before these are replaced."""
    with cursor.copy(readings_copy_sql("ingest_staging")) as copy:
        copy.write(readings)
    with cursor.copy(lines_copy_sql("ingest_lines")) as copy:
        copy.write(lines)
    params = {"ing": ingestion_id, "file": source.file_name, "sha": source.file_sha256, "reason": source.reason}
    corrected = cursor.execute(_RECORD, params).rowcount
    replaced = cursor.execute(_REPLACE, params).rowcount
    if replaced != corrected:  # the same conditions on the same rows, in one transaction
        raise RuntimeError(f"{corrected} corrections recorded but {replaced} readings replaced")
    loaded = cursor.execute(_ADD_NEW).rowcount
    conflicts = cursor.execute(_CONFLICTS, params).rowcount
    cursor.execute("TRUNCATE ingest_staging, ingest_lines")
    return MergeCounts(loaded, corrected, conflicts)


CORRECTION_COLUMNS = [
    "device_id",
    "deviceid",
    "ts",
    "old_energy",
    "new_energy",
    "old_ingestion_id",
    "ingestion_id",
    "reason",
]


def corrections_since(session, community_id: int, watermark: int, start: datetime, end: datetime) -> pd.DataFrame:
    """The corrections made by ingestions with id > `watermark` (those an epoch of that watermark did not
    see) to the community's readings in [start, end), in CORRECTION_COLUMNS, ordered by ingestion, device and
    time. A reading corrected twice gives two rows; the first one's old_energy is the value the epoch saw when
    its old_ingestion_id <= watermark (otherwise the epoch saw no reading there)."""
    rows = session.execute(
        select(
            ReadingCorrection.device_id,
            Device.deviceid,
            ReadingCorrection.ts,
            ReadingCorrection.old_energy,
            ReadingCorrection.new_energy,
            ReadingCorrection.old_ingestion_id,
            ReadingCorrection.ingestion_id,
            ReadingCorrection.reason,
        )
        .join(Device, Device.id == ReadingCorrection.device_id)
        .join(Ingestion, Ingestion.id == ReadingCorrection.ingestion_id)
        .where(
            Ingestion.community_id == community_id,
            ReadingCorrection.ingestion_id > watermark,
            ReadingCorrection.ts >= start,
            ReadingCorrection.ts < end,
        )
        .order_by(ReadingCorrection.ingestion_id, Device.deviceid, ReadingCorrection.ts)
    ).all()
    frame = pd.DataFrame(rows, columns=CORRECTION_COLUMNS)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame
