"""The canonical counter-reading csv.

Header (line 1): ``deviceid,timestamp,energy`` and optionally ``powactive,powreactive,current,
voltage,chargestatus``, in any order (names are case-insensitive, surrounding blanks and quotes are
ignored). Unknown, duplicate or empty column names and missing required columns reject the file.

One reading per line: ``timestamp`` is ISO 8601 with a UTC offset (``Z``, ``±HH:MM`` or ``±HHMM``)
and marks the start of the 15-minute interval; ``energy`` is Wh in the interval (withdrawn/consumed
positive, produced/injected negative, battery positive when charging); ``powactive`` W,
``powreactive`` var, ``current`` A, ``voltage`` V, ``chargestatus`` %. Decimal point '.', fields
separated by ','; double quotes are allowed (RFC 4180) but slow the parser down.

Per-line problems found here (the row is dropped unless said otherwise):
``bad_field_count`` (not as many fields as the header), ``missing_field`` (empty deviceid or
energy), ``bad_timestamp`` (not ISO 8601), ``missing_offset`` (no UTC offset: the reading cannot be
placed in time), ``bad_number`` (energy not a number); for the optional columns an unparsable value
(``bad_number``) or NaN/±inf (``non_finite``) only nulls that field and keeps the reading.
Energy written as NaN/inf is kept here and dropped by the cleaning (``non_finite``).
Where a device's UTC offset changes within the file an informational ``dst_change`` is recorded.
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from oracle.numbers import is_plain, not_a_number

from .core import (DEVICEID_MAX, OPTIONAL_COLUMNS, Anomaly, IngestFileError, ParsedFile, deviceid_too_long,
                   readings_frame)
from .source import delimited_text
from .times import dst_change_anomalies, implausible, implausible_reason, utc_offsets

REQUIRED = ("deviceid", "timestamp", "energy")
KNOWN = REQUIRED + tuple(OPTIONAL_COLUMNS)
_EXPECTED = "expected deviceid,timestamp,energy and optionally " + ",".join(OPTIONAL_COLUMNS)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _column_of(line_no: int, before: bytes, whole: bytes, first: bytes) -> str:
    """Column of an undecodable byte: the header's name of the field it is in when the header is a
    valid one, otherwise the character position."""
    position = str(len(before.decode("utf-8", "replace")) + 1)
    if line_no == 1:
        return position
    index = before.count(b",")
    names = [n.strip().strip('"').strip().lower() for n in first.decode("utf-8", "replace").split(",")]
    if index < len(names) and all(n in KNOWN for n in names):
        return names[index]
    return position


def _header(path, header: str) -> list[str]:
    if not header.strip():
        raise IngestFileError(path, 1, "1", f"missing header: {_EXPECTED}")
    raw = header.split(",")
    if len(raw) == 1 and ";" in header:
        hint = " (fields separated by ';': a seed-003 energy-community file? use --format ec-csv)"
        raise IngestFileError(path, 1, raw[0].split(";")[0].strip() or "1",
                              f"header is not comma-separated{hint}; {_EXPECTED}")
    names: list[str] = []
    looks_like_data = any(ch.isdigit() for ch in header)
    for i, name in enumerate(raw):
        clean = name.strip().strip('"').strip()
        low = clean.lower()
        if not low:
            raise IngestFileError(path, 1, f"#{i + 1}", f"empty column name in the header (column {i + 1})")
        if low in names:
            raise IngestFileError(path, 1, clean, f"duplicate column {clean!r} in the header")
        if low not in KNOWN:
            hint = " (is the header line missing?)" if looks_like_data else ""
            raise IngestFileError(path, 1, clean, f"unknown column {clean!r}{hint}; {_EXPECTED}")
        names.append(low)
    for req in REQUIRED:
        if req not in names:
            raise IngestFileError(path, 1, req, f"missing required column {req!r}; {_EXPECTED}")
    return names


def _split_fast(body_text: str, names: list[str], first_line: int):
    """Rows of a file without quotes: field counting with numpy on the bytes, then the C csv reader.

    Returns (frame or None, line numbers, anomalies, all lines blank, fields need stripping).
    """
    buf = np.frombuffer(body_text.encode("utf-8"), dtype=np.uint8)
    if len(buf) == 0:
        return None, np.empty(0, dtype=np.int64), [], True, False
    newlines = np.flatnonzero(buf == 10)
    ends = newlines if buf[-1] == 10 else np.append(newlines, len(buf))
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    commas = np.flatnonzero(buf == 44)
    counts = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    lines = first_line + np.arange(len(ends), dtype=np.int64)
    blank = ends == starts
    suspicious = ~blank & (counts != len(names) - 1)
    anomalies = []
    if suspicious.any() or blank.any():
        body = body_text.split("\n")
        for i in np.flatnonzero(suspicious):
            if not body[i].strip():
                blank[i] = True
        bad = suspicious & ~blank
        anomalies = [
            Anomaly("bad_field_count", f"{counts[i] + 1} fields where the header has {len(names)}: "
                    f"{_short(body[i])!r}", int(lines[i]), None, None)
            for i in np.flatnonzero(bad)
        ]
        good = ~blank & ~bad
        if not good.any():
            return None, lines[:0], anomalies, not bad.any(), False
        text = "\n".join(line for line, ok in zip(body, good) if ok)
        lines = lines[good]
    else:
        text = body_text
    spaces = np.flatnonzero((buf == 32) | (buf == 9))
    strip = False
    if len(spaces):
        before = buf[np.maximum(spaces - 1, 0)]
        after = buf[np.minimum(spaces + 1, len(buf) - 1)]
        strip = bool((spaces == 0).any() or (spaces == len(buf) - 1).any()
                     or np.isin(before, (10, 44)).any() or np.isin(after, (10, 44)).any())
    frame = pd.read_csv(io.StringIO(text), header=None, names=names, dtype=str, na_filter=False,
                        keep_default_na=False, skip_blank_lines=False, quoting=csv.QUOTE_NONE,
                        engine="c")
    return frame, lines, anomalies, False, strip


def _split_quoted(path, body_text: str, names: list[str], first_line: int):
    """Rows of a file with double quotes (fields may span lines): Python's csv module."""
    reader = csv.reader(io.StringIO(body_text), strict=True)
    rows, lines, anomalies = [], [], []
    previous_end = 0
    all_blank = True
    try:
        for record in reader:
            start = first_line + previous_end
            previous_end = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            all_blank = False
            if len(record) != len(names):
                anomalies.append(Anomaly("bad_field_count", f"{len(record)} fields where the header has "
                                         f"{len(names)}: {_short(','.join(record))!r}", start, None, None))
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise IngestFileError(path, first_line + reader.line_num - 1, None, f"malformed csv: {exc}") from None
    if not rows:
        return None, np.empty(0, dtype=np.int64), anomalies, all_blank, True
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    return frame, np.asarray(lines, dtype=np.int64), anomalies, False, True


