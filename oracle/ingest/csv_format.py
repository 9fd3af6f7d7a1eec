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
from collections.abc import Iterator

import numpy as np
import pandas as pd

from oracle.numbers import is_plain, not_a_number

from .core import (
    DEVICEID_MAX,
    OPTIONAL_COLUMNS,
    Anomaly,
    IngestFileError,
    ParsedFile,
    WholeFileNeeded,
    deviceid_too_long,
    readings_frame,
)
from .source import decode_text, delimited_text, iter_line_blocks
from .times import DstTracker, implausible, implausible_reason, utc_offsets

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
        raise IngestFileError(
            path, 1, raw[0].split(";")[0].strip() or "1", f"header is not comma-separated{hint}; {_EXPECTED}"
        )
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
    starts, ends = _line_bounds(buf)
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
            Anomaly(
                "bad_field_count",
                f"{counts[i] + 1} fields where the header has {len(names)}: {_short(body[i])!r}",
                int(lines[i]),
                None,
                None,
            )
            for i in np.flatnonzero(bad)
        ]
        good = ~blank & ~bad
        if not good.any():
            return None, lines[:0], anomalies, not bad.any(), False
        text = "\n".join(line for line, ok in zip(body, good) if ok)
        lines = lines[good]
    else:
        text = body_text
    frame = pd.read_csv(
        io.StringIO(text),
        header=None,
        names=names,
        dtype=str,
        na_filter=False,
        keep_default_na=False,
        skip_blank_lines=False,
        quoting=csv.QUOTE_NONE,
        engine="c",
    )
    return frame, lines, anomalies, False, _blanks_around_fields(buf)


