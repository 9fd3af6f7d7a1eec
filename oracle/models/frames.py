"""Quarter-hour grid and per-member load/production frames.

For member i and 15-minute interval t (half-open ``[t, t + 15 min)``), over the member's devices d:

    L_i(t) = Σ_d max(E_d(t), 0)     (Wh withdrawn / absorbed; a charging battery counts here)
    P_i(t) = Σ_d max(-E_d(t), 0)    (Wh produced / injected; a discharging battery counts here)

where E_d(t) is the device's net energy in the interval (sign convention of DOMAIN.md: withdrawn or
absorbed > 0, produced or injected < 0). Intervals without a reading count as 0 in L and P, and
``has_data[t, i]`` records whether at least one of the member's devices has a reading at t.

Input hygiene (the pre-processing of §5.2.3.2 is expected upstream; these rules only make the
result well defined whatever arrives):

- rows outside ``[start, end)``, rows of wallets not in ``members``, rows with NaT ``ts`` and rows
  with NaN ``energy`` (a NULL reading) are ignored;
- a ``ts`` off the 15-minute grid is assigned to the interval containing it;
- several rows of the same (member, device, interval) are summed *before* clipping, i.e.
  E_d(t) is the sum of the device's rows falling in the interval;
- wallet strings are matched exactly (case-sensitive) against ``members``.

Row order does not change the result as long as a member has at most two rows per interval
(float addition of two terms is commutative); beyond that the last bit of a sum may depend on it.

Performance: the frames are dense float64 (n_intervals x n_members, 230 MB each for
10 000 members x 2 880 intervals). They are built with ``np.bincount`` on integer codes, so no
Python loop runs over rows or intervals; besides the outputs, about three row-sized int64/float64
temporaries are alive at once. ``member`` and ``device`` columns given as ``pandas.Categorical``
are used through their codes (fast); str/object columns are hashed once (~0.1 s per 10^6 rows
and column).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

INTERVAL = pd.Timedelta(minutes=15)
_INTERVAL_NS = INTERVAL.value
_NS_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
READING_COLUMNS = ("member", "device", "ts", "energy")


def _utc_timestamp(value, name: str) -> pd.Timestamp:
    """``value`` as a UTC Timestamp; it must be timezone-aware and on the 15-minute grid."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not a timestamp: {value!r}") from exc
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name}: NaT")
    if ts.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {ts}")
    ts = ts.tz_convert("UTC")
    if ts.value % _INTERVAL_NS != 0:
        raise ValueError(f"{name} {ts} is not on the 15-minute grid")
    return ts


def interval_grid(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Interval starts of the half-open period ``[start, end)``, every 15 minutes, tz UTC.

    ``start`` and ``end`` must be timezone-aware (an aware non-UTC timestamp is converted to UTC)
    and on the 15-minute grid (multiples of 15 minutes since the Unix epoch), with
    ``start <= end``; otherwise ValueError. ``start == end`` gives an empty grid.
    """
    start = _utc_timestamp(start, "start")
    end = _utc_timestamp(end, "end")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return pd.date_range(start, end, freq=INTERVAL, inclusive="left", name="ts")


@dataclass(frozen=True)
class MemberFrames:
    """Per-member quarter-hour data of one period.

    load, production: DataFrame, index = interval grid (tz UTC), columns = members, Wh, missing = 0.
    has_data: DataFrame[bool] of the same shape, True where the member has at least one reading.
    """

    load: pd.DataFrame
    production: pd.DataFrame
    has_data: pd.DataFrame

    def __post_init__(self) -> None:
        for name in ("production", "has_data"):
            other = getattr(self, name)
            if (
                other.shape != self.load.shape
                or not other.columns.equals(self.load.columns)
                or not other.index.equals(self.load.index)
            ):
                raise ValueError(f"MemberFrames.{name} does not have the index/columns of load")

    @property
    def members(self) -> list[str]:
        return list(self.load.columns)

    @property
    def grid(self) -> pd.DatetimeIndex:
        return self.load.index

    @property
    def n_intervals(self) -> int:
        return self.load.shape[0]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(L, P, has_data) as numpy arrays of shape (n_members, n_intervals), without copying
        when the frames were built by :func:`member_frames`."""
        return (
            np.asarray(self.load.to_numpy(dtype=np.float64)).T,
            np.asarray(self.production.to_numpy(dtype=np.float64)).T,
            np.asarray(self.has_data.to_numpy(dtype=bool)).T,
        )


def _frames_from_arrays(
    load: np.ndarray, production: np.ndarray, has: np.ndarray, grid: pd.DatetimeIndex, members: Sequence[str]
) -> MemberFrames:
    """Wrap (n_members, n_intervals) arrays as MemberFrames (DataFrames are views, no copy)."""
    columns = pd.Index(list(members), name="member")

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values.T, index=grid, columns=columns, copy=False)

    return MemberFrames(frame(load), frame(production), frame(has))


