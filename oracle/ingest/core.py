"""Shared types of the ingestion parsers: whole-file errors, line anomalies, parsed files.

Conventions used by every parser:

- ``line`` is the 1-based line of the source file (the csv header is line 1; for UrbanDataset the
  line where the JSON object of the ``values.line`` entry starts). Derived rows (interpolated
  gaps) have no line.
- ``column`` of an :class:`IngestFileError` is the name of the field the error is about when there
  is one (a csv column name, an ec-csv row label such as ``St[2]`` = second value of row St, a JSON
  path such as ``UrbanDataset.context.timeZone``), otherwise the 1-based character position in the
  line (``"1"`` for an empty file).
- ``ts`` is always timezone-aware UTC (``datetime64[ns, UTC]``) and marks the start of the
  15-minute interval; ``energy`` is Wh in that interval with the platform's sign convention
  (withdrawn/consumed positive, produced/injected negative, battery positive when charging).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from oracle.errors import OracleError

FORMATS = ("csv", "ec-csv", "urbandataset")

READING_COLUMNS = [
    "deviceid",
    "ts",
    "energy",
    "powactive",
    "powreactive",
    "current",
    "voltage",
    "chargestatus",
    "quality",
    "line",
]
RAW_COLUMNS = [c for c in READING_COLUMNS if c != "quality"]
OPTIONAL_COLUMNS = ["powactive", "powreactive", "current", "voltage", "chargestatus"]
QUALITIES = ("measured", "snapped", "interpolated")

STEP = pd.Timedelta(minutes=15)
STEP_NS = int(STEP.value)

# The width of the database's device id columns (devices.deviceid, anomalies.deviceid): a longer id can
# be no registered device, and is a line anomaly rather than a database error rejecting the whole file.
DEVICEID_MAX = 64


class IngestFileError(OracleError):
    """The whole file is rejected: nothing of it may be loaded.

    ``str(e) == f"{path}:{line}:{column}: {message}"`` with missing parts (None) left out.
    """

    def __init__(self, path: str | Path, line: int | None, column: str | None, message: str):
        self.path = str(path)
        self.line = None if line is None else int(line)
        self.column = None if column is None else str(column)
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
        if self.column is not None:
            parts.append(self.column)
        return ":".join(parts) + ": " + self.message

    def __reduce__(self):  # picklable although __init__ takes four arguments
        return (type(self), (self.path, self.line, self.column, self.message))


class WholeFileNeeded(Exception):
    """Internal signal of the streaming loader: this file cannot be cleaned chunk by chunk with the same result
    as whole (a device's readings go back in time across chunks, quoted csv fields may span chunks), so it is
    read again whole. Not a user error: the message says why, for the progress log."""


@dataclass(frozen=True)
class Anomaly:
    """A per-line problem or a pre-processing event; the line's row may have been dropped or fixed.

    Kinds: parse time — ``missing_field``, ``bad_field_count``, ``bad_number``, ``bad_timestamp``,
    ``missing_offset``, ``nonexistent_time``, ``implausible_time``, ``bad_deviceid``, ``missing_value``,
    ``bad_period``, ``bad_line``, ``ambiguous_energy``, ``non_finite`` (optional fields), ``dst_change``;
    cleaning —
    ``unknown_device``, ``non_finite``, ``impossible_magnitude``, ``duplicate``,
    ``off_grid_snapped``, ``gap_interpolated``, ``gap_left_missing``.
    """

    kind: str
    reason: str
    line: int | None
    deviceid: str | None
    ts: pd.Timestamp | None


@dataclass
class ParsedFile:
    path: str
    format: str
    readings: pd.DataFrame  # RAW_COLUMNS, before cleaning; ts UTC
    anomalies: list[Anomaly] = field(default_factory=list)


def readings_frame(deviceid, ts, energy, line, optional: dict | None = None) -> pd.DataFrame:
    """A raw readings frame with the standard columns and dtypes (all arrays of equal length)."""
    n = len(deviceid)
    optional = optional or {}
    ts = pd.to_datetime(pd.Series(ts), utc=True)
    if len(ts):
        ts = ts.dt.as_unit("ns")
    else:
        ts = ts.astype("datetime64[ns, UTC]")
    data = {
        "deviceid": pd.Series(np.asarray(deviceid, dtype=object), dtype="str"),
        "ts": ts.reset_index(drop=True),
        "energy": pd.Series(np.asarray(energy, dtype=float)),
    }
    for col in OPTIONAL_COLUMNS:
        values = optional.get(col)
        data[col] = pd.Series(np.full(n, np.nan) if values is None else np.asarray(values, dtype=float))
    if isinstance(line, np.ndarray) and line.dtype.kind in "iu":
        data["line"] = pd.Series(pd.array(line.astype("int64"), dtype="Int64"))
    else:
        data["line"] = pd.Series(pd.array(list(line), dtype="Int64"))
    return pd.DataFrame(data, columns=RAW_COLUMNS)


def deviceid_too_long(deviceid: str) -> str | None:
    """The reason of a ``bad_deviceid`` anomaly, or None for an id that fits the column."""
    if len(deviceid) <= DEVICEID_MAX:
        return None
    shown = deviceid[:20] + "..."
    return f"deviceid {shown!r} has {len(deviceid)} characters, more than the {DEVICEID_MAX} a device id may have"


def empty_readings() -> pd.DataFrame:
    return readings_frame([], [], [], [])


def fmt_ts(ts) -> str:
    """A timestamp for messages: ISO 8601 in UTC with 'Z'."""
    if ts is None or ts is pd.NaT:
        return "?"
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(int(minutes)), 60)
    return f"{sign}{h:02d}:{m:02d}"


def fmt_duration(td: pd.Timedelta) -> str:
    minutes = int(td / pd.Timedelta(minutes=1))
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} h {m} min"
    return f"{h} h" if h else f"{m} min"
