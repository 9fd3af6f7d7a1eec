"""Cleaning of parsed readings (pre-processing of 001 §5.2.3.2), vectorised with pandas.

Rules, in this order, each recorded as an :class:`Anomaly` (reason, source line, device, time):

1. ``unknown_device``: the deviceid is not one of the community's devices -> row dropped.
2. ``non_finite``: energy NaN or ±inf -> row dropped; an optional field that is ±inf is nulled and
   the row kept (the csv parser already nulls unparsable/NaN optional fields).
3. ``impossible_magnitude``: |energy| > ``max_abs_energy_wh`` (per 15 minutes), negative voltage or
   current, chargestatus outside 0-100 % -> row dropped.
4. ``off_grid_snapped``: a timestamp off the 15-minute grid (UTC epoch grid, i.e. :00 :15 :30 :45
   in every zone with a whole-quarter-hour offset) is moved to the nearest grid point (exactly
   half-way goes to the later point); quality ``snapped``.
5. ``duplicate``: several rows of one device at one (snapped) time: a measured row wins over a
   snapped one, otherwise the first in file order; the others are dropped. A snapped row that
   collides with another row is reported as a duplicate only (no ``off_grid_snapped``).
6. gaps: per device, the missing 15-minute slots between its first and last reading. A gap whose
   length (number of missing slots × 15 min) is strictly less than ``gap_limit`` is filled by
   linear interpolation of energy between the two neighbouring readings (slot j of k missing gets
   e0 + (e1 - e0) * j / (k + 1)); the other fields of filled rows are empty, quality
   ``interpolated``, line empty; one ``gap_interpolated`` anomaly per gap (ts = first missing slot).
   Longer gaps are left missing (``gap_left_missing``). The seed suggests splines for gaps under
   6 h; for per-interval energy linear interpolation is used: it never overshoots (no invented
   peaks or negative consumption between two positive readings) and needs only the two neighbours.

A big file is cleaned chunk by chunk (:class:`ReadingCleaner`) with the same result as whole: rules 1-4 look
at one row; for rules 5 and 6 the cleaner carries each device's last kept reading to the next chunk, which
is enough when every chunk brings each device's readings after the ones before (files written by time or by
device); a file that goes back in time across chunks raises WholeFileNeeded and is cleaned whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .core import (
    OPTIONAL_COLUMNS,
    RAW_COLUMNS,
    READING_COLUMNS,
    STEP_NS,
    Anomaly,
    ParsedFile,
    WholeFileNeeded,
    fmt_duration,
    fmt_ts,
)


def _num(value) -> str:
    return f"{value:g}"


def _line_or_none(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _utc(ns: int) -> pd.Timestamp:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC")


def _rows_anomalies(kind, df: pd.DataFrame, mask, message, fields=()) -> list[Anomaly]:
    """One anomaly per masked row; ``message(*values of fields)`` gives the reason."""
    sub = df[mask]
    lines = sub["line"].to_numpy(dtype=object, na_value=None)
    stamps = pd.to_datetime(sub["t_ns"].to_numpy(dtype="int64"), unit="ns", utc=True)
    values = [sub[f].to_numpy() for f in fields]
    return [
        Anomaly(kind, message(*v), None if ln is None else int(ln), dev, t)
        for ln, dev, t, *v in zip(lines, sub["deviceid"].to_numpy(dtype=object), stamps, *values)
    ]


@dataclass
class Cleaned:
    """One chunk's clean rows (READING_COLUMNS, sorted by deviceid, ts), its row anomalies (rules 1-5, by
    line) and its gap anomalies (rule 6, by device and time)."""

    readings: pd.DataFrame
    anomalies: list[Anomaly] = field(default_factory=list)
    gaps: list[Anomaly] = field(default_factory=list)


def clean_readings(
    parsed: ParsedFile, known_devices, *, gap_limit=pd.Timedelta(hours=6), max_abs_energy_wh: float = 250_000.0
) -> tuple[pd.DataFrame, list[Anomaly]]:
    """(clean rows with READING_COLUMNS sorted by deviceid, ts; parsed.anomalies + cleaning anomalies)."""
    cleaned = ReadingCleaner(known_devices, gap_limit=gap_limit, max_abs_energy_wh=max_abs_energy_wh).clean(
        parsed.readings
    )
    return cleaned.readings, list(parsed.anomalies) + cleaned.anomalies + cleaned.gaps


class ReadingCleaner:
    """Applies the rules to a file's readings, whole or chunk by chunk (see the module's docstring)."""

    def __init__(self, known_devices, *, gap_limit=pd.Timedelta(hours=6), max_abs_energy_wh: float = 250_000.0):
        self.gap_limit = pd.Timedelta(gap_limit)
        if self.gap_limit <= pd.Timedelta(0):
            raise ValueError("gap_limit must be positive")
        self.known = {str(d) for d in known_devices}
        self.max_abs_energy_wh = max_abs_energy_wh
        self._last = None  # per device (index) its last kept reading: t_ns, energy, line

    def clean(self, readings: pd.DataFrame) -> Cleaned:
        missing = [c for c in RAW_COLUMNS if c not in readings.columns]
        if missing:
            raise ValueError(f"readings lack columns {missing}")
        anomalies: list[Anomaly] = []
        df = _working_frame(readings)
        df = _drop_unknown(df, self.known, anomalies)
        df = _drop_non_finite(df, anomalies)
        df = _drop_impossible(df, self.max_abs_energy_wh, anomalies)
        df = _snap(df)
        self._check_after_carried(df)
        df = _drop_duplicates(df, anomalies)
        _report_snapped(df, anomalies)
        filled, gaps = self._fill_gaps(df)
        self._remember(df)
        anomalies.sort(key=lambda a: (a.line is None, a.line or 0))
        gaps.sort(key=lambda a: (a.deviceid or "", a.ts))
        return Cleaned(_result_frame(df, filled), anomalies, gaps)

    def _check_after_carried(self, df: pd.DataFrame) -> None:
        if self._last is None or df.empty:
            return
        first = df.groupby("deviceid", sort=False)["t_ns"].min()
        last = self._last["t_ns"].reindex(first.index)
        if (first.to_numpy() <= last.to_numpy()).any():  # NaN (a new device) compares False
            raise WholeFileNeeded("a device's readings go back in time across chunks")

    def _fill_gaps(self, df: pd.DataFrame) -> tuple[list[pd.DataFrame], list[Anomaly]]:
        """Rule 6 over this chunk, starting each device from its last kept reading of earlier chunks."""
        if self._last is None or df.empty:
            return _gaps(df, self.gap_limit)
        carried = self._last[self._last.index.isin(df["deviceid"].unique())]
        if carried.empty:
            return _gaps(df, self.gap_limit)
        before = pd.DataFrame(
            {
                "deviceid": carried.index.to_numpy(dtype=object),
                "t_ns": carried["t_ns"].to_numpy(),
                "energy": carried["energy"].to_numpy(),
                "line": pd.array(carried["line"].to_numpy(dtype=object), dtype="Int64"),
            }
        )
        joined = pd.concat([before, df[["deviceid", "t_ns", "energy", "line"]]], ignore_index=True)
        return _gaps(joined.sort_values(["deviceid", "t_ns"], kind="stable", ignore_index=True), self.gap_limit)

    def _remember(self, df: pd.DataFrame) -> None:
        if df.empty:
            return
        dev = df["deviceid"].to_numpy(dtype=object)
        last = np.append(dev[1:] != dev[:-1], True)
        latest = pd.DataFrame(
            {
                "t_ns": df["t_ns"].to_numpy()[last],
                "energy": df["energy"].to_numpy()[last],
                "line": df["line"].to_numpy(dtype=object, na_value=None)[last],
            },
            index=pd.Index(dev[last], dtype=object),
        )
        if self._last is not None:
            latest = pd.concat([self._last[~self._last.index.isin(latest.index)], latest])
        self._last = latest


def _working_frame(src: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deviceid": src["deviceid"].astype(object).to_numpy(),
            "t_ns": pd.to_datetime(src["ts"], utc=True).dt.as_unit("ns").astype("int64").to_numpy(),
            "energy": src["energy"].to_numpy(dtype=float),
            **{c: src[c].to_numpy(dtype=float) for c in OPTIONAL_COLUMNS},
            "line": pd.array(src["line"], dtype="Int64"),
        }
    )


def _drop_unknown(df: pd.DataFrame, known: set, anomalies: list) -> pd.DataFrame:
    """Rule 1."""
    unknown = ~df["deviceid"].isin(known).to_numpy()
    if not unknown.any():
        return df
    anomalies += _rows_anomalies(
        "unknown_device",
        df,
        unknown,
        lambda d: f"device {d!r} is not registered in the community; reading dropped",
        ("deviceid",),
    )
    return df[~unknown]


def _drop_non_finite(df: pd.DataFrame, anomalies: list) -> pd.DataFrame:
    """Rule 2: a non-finite energy drops the row, a non-finite optional field is emptied."""
    bad_energy = ~np.isfinite(df["energy"].to_numpy())
    if bad_energy.any():
        anomalies += _rows_anomalies(
            "non_finite", df, bad_energy, lambda e: f"energy is {_num(e)}; reading dropped", ("energy",)
        )
        df = df[~bad_energy]
    for col in OPTIONAL_COLUMNS:
        inf = np.isinf(df[col].to_numpy())
        if inf.any():
            anomalies += _rows_anomalies(
                "non_finite", df, inf, lambda v, c=col: f"{c} is {_num(v)}; {c} left empty, reading kept", (col,)
            )
            df.loc[inf, col] = np.nan
    return df


def _drop_impossible(df: pd.DataFrame, max_abs_energy_wh: float, anomalies: list) -> pd.DataFrame:
    """Rule 3: one anomaly per dropped row, for the first check it fails."""
    charge = df["chargestatus"].to_numpy()
    checks = [
        (
            "energy",
            np.abs(df["energy"].to_numpy()) > max_abs_energy_wh,
            lambda e: (
                f"|energy| = {_num(abs(e))} Wh exceeds {_num(max_abs_energy_wh)} Wh per 15 minutes; reading dropped"
            ),
        ),
        ("voltage", df["voltage"].to_numpy() < 0, lambda v: f"voltage {_num(v)} V is negative; reading dropped"),
        ("current", df["current"].to_numpy() < 0, lambda v: f"current {_num(v)} A is negative; reading dropped"),
        (
            "chargestatus",
            (charge < 0) | (charge > 100),
            lambda v: f"chargestatus {_num(v)} % is outside 0-100; reading dropped",
        ),
    ]
    impossible = np.zeros(len(df), dtype=bool)
    for name, mask, message in checks:
        mask = mask & ~impossible
        if mask.any():
            anomalies += _rows_anomalies("impossible_magnitude", df, mask, message, (name,))
            impossible |= mask
    return df[~impossible] if impossible.any() else df


def _snap(df: pd.DataFrame) -> pd.DataFrame:
    """Rule 4 (the anomalies come after rule 5: a snapped row that collides is a duplicate only)."""
    ns = df["t_ns"].to_numpy()
    off_grid = (ns % STEP_NS) != 0
    return df.assign(
        orig_ns=ns, is_snapped=off_grid, t_ns=np.where(off_grid, ((ns + STEP_NS // 2) // STEP_NS) * STEP_NS, ns)
    )


def _drop_duplicates(df: pd.DataFrame, anomalies: list) -> pd.DataFrame:
    """Rule 5: measured before snapped, then file order; the result is sorted by deviceid, time."""
    line_key = df["line"].to_numpy(dtype="float64", na_value=np.inf)
    df = df.assign(line_key=line_key).sort_values(
        ["deviceid", "t_ns", "is_snapped", "line_key"], kind="stable", ignore_index=True
    )
    dup = df.duplicated(["deviceid", "t_ns"], keep="first").to_numpy()
    if not dup.any():
        return df
    involved = df.duplicated(["deviceid", "t_ns"], keep=False).to_numpy()
    firsts = df[involved & ~dup].set_index(["deviceid", "t_ns"])
    for row in df[dup].itertuples(index=False):
        kept = firsts.loc[(row.deviceid, row.t_ns)]
        anomalies.append(
            Anomaly("duplicate", _duplicate_reason(row, kept), _line_or_none(row.line), row.deviceid, _utc(row.t_ns))
        )
    return df[~dup].reset_index(drop=True)


def _duplicate_reason(row, kept) -> str:
    kept_line = _line_or_none(kept["line"])
    where = f"line {kept_line}" if kept_line is not None else "an earlier reading"
    if row.is_snapped:
        return (
            f"off-grid timestamp {fmt_ts(_utc(row.orig_ns))} snapped to {fmt_ts(_utc(row.t_ns))} "
            f"collides with {where}; reading dropped"
        )
    same = row.energy == kept["energy"]
    detail = "same energy" if same else f"energy {_num(row.energy)} Wh, kept {_num(kept['energy'])} Wh"
    return (
        f"duplicate reading of {row.deviceid} at {fmt_ts(_utc(row.t_ns))} ({detail}); "
        f"first one ({where}) kept, this one dropped"
    )


def _report_snapped(df: pd.DataFrame, anomalies: list) -> None:
    snapped = df["is_snapped"].to_numpy()
    if snapped.any():
        anomalies += _rows_anomalies(
            "off_grid_snapped",
            df,
            snapped,
            lambda o, t: f"timestamp {fmt_ts(_utc(o))} is off the 15-minute grid; snapped to {fmt_ts(_utc(t))}",
            ("orig_ns", "t_ns"),
        )


def _gaps(df: pd.DataFrame, gap_limit: pd.Timedelta) -> tuple[list[pd.DataFrame], list[Anomaly]]:
    """Rule 6 over rows sorted by deviceid, time: (interpolated rows, gap anomalies)."""
    if len(df) <= 1:
        return [], []
    dev, ns = df["deviceid"].to_numpy(), df["t_ns"].to_numpy()
    steps = (ns[1:] - ns[:-1]) // STEP_NS
    gap_at = np.flatnonzero((dev[:-1] == dev[1:]) & (steps > 1))
    if not len(gap_at):
        return [], []
    k = steps[gap_at] - 1  # missing slots
    short = k * STEP_NS < gap_limit.value
    lines = df["line"].to_numpy(dtype=object, na_value=None)
    anomalies = [
        _gap_anomaly(dev[g], ns[g], ns[g + 1], int(kk), is_short, lines[g], lines[g + 1], gap_limit)
        for g, kk, is_short in zip(gap_at, k, short)
    ]
    if not short.any():
        return [], anomalies
    energy = df["energy"].to_numpy()
    return [_interpolated(dev, ns, energy, gap_at[short], k[short])], anomalies


def _gap_anomaly(
    dev, before_ns, after_ns, missing: int, is_short, line_before, line_after, gap_limit: pd.Timedelta
) -> Anomaly:
    start, end = before_ns + STEP_NS, after_ns - STEP_NS
    length = pd.Timedelta(missing * STEP_NS, unit="ns")
    span = (
        f"{missing} missing quarter-hour{'s' if missing > 1 else ''} ({fmt_duration(length)}) "
        f"starting {fmt_ts(_utc(start))} through {fmt_ts(_utc(end))}"
    )
    if is_short:
        return Anomaly(
            "gap_interpolated",
            f"{span} filled by linear interpolation between line {line_before} and "
            f"line {line_after} (gap shorter than {fmt_duration(gap_limit)})",
            None,
            dev,
            _utc(start),
        )
    return Anomaly(
        "gap_left_missing",
        f"{span} left missing (gap not shorter than {fmt_duration(gap_limit)})",
        None,
        dev,
        _utc(start),
    )


def _interpolated(dev, ns, energy, gap_at, ks) -> pd.DataFrame:
    """Slot j of k missing after row g gets e0 + (e1 - e0) * j / (k + 1)."""
    rep = np.repeat(np.arange(len(ks)), ks)
    j = np.arange(rep.size) - np.repeat(np.cumsum(ks) - ks, ks) + 1  # 1..k within each gap
    a, b = energy[gap_at][rep], energy[gap_at + 1][rep]
    return pd.DataFrame(
        {"deviceid": dev[gap_at][rep], "t_ns": ns[gap_at][rep] + j * STEP_NS, "energy": a + (b - a) * j / (ks[rep] + 1)}
    )


def _result_frame(df: pd.DataFrame, filled: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "deviceid": df["deviceid"].to_numpy(dtype=object),
            "t_ns": df["t_ns"].to_numpy(),
            "energy": df["energy"].to_numpy(),
            **{c: df[c].to_numpy() for c in OPTIONAL_COLUMNS},
            "quality": np.where(df["is_snapped"].to_numpy(), "snapped", "measured").astype(object),
            "line": pd.array(df["line"], dtype="Int64"),
        }
    )
    if filled:
        extra = pd.concat(filled, ignore_index=True)
        for c in OPTIONAL_COLUMNS:
            extra[c] = np.nan
        extra["quality"] = "interpolated"
        extra["line"] = pd.array([pd.NA] * len(extra), dtype="Int64")
        out = pd.concat([out, extra], ignore_index=True).sort_values(
            ["deviceid", "t_ns"], kind="stable", ignore_index=True
        )
    return pd.DataFrame(
        {
            "deviceid": pd.Series(out["deviceid"].to_numpy(dtype=object), dtype="str"),
            "ts": pd.Series(pd.to_datetime(out["t_ns"].to_numpy(dtype="int64"), unit="ns", utc=True)),
            "energy": out["energy"].astype(float),
            **{c: out[c].astype(float) for c in OPTIONAL_COLUMNS},
            "quality": pd.Series(out["quality"].to_numpy(dtype=object), dtype="str"),
            "line": pd.array(out["line"], dtype="Int64"),
        },
        columns=READING_COLUMNS,
    )