def _check_members(members: Sequence[str]) -> list[str]:
    members = list(members)
    seen: set = set()
    for member in members:
        if member in seen:
            raise ValueError(f"duplicate member {member!r} in members")
        seen.add(member)
    return members


def _codes(column: pd.Series, categories: Sequence | None) -> tuple[np.ndarray, int]:
    """Integer codes (int64) of a column and the number of codes; -1 for a missing value or, when
    ``categories`` is given, a value not in it (codes are then positions in ``categories``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64, copy=False)
        if categories is None:
            return codes, len(column.cat.categories)
        # position of each category in ``categories`` (-1 when absent), then per row
        position = np.append(pd.Index(list(categories)).get_indexer(column.cat.categories), -1)
        return position.astype(np.int64)[codes], len(categories)  # code -1 -> position[-1] = -1
    if categories is not None:
        return pd.Index(list(categories)).get_indexer(column).astype(np.int64, copy=False), len(categories)
    values = column.to_numpy(dtype=object) if column.dtype.kind in "OUT" else column.to_numpy()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # object ndarray: ~2x faster than str
    return codes.astype(np.int64, copy=False), len(uniques)


def _interval_index(ts: pd.Series, start: pd.Timestamp, n: int) -> np.ndarray:
    """Interval number of every row relative to ``start`` (may be out of [0, n) or negative)."""
    array = ts.array
    per_ns = _NS_PER_UNIT[array.unit]
    values = array.asi8  # int64 in the column's unit, UTC; NaT = iNaT (very negative)
    start_u = start.value // per_ns  # exact: start is on the grid, and the grid is in whole seconds
    step_u = _INTERVAL_NS // per_ns
    nat = values == np.iinfo(np.int64).min
    idx = values - start_u  # new array; the in-place floor division avoids a second temporary
    idx //= step_u
    if nat.any():
        idx[nat] = -1
    return idx


def build_arrays(
    readings: pd.DataFrame, members: Sequence[str], start, end
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """(L, P, has_data) of shape (n_members, n_intervals) and the grid of ``[start, end)``."""
    grid = interval_grid(start, end)
    members = _check_members(members)
    missing = [c for c in READING_COLUMNS if c not in readings.columns]
    if missing:
        raise ValueError(f"readings lacks column(s) {missing}")
    n, m = len(grid), len(members)
    shape = (m, n)
    if len(readings) and not isinstance(readings["ts"].dtype, pd.DatetimeTZDtype):
        raise ValueError(f"readings.ts must be a timezone-aware datetime column, got {readings['ts'].dtype}")
    if n == 0 or m == 0 or len(readings) == 0:
        return np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=bool), grid

    energy_column = readings["energy"]
    if energy_column.dtype == np.float64:
        energy = energy_column.to_numpy()  # a read-only view of the input, no copy
    else:
        energy = pd.to_numeric(energy_column).to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(energy).any():
        raise ValueError("readings.energy contains infinite values")
    idx = _interval_index(readings["ts"], grid[0], n)
    member_code, _ = _codes(readings["member"], members)
    keep = (idx >= 0) & (idx < n) & (member_code >= 0) & ~np.isnan(energy)
    device_column = readings["device"]
    if not keep.all():
        idx, member_code, energy = idx[keep], member_code[keep], energy[keep]
        device_column = device_column[keep]
    del keep
    device_code, n_devices = _codes(device_column, None)
    del device_column
    if len(device_code) and device_code.min() < 0:
        raise ValueError("readings.device has missing values")
    n_devices = max(n_devices, 1)
    return (*accumulate(member_code, device_code, idx, energy, m, n, n_devices), grid)


def _cells_are_unique(device_code: np.ndarray, idx: np.ndarray) -> bool:
    """True when no (device, interval) pair repeats, seen in one pass when the rows come sorted by
    device then time (as the database sends them); False when unsure (then the sort below decides)."""
    if len(idx) < 2:
        return True
    same_device = device_code[1:] == device_code[:-1]
    if not (np.diff(device_code) >= 0).all():
        return False
    return bool((idx[1:][same_device] > idx[:-1][same_device]).all())


def accumulate(
    member_code: np.ndarray,
    device_code: np.ndarray,
    idx: np.ndarray,
    energy: np.ndarray,
    m: int,
    n: int,
    n_devices: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L, P, has_data) of shape (m, n) from rows already filtered to members and intervals in range.
    ``idx`` (int64) may be overwritten."""
    if m * n * n_devices >= 2**62:
        raise OverflowError("too many members x intervals x devices for int64 keys")
    if _cells_are_unique(device_code, idx):
        cell = idx
        cell += member_code.astype(np.int64) * n
        return _bincount_cells(cell, energy, m, n)
    # key = (cell, device) with cell = member * n + interval, the flat index into (m, n) arrays.
    # Built in place to keep few row-sized temporaries alive (memory: see module doc).
    key = idx
    member_code = member_code.astype(np.int64)  # a copy: the caller's codes stay as they are
    np.multiply(member_code, n, out=member_code)
    key += member_code
    del member_code
    key *= n_devices
    key += device_code
    key, energy = _sum_duplicate_keys(key, energy)
    cell = key
    cell //= n_devices  # in place (key is no longer needed)
    return _bincount_cells(cell, energy, m, n)