def _line_bounds(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) byte offsets of every line of a non-empty body (end: its newline or the body's end)."""
    newlines = np.flatnonzero(buf == 10)
    ends = newlines if buf[-1] == 10 else np.append(newlines, len(buf))
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    return starts, ends


def _blanks_around_fields(buf: np.ndarray) -> bool:
    """Whether a blank or tab touches a field's start or end (the fields then need stripping)."""
    spaces = np.flatnonzero((buf == 32) | (buf == 9))
    if not len(spaces):
        return False
    before = buf[np.maximum(spaces - 1, 0)]
    after = buf[np.minimum(spaces + 1, len(buf) - 1)]
    return bool(
        (spaces == 0).any()
        or (spaces == len(buf) - 1).any()
        or np.isin(before, (10, 44)).any()
        or np.isin(after, (10, 44)).any()
    )


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
                anomalies.append(
                    Anomaly(
                        "bad_field_count",
                        f"{len(record)} fields where the header has {len(names)}: {_short(','.join(record))!r}",
                        start,
                        None,
                        None,
                    )
                )
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
    parser = CsvParser(path, header)
    parsed = parser.parse(body_text, 2)
    parser.finish()
    return parsed


def iter_csv_chunks(path, rows_per_chunk: int) -> Iterator[ParsedFile]:
    """The file parsed ``rows_per_chunk`` lines at a time, with the same rows and anomalies as
    :func:`parse_csv` of the whole file (WholeFileNeeded when that cannot be promised: quoted fields, a
    device going back in time across chunks, a first chunk of blank lines)."""
    blocks = iter_line_blocks(path, rows_per_chunk)
    _, data = next(blocks, (1, b""))
    following = next(blocks, None)
    text = decode_text(path, data, _column_of)
    if following is not None and not text.strip():
        raise WholeFileNeeded("the file starts with a chunk of blank lines")
    text = delimited_text(path, data, _column_of, "csv", text=text)
    header, _, body_text = text.partition("\n")
    parser = CsvParser(path, header, quotes_allowed=following is None)
    header_bytes = data.split(b"\n", 1)[0].rstrip(b"\r")
    yield parser.parse(body_text, 2)
    while following is not None:
        first_line, data = following
        following = next(blocks, None)
        yield parser.parse(decode_text(path, data, _column_of, first_line=first_line, header=header_bytes), first_line)
    parser.finish()


class CsvParser:
    """Parses the body of one csv file, whole or in chunks of lines, against its header."""

    def __init__(self, path, header: str, *, quotes_allowed: bool = True):
        self.path = path
        self.names = _header(path, header)
        self.quotes_allowed = quotes_allowed
        self.dst = DstTracker()
        self.saw_a_line = False  # a non-blank line after the header

    def finish(self) -> None:
        if not self.saw_a_line:
            raise IngestFileError(self.path, 2, "1", "no data rows after the header (empty file)")

    def parse(self, body_text: str, first_line: int) -> ParsedFile:
        if '"' in body_text:
            if not self.quotes_allowed:
                raise WholeFileNeeded("quoted csv fields may span chunks")
            frame, lines, anomalies, all_blank, strip = _split_quoted(self.path, body_text, self.names, first_line)
        else:
            frame, lines, anomalies, all_blank, strip = _split_fast(body_text, self.names, first_line)
        self.saw_a_line = self.saw_a_line or not all_blank
        if frame is None:
            return ParsedFile(str(self.path), "csv", readings_frame([], [], [], []), anomalies)
        fields = _Fields(frame, lines, strip)
        anomalies += fields.required_anomalies()
        optional = {}
        for col in OPTIONAL_COLUMNS:
            if col in frame.columns:
                optional[col], found = fields.optional(col)
                anomalies += found
        keep = fields.keep
        readings = readings_frame(fields.dev[keep], fields.ts[keep], fields.energy[keep], lines[keep], optional)
        anomalies += self.dst.anomalies(
            readings["deviceid"].to_numpy(dtype=object), readings["ts"], fields.offsets[keep], lines[keep]
        )
        anomalies.sort(key=lambda a: (a.line is None, a.line or 0))
        return ParsedFile(str(self.path), "csv", readings, anomalies)


class _Fields:
    """The values of one chunk's rows and the masks of their problems."""

    def __init__(self, frame: pd.DataFrame, lines: np.ndarray, strip: bool):
        self.frame, self.lines, self.strip = frame, lines, strip
        self.dev = self.column("deviceid").to_numpy(dtype=object)
        self.ts_text = self.column("timestamp")
        self.en_text = self.column("energy")
        self.ts = pd.to_datetime(self.ts_text, utc=True, format="ISO8601", errors="coerce")
        self.ts_arr = self.ts.array  # tz-aware DatetimeArray: items are UTC Timestamps
        self.offsets = utc_offsets(self.ts_text)
        self.dev_missing = self.dev == ""
        self.dev_too_long = np.fromiter(map(len, self.dev), dtype=np.int64, count=len(self.dev)) > DEVICEID_MAX
        self.named = np.where(self.dev_too_long, "", self.dev)  # the device id an anomaly names must fit its column
        self.bad_ts = self.ts.isna().to_numpy()
        self.missing_off = ~self.bad_ts & np.isnan(self.offsets)
        self.out_of_window = ~self.bad_ts & ~self.missing_off & implausible(self.ts)
        self.energy, self.en_empty, self.en_bad = _to_float(self.en_text)
        self.keep = ~(
            self.dev_missing
            | self.dev_too_long
            | self.bad_ts
            | self.missing_off
            | self.out_of_window
            | self.en_empty
            | self.en_bad
        )

    def column(self, name: str) -> pd.Series:
        values = self.frame[name].astype(object)
        return values.str.strip() if self.strip else values

    def ts_at(self, i):
        """Timestamp of row i for an anomaly (None where unknown or not placeable)."""
        if self.bad_ts[i] or self.missing_off[i] or self.out_of_window[i]:
            return None
        return self.ts_arr[i]

    def found(self, kind, mask, message) -> list[Anomaly]:
        return _mask_anomalies(kind, mask, self.lines, self.named, self.ts_at, message)

    def required_anomalies(self) -> list[Anomaly]:
        tsv, env, dev = self.ts_text.to_numpy(dtype=object), self.en_text.to_numpy(dtype=object), self.dev
        return [
            *self.found("missing_field", self.dev_missing, lambda i: "deviceid is empty; reading dropped"),
            *self.found("bad_deviceid", self.dev_too_long, lambda i: f"{deviceid_too_long(dev[i])}; reading dropped"),
            *self.found(
                "bad_timestamp",
                self.bad_ts,
                lambda i: f"timestamp {_short(tsv[i])!r} is not an ISO 8601 date-time; reading dropped",
            ),
            *self.found(
                "missing_offset",
                self.missing_off,
                lambda i: (
                    f"timestamp {_short(tsv[i])!r} has no UTC offset (e.g. +01:00 or Z): it cannot be "
                    "placed in time; reading dropped"
                ),
            ),
            *self.found(
                "implausible_time",
                self.out_of_window,
                lambda i: f"timestamp {implausible_reason(_short(tsv[i]))}; reading dropped",
            ),
            *self.found("missing_field", self.en_empty, lambda i: "energy is empty; reading dropped"),
            *self.found(
                "bad_number",
                self.en_bad,
                lambda i: f"energy {_short(env[i])!r} {not_a_number(env[i])}; reading dropped",
            ),
        ]

    def optional(self, col: str) -> tuple[np.ndarray, list[Anomaly]]:
        """(values of the kept rows, NaN where unparsable or not finite; anomalies of those fields)."""
        text_col = self.column(col)
        values, empty, bad = _to_float(text_col)
        values = values.copy()
        non_finite = ~np.isfinite(values) & ~empty & ~bad & self.keep
        t = text_col.to_numpy(dtype=object)
        found = [
            *self.found(
                "bad_number",
                bad & self.keep,
                lambda i: f"{col} {_short(t[i])!r} {not_a_number(t[i])}; {col} left empty, reading kept",
            ),
            *self.found("non_finite", non_finite, lambda i: f"{col} is {t[i]!r}; {col} left empty, reading kept"),
        ]
        values[bad | non_finite] = np.nan
        return values[self.keep], found
