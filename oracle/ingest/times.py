"""Time handling shared by the parsers: UTC offsets written in timestamps, declared time zones,
localisation of local wall-clock times across daylight-saving changes, dst_change anomalies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from .core import Anomaly, WholeFileNeeded, fmt_offset, fmt_ts

# Readings outside this window are typing or clock mistakes (a year 2999, a meter reset to 1970), and
# outside 1677-2262 they would not even fit pandas' nanosecond times: ``implausible_time`` anomalies.
PLAUSIBLE_FROM = pd.Timestamp("2000-01-01T00:00:00Z")
PLAUSIBLE_UNTIL = pd.Timestamp("2100-01-01T00:00:00Z")
PLAUSIBLE_WINDOW = "2000-01-01 .. 2100-01-01 UTC"


def implausible(times) -> np.ndarray:
    """Mask of the times outside [PLAUSIBLE_FROM, PLAUSIBLE_UNTIL) (NaT is not implausible: it is no time).
    Naive times are wall-clock times in some zone: they get a day's margin either side (the exact check is
    made again once they are placed in UTC)."""
    index = pd.DatetimeIndex(times)
    low, high = PLAUSIBLE_FROM, PLAUSIBLE_UNTIL
    if index.tz is None:
        low, high = low.tz_localize(None) - pd.Timedelta(days=1), high.tz_localize(None) + pd.Timedelta(days=1)
    present = ~np.asarray(index.isna())
    return present & ~np.asarray((index >= low) & (index < high))


def implausible_reason(text: str) -> str:
    return f"{text!r} is outside the plausible window {PLAUSIBLE_WINDOW}"


# An explicit UTC offset at the end of an ISO 8601 timestamp: Z, ±HH:MM or ±HHMM. (±HH alone is not
# accepted: it cannot be told apart from the day of a date-only value such as 2026-10-25.)
_OFFSET_TAIL = re.compile(r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))$")


def _offset_minutes(tail: str) -> float:
    m = _OFFSET_TAIL.search(tail)
    if not m:
        return np.nan
    if m.group(1):
        return 0.0
    sign = -1 if m.group(2) == "-" else 1
    return float(sign * (int(m.group(3)) * 60 + int(m.group(4))))


def utc_offsets(texts: pd.Series) -> np.ndarray:
    """UTC offset in minutes written at the end of each timestamp text; NaN where there is none.

    Vectorised: the last six characters of every text are packed into one integer (ASCII; other
    characters cannot be part of an offset), and the regular expression runs once per distinct tail
    (a file has only a handful of offsets).
    """
    n = len(texts)
    if n == 0:
        return np.empty(0, dtype=float)
    values = pd.Series(texts).astype(object).where(pd.Series(texts).notna(), "").to_numpy(dtype=object)
    try:
        arr = values.astype("S")
        unit = 1
        codes = arr.view(np.uint8)
    except UnicodeEncodeError:
        arr = values.astype("U")
        unit = 4
        codes = arr.view(np.uint32)
    width = arr.dtype.itemsize // unit
    if width == 0:
        return np.full(n, np.nan)
    codes = codes.reshape(n, width)
    lengths = np.char.str_len(arr).astype(np.int64)
    pos = lengths[:, None] - 6 + np.arange(6)
    tail = np.take_along_axis(codes, np.clip(pos, 0, None), axis=1).astype(np.int64)
    tail = np.where(pos >= 0, np.minimum(tail, 127), 0)
    keys = (tail << (7 * np.arange(6, dtype=np.int64))).sum(axis=1)
    index, uniques = pd.factorize(keys)
    table = np.empty(len(uniques), dtype=float)
    for u, key in enumerate(uniques):
        chars = [(int(key) >> (7 * j)) & 127 for j in range(6)]
        table[u] = _offset_minutes("".join(chr(c) for c in chars if c))
    return table[index]


def has_offset(text: str) -> bool:
    return not np.isnan(_offset_minutes(text[-6:]))


@dataclass(frozen=True)
class TimeZoneSpec:
    """A declared time zone: a fixed UTC offset (``UTC+1``) or an IANA zone (``Europe/Rome``)."""

    name: str
    fixed_minutes: int | None = None
    zone: ZoneInfo | None = None

    @property
    def has_dst(self) -> bool:
        return self.zone is not None


_FIXED_TZ = re.compile(r"^(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_time_zone(name: str) -> TimeZoneSpec:
    """``UTC``/``GMT``/``Z``, ``UTC+1``, ``UTC+01:00``, ``GMT-0330``, ``+01:00`` (fixed offsets) or an
    IANA zone name such as ``Europe/Rome`` (daylight-saving aware). ValueError otherwise."""
    text = str(name).strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return TimeZoneSpec(text, fixed_minutes=0)
    m = _FIXED_TZ.match(text)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise ValueError(f"time zone {name!r}: offset out of range")
        sign = -1 if m.group(1) == "-" else 1
        return TimeZoneSpec(text, fixed_minutes=sign * (hours * 60 + minutes))
    try:
        return TimeZoneSpec(text, zone=ZoneInfo(text))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r} (expected UTC±H[:MM] or an IANA name such as Europe/Rome)"
        ) from None


def localize(wall: pd.Series, tz: TimeZoneSpec, order_keys: pd.Series | None = None):
    """Local wall-clock times (naive datetime64) -> (UTC times, offsets in minutes, nonexistent mask).

    For a daylight-saving zone, a wall time in the repeated autumn hour is resolved by order of
    appearance within its ``order_keys`` group (the device): its first occurrence is the
    daylight-saving one (e.g. +02:00 in Europe/Rome), later occurrences the standard one (+01:00).
    Wall times in the skipped spring hour do not exist: they come back as NaT with the mask set.
    """
    wall = pd.Series(pd.to_datetime(wall.to_numpy()), index=wall.index).astype("datetime64[ns]")
    n = len(wall)
    if tz.zone is None:
        offset = pd.Timedelta(minutes=tz.fixed_minutes or 0)
        utc = (wall - offset).dt.tz_localize("UTC")
        return utc, np.full(n, float(tz.fixed_minutes or 0)), np.zeros(n, dtype=bool)
    keys = pd.Series(np.zeros(n, dtype=int), index=wall.index) if order_keys is None else order_keys
    first = ~pd.DataFrame({"k": keys.to_numpy(), "w": wall.to_numpy()}).duplicated().to_numpy()
    local = pd.DatetimeIndex(wall.to_numpy()).tz_localize(tz.zone, ambiguous=first, nonexistent="NaT")
    nonexistent = np.asarray(local.isna()) & ~np.asarray(wall.isna())
    utc_index = local.tz_convert("UTC")
    utc = pd.Series(utc_index, index=wall.index)
    offsets = (pd.Series(wall.to_numpy()) - pd.Series(utc_index.tz_convert(None))).dt.total_seconds() / 60
    return utc, offsets.to_numpy(dtype=float), nonexistent


def dst_change_anomalies(deviceid, ts: pd.Series, offsets: np.ndarray, line) -> list[Anomaly]:
    """Informational ``dst_change`` anomalies where a device's UTC offset changes within the file
    (readings of the device in time order; the anomaly names the first reading with the new offset)."""
    return DstTracker().anomalies(deviceid, ts, offsets, line)


class DstTracker:
    """``dst_change`` anomalies of a file read in chunks: it carries each device's last offset from one chunk
    to the next. Chunks must bring each device's readings in time order (WholeFileNeeded otherwise)."""

    def __init__(self):
        self._last = pd.DataFrame(
            {"ns": np.empty(0, np.int64), "offset": np.empty(0, float)}, index=pd.Index([], dtype=object)
        )

    def anomalies(self, deviceid, ts: pd.Series, offsets: np.ndarray, line) -> list[Anomaly]:
        offsets = np.asarray(offsets, dtype=float)
        valid = ~np.isnan(offsets)
        dev = np.asarray(deviceid, dtype=object)[valid]
        ns = pd.DatetimeIndex(pd.Series(ts)).as_unit("ns").asi8[valid]
        lines = np.asarray(line, dtype=object)[valid]
        carried = self._carried(dev, ns)
        dev_all = np.concatenate([carried.index.to_numpy(dtype=object), dev])
        ns_all = np.concatenate([carried["ns"].to_numpy(), ns])
        off_all = np.concatenate([carried["offset"].to_numpy(), offsets[valid]])
        codes, _ = pd.factorize(dev_all)
        order = np.lexsort((ns_all, codes))
        self._remember(dev_all[order], ns_all[order], off_all[order])
        if len(off_all) == 0 or off_all.min() == off_all.max():
            return []
        codes, ns_sorted, off = codes[order], ns_all[order], off_all[order]
        change = np.flatnonzero((codes[1:] == codes[:-1]) & (off[1:] != off[:-1])) + 1
        # a carried reading comes first among its device's (stable sort), so a change is always in this chunk
        return [
            self._anomaly(dev[k], lines[k], ns_sorted[i], off[i - 1], off[i])
            for i, k in zip(change, order[change] - len(carried))
        ]

    def _carried(self, dev: np.ndarray, ns: np.ndarray) -> pd.DataFrame:
        """The last reading of this chunk's devices from earlier chunks; they must come before this chunk's."""
        carried = self._last[self._last.index.isin(dev)]
        if len(carried):
            first = pd.Series(ns).groupby(dev).min()
            if (first.reindex(carried.index).to_numpy() < carried["ns"].to_numpy()).any():
                raise WholeFileNeeded("a device's readings go back in time across chunks")
        return carried

    def _remember(self, dev: np.ndarray, ns: np.ndarray, offsets: np.ndarray) -> None:
        if not len(dev):
            return
        last = np.append(dev[1:] != dev[:-1], True)
        latest = pd.DataFrame({"ns": ns[last], "offset": offsets[last]}, index=pd.Index(dev[last], dtype=object))
        self._last = pd.concat([self._last[~self._last.index.isin(latest.index)], latest])

    @staticmethod
    def _anomaly(dev, ln, ns: int, before: float, after: float) -> Anomaly:
        t = pd.Timestamp(int(ns), unit="ns", tz="UTC")
        return Anomaly(
            "dst_change",
            f"UTC offset of device {dev} changes from {fmt_offset(before)} to {fmt_offset(after)} at {fmt_ts(t)} "
            "(daylight-saving time change); informational, reading kept",
            None if ln is None or pd.isna(ln) else int(ln),
            str(dev),
            t,
        )