def _to_float(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, empty mask, unparsable mask) with Python's float() syntax ('nan' and 'inf' parse) on plain
    ASCII text: '_' digit separators and other scripts' digits are unparsable (see oracle.numbers)."""
    arr = text.to_numpy(dtype=object)
    empty = arr == ""
    not_plain = np.zeros(len(arr), dtype=bool)
    if not is_plain("".join(arr)):  # one pass over the column; rows are looked at only when needed
        not_plain = np.fromiter((not is_plain(v) for v in arr), dtype=bool, count=len(arr))
    try:
        if not not_plain.any():
            return arr.astype(np.float64), empty, not_plain
    except (ValueError, TypeError):
        pass
    values = pd.to_numeric(text.where(~not_plain, ""), errors="coerce").to_numpy(dtype=float, copy=True)
    unparsable = not_plain.copy()
    for i in np.flatnonzero(np.isnan(values) & ~empty & ~not_plain):
        try:
            values[i] = float(arr[i])
        except (ValueError, TypeError):
            unparsable[i] = True
    values[unparsable] = np.nan
    return values, empty, unparsable


def _mask_anomalies(kind, mask, lines, dev, ts_at, message) -> list[Anomaly]:
    return [Anomaly(kind, message(i), int(lines[i]), dev[i] or None, ts_at(i)) for i in np.flatnonzero(mask)]