def _sum_duplicate_keys(key: np.ndarray, energy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Duplicate (member, device, interval) rows: sum them before clipping. Detected with one
    sort of the int64 keys (fast); only the duplicated keys are aggregated."""
    sorted_key = np.sort(key)
    dup = sorted_key[1:] == sorted_key[:-1]
    dup_keys = np.unique(sorted_key[1:][dup]) if dup.any() else None
    del sorted_key, dup
    if dup_keys is None:
        return key, energy
    pos = np.minimum(np.searchsorted(dup_keys, key), len(dup_keys) - 1)
    is_dup = dup_keys[pos] == key
    del pos
    sums = pd.Series(energy[is_dup]).groupby(key[is_dup]).sum()
    key = np.concatenate([key[~is_dup], sums.index.to_numpy(dtype=np.int64)])
    energy = np.concatenate([energy[~is_dup], sums.to_numpy(dtype=np.float64)])
    return key, energy


def _bincount_cells(cell: np.ndarray, energy: np.ndarray, m: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape, size = (m, n), m * n
    weights = np.maximum(energy, 0.0)  # max(E, 0)
    load = np.bincount(cell, weights=weights, minlength=size).reshape(shape)
    np.subtract(weights, energy, out=weights)  # max(E, 0) - E = max(-E, 0), exact
    production = np.bincount(cell, weights=weights, minlength=size).reshape(shape)
    del weights
    has = np.zeros(size, dtype=bool)
    has[cell] = True
    # -0.0 never appears in the sums: bincount starts from +0.0 and adds non-negative weights.
    return load, production, has.reshape(shape)


@dataclass(frozen=True)
class ReadingCodes:
    """Readings grouped by meter, the fast input of the models (no text, no timestamps, no per-reading member
    or meter column): meter k's readings are rows bounds[k]:bounds[k+1], in time order; device_member[k] is
    the meter's member as a position in the ``members`` list the model is given (-1: none of them);
    interval = the reading's 15-minute interval since ``origin`` (a grid instant); energy in Wh (float64).
    A cell's readings are summed in meter order (the database sends them so)."""

    origin: pd.Timestamp
    device_member: np.ndarray
    bounds: np.ndarray
    interval: np.ndarray
    energy: np.ndarray


_CHECK_CHUNK = 1 << 22  # rows per step of the order check: bounds its temporaries


def _ascending_within_meters(interval: np.ndarray, bounds: np.ndarray) -> bool:
    """True when every meter's intervals strictly increase: no (meter, interval) repeats."""
    last = len(interval) - 1
    for lo in range(0, max(last, 0), _CHECK_CHUNK):
        hi = min(lo + _CHECK_CHUNK, last)
        rising = interval[lo + 1 : hi + 1] > interval[lo:hi]
        new_meter = bounds[(bounds > lo) & (bounds <= hi)]  # a meter's first row may be below the last one's
        rising[new_meter - 1 - lo] = True
        if not rising.all():
            return False
    return True


def build_arrays_from_codes(
    codes: ReadingCodes, members: Sequence[str], start, end
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """build_arrays for readings given as ReadingCodes (the same rules: see the module doc). Besides the
    outputs, one int64 and one float64 row-sized array are alive at once."""
    grid = interval_grid(start, end)
    m, n = len(_check_members(members)), len(grid)
    if n == 0 or m == 0 or len(codes.energy) == 0:
        return np.zeros((m, n)), np.zeros((m, n)), np.zeros((m, n), dtype=bool), grid
    energy = np.asarray(codes.energy, dtype=np.float64)
    if np.isinf(energy).any():
        raise ValueError("readings.energy contains infinite values")
    shift = (grid[0] - _utc_timestamp(codes.origin, "origin")) // INTERVAL
    counts = np.diff(codes.bounds)
    member = np.asarray(codes.device_member, dtype=np.int64)
    if not _ascending_within_meters(codes.interval, codes.bounds):  # repeated intervals: the general way
        idx = codes.interval.astype(np.int64) - shift
        devices = np.repeat(np.arange(len(counts)), counts)
        keep = (idx >= 0) & (idx < n) & (np.repeat(member, counts) >= 0) & ~np.isnan(energy)
        return (
            *accumulate(
                np.repeat(member, counts)[keep], devices[keep], idx[keep], energy[keep], m, n, max(len(counts), 1)
            ),
            grid,
        )
    cell = np.repeat(member * n - shift, counts)
    cell += codes.interval  # member * n + interval within the grid
    keep = (codes.interval >= shift) & (codes.interval < shift + n) & ~np.isnan(energy)
    if (member < 0).any():
        keep &= np.repeat(member >= 0, counts)
    if not keep.all():
        cell, energy = cell[keep], energy[keep]
    del keep
    return (*_bincount_cells(cell, energy, m, n), grid)


def member_frames(readings: pd.DataFrame, members: list[str], start, end) -> MemberFrames:
    """L_i(t), P_i(t) (Wh) and has_data for ``members`` over the grid of ``[start, end)``.

    ``readings`` columns: member (wallet str), device (str), ts (tz-aware datetime, interval start),
    energy (float Wh, withdrawn/absorbed > 0, produced/injected < 0). See the module docstring for
    how missing, off-grid, duplicated and foreign rows are handled.
    """
    load, production, has, grid = build_arrays(readings, members, start, end)
    return _frames_from_arrays(load, production, has, grid, members)