def parse_csv(path, data: bytes) -> ParsedFile:
    text = delimited_text(path, data, _column_of, "csv")
    header, _, body_text = text.partition("\n")
    names = _header(path, header)

    if '"' in body_text:
        frame, lines, anomalies, all_blank, strip = _split_quoted(path, body_text, names, 2)
    else:
        frame, lines, anomalies, all_blank, strip = _split_fast(body_text, names, 2)
    if frame is None:
        if all_blank:
            raise IngestFileError(path, 2, "1", "no data rows after the header (empty file)")
        return ParsedFile(str(path), "csv", readings_frame([], [], [], []), anomalies)

    def column(name: str) -> pd.Series:
        values = frame[name].astype(object)
        return values.str.strip() if strip else values

    dev = column("deviceid").to_numpy(dtype=object)
    ts_text = column("timestamp")
    en_text = column("energy")
    ts = pd.to_datetime(ts_text, utc=True, format="ISO8601", errors="coerce")
    ts_arr = ts.array  # tz-aware DatetimeArray: items are UTC Timestamps

    offsets = utc_offsets(ts_text)
    dev_missing = dev == ""
    dev_lengths = pd.Series(dev, dtype=object).str.len().to_numpy()
    dev_too_long = dev_lengths > DEVICEID_MAX
    named = np.where(dev_too_long, "", dev)  # the device id an anomaly names must fit its column too
    bad_ts = ts.isna().to_numpy()
    missing_off = ~bad_ts & np.isnan(offsets)
    out_of_window = ~bad_ts & ~missing_off & implausible(ts)
    energy, en_empty, en_bad = _to_float(en_text)

    def ts_at(i):  # Timestamp of row i for an anomaly (None where unknown or not placeable)
        if bad_ts[i] or missing_off[i] or out_of_window[i]:
            return None
        return ts_arr[i]

    tsv = ts_text.to_numpy(dtype=object)
    env = en_text.to_numpy(dtype=object)
    anomalies += _mask_anomalies("missing_field", dev_missing, lines, named, ts_at,
                                 lambda i: "deviceid is empty; reading dropped")
    anomalies += _mask_anomalies("bad_deviceid", dev_too_long, lines, named, ts_at,
                                 lambda i: f"{deviceid_too_long(dev[i])}; reading dropped")
    anomalies += _mask_anomalies("bad_timestamp", bad_ts, lines, named, ts_at,
                                 lambda i: f"timestamp {_short(tsv[i])!r} is not an ISO 8601 date-time; "
                                           "reading dropped")
    anomalies += _mask_anomalies("missing_offset", missing_off, lines, named, ts_at,
                                 lambda i: f"timestamp {_short(tsv[i])!r} has no UTC offset (e.g. +01:00 or Z): "
                                           "it cannot be placed in time; reading dropped")
    anomalies += _mask_anomalies("implausible_time", out_of_window, lines, named, ts_at,
                                 lambda i: f"timestamp {implausible_reason(_short(tsv[i]))}; reading dropped")
    anomalies += _mask_anomalies("missing_field", en_empty, lines, named, ts_at,
                                 lambda i: "energy is empty; reading dropped")
    anomalies += _mask_anomalies("bad_number", en_bad, lines, named, ts_at,
                                 lambda i: f"energy {_short(env[i])!r} {not_a_number(env[i])}; reading dropped")

    keep = ~(dev_missing | dev_too_long | bad_ts | missing_off | out_of_window | en_empty | en_bad)

    optional = {}
    for col in OPTIONAL_COLUMNS:
        if col not in frame.columns:
            continue
        text_col = column(col)
        values, empty, bad = _to_float(text_col)
        values = values.copy()
        non_finite = ~np.isfinite(values) & ~empty & ~bad & keep
        col_text = text_col.to_numpy(dtype=object)
        anomalies += _mask_anomalies("bad_number", bad & keep, lines, named, ts_at,
                                     lambda i, c=col, t=col_text: f"{c} {_short(t[i])!r} {not_a_number(t[i])}; "
                                                                  f"{c} left empty, reading kept")
        anomalies += _mask_anomalies("non_finite", non_finite, lines, named, ts_at,
                                     lambda i, c=col, t=col_text: f"{c} is {t[i]!r}; {c} left empty, "
                                                                  "reading kept")
        values[bad | non_finite] = np.nan
        optional[col] = values[keep]

    readings = readings_frame(dev[keep], ts[keep], energy[keep], lines[keep], optional)
    anomalies += dst_change_anomalies(readings["deviceid"].to_numpy(dtype=object), readings["ts"],
                                      offsets[keep], lines[keep])
    anomalies.sort(key=lambda a: (a.line is None, a.line or 0))
    return ParsedFile(str(path), "csv", readings, anomalies)
