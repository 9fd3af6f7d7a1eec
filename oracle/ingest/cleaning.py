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
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .core import (OPTIONAL_COLUMNS, RAW_COLUMNS, READING_COLUMNS, STEP_NS, Anomaly, ParsedFile,
                   fmt_duration, fmt_ts)


def _g(value) -> str:
    return f"{value:g}"


def _line(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _ts(ns: int) -> pd.Timestamp:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC")


def _rows_anomalies(kind, df: pd.DataFrame, mask, message, fields=()) -> list[Anomaly]:
    """One anomaly per masked row; ``message(*values of fields)`` gives the reason."""
    sub = df[mask]
    lines = sub["line"].to_numpy(dtype=object, na_value=None)
    stamps = pd.to_datetime(sub["t_ns"].to_numpy(dtype="int64"), unit="ns", utc=True)
    values = [sub[f].to_numpy() for f in fields]
    return [Anomaly(kind, message(*v), None if ln is None else int(ln), dev, t)
            for ln, dev, t, *v in zip(lines, sub["deviceid"].to_numpy(dtype=object), stamps, *values)]


def clean_readings(parsed: ParsedFile, known_devices, *, gap_limit=pd.Timedelta(hours=6),
                   max_abs_energy_wh: float = 250_000.0) -> tuple[pd.DataFrame, list[Anomaly]]:
    """(clean rows with READING_COLUMNS sorted by deviceid, ts; parsed.anomalies + cleaning anomalies)."""
    gap_limit = pd.Timedelta(gap_limit)
    if gap_limit <= pd.Timedelta(0):
        raise ValueError("gap_limit must be positive")
    known = {str(d) for d in known_devices}
    src = parsed.readings
    missing = [c for c in RAW_COLUMNS if c not in src.columns]
    if missing:
        raise ValueError(f"readings lack columns {missing}")

    df = pd.DataFrame({
        "deviceid": src["deviceid"].astype(object).to_numpy(),
        "t_ns": pd.to_datetime(src["ts"], utc=True).dt.as_unit("ns").astype("int64").to_numpy(),
        "energy": src["energy"].to_numpy(dtype=float),
        **{c: src[c].to_numpy(dtype=float) for c in OPTIONAL_COLUMNS},
        "line": pd.array(src["line"], dtype="Int64"),
    })
    anomalies: list[Anomaly] = []

    # 1. unknown devices
    unknown = ~df["deviceid"].isin(known).to_numpy()
    if unknown.any():
        anomalies += _rows_anomalies("unknown_device", df, unknown,
                                     lambda d: f"device {d!r} is not registered in the community; "
                                               "reading dropped", ("deviceid",))
        df = df[~unknown]

    # 2. non-finite numbers
    energy = df["energy"].to_numpy()
    bad_energy = ~np.isfinite(energy)
    if bad_energy.any():
        anomalies += _rows_anomalies("non_finite", df, bad_energy,
                                     lambda e: f"energy is {_g(e)}; reading dropped", ("energy",))
        df = df[~bad_energy]
    for col in OPTIONAL_COLUMNS:
        inf = np.isinf(df[col].to_numpy())
        if inf.any():
            anomalies += _rows_anomalies("non_finite", df, inf,
                                         lambda v, c=col: f"{c} is {_g(v)}; {c} left empty, reading kept",
                                         (col,))
            df.loc[inf, col] = np.nan

    # 3. impossible magnitudes
    checks = [
        ("energy", np.abs(df["energy"].to_numpy()) > max_abs_energy_wh,
         lambda e: f"|energy| = {_g(abs(e))} Wh exceeds {_g(max_abs_energy_wh)} Wh per 15 minutes; "
                   "reading dropped"),
        ("voltage", df["voltage"].to_numpy() < 0, lambda v: f"voltage {_g(v)} V is negative; reading dropped"),
        ("current", df["current"].to_numpy() < 0, lambda v: f"current {_g(v)} A is negative; reading dropped"),
        ("chargestatus", (df["chargestatus"].to_numpy() < 0) | (df["chargestatus"].to_numpy() > 100),
         lambda v: f"chargestatus {_g(v)} % is outside 0-100; reading dropped"),
    ]
    impossible = np.zeros(len(df), dtype=bool)
    for field, mask, message in checks:
        mask = mask & ~impossible  # one anomaly per dropped row
        if mask.any():
            anomalies += _rows_anomalies("impossible_magnitude", df, mask, message, (field,))
            impossible |= mask
    if impossible.any():
        df = df[~impossible]

    # 4. snap to the 15-minute grid
    ns = df["t_ns"].to_numpy()
    off_grid = (ns % STEP_NS) != 0
    df = df.assign(orig_ns=ns, is_snapped=off_grid,
                   t_ns=np.where(off_grid, ((ns + STEP_NS // 2) // STEP_NS) * STEP_NS, ns))

    # 5. duplicates: measured before snapped, then file order
    line_key = df["line"].to_numpy(dtype="float64", na_value=np.inf)
    df = df.assign(line_key=line_key).sort_values(["deviceid", "t_ns", "is_snapped", "line_key"],
                                                   kind="stable", ignore_index=True)
    dup = df.duplicated(["deviceid", "t_ns"], keep="first").to_numpy()
    if dup.any():
        involved = df.duplicated(["deviceid", "t_ns"], keep=False).to_numpy()
        firsts = df[involved & ~dup].set_index(["deviceid", "t_ns"])
        for row in df[dup].itertuples(index=False):
            kept = firsts.loc[(row.deviceid, row.t_ns)]
            kept_line = _line(kept["line"])
            where = f"line {kept_line}" if kept_line is not None else "an earlier reading"
            if row.is_snapped:
                reason = (f"off-grid timestamp {fmt_ts(_ts(row.orig_ns))} snapped to {fmt_ts(_ts(row.t_ns))} "
                          f"collides with {where}; reading dropped")
            else:
                same = (row.energy == kept["energy"])
                detail = "same energy" if same else f"energy {_g(row.energy)} Wh, kept {_g(kept['energy'])} Wh"
                reason = (f"duplicate reading of {row.deviceid} at {fmt_ts(_ts(row.t_ns))} ({detail}); "
                          f"first one ({where}) kept, this one dropped")
            anomalies.append(Anomaly("duplicate", reason, _line(row.line), row.deviceid, _ts(row.t_ns)))
        df = df[~dup].reset_index(drop=True)
    snapped = df["is_snapped"].to_numpy()
    if snapped.any():
        anomalies += _rows_anomalies("off_grid_snapped", df, snapped,
                                     lambda o, t: f"timestamp {fmt_ts(_ts(o))} is off the 15-minute grid; "
                                                  f"snapped to {fmt_ts(_ts(t))}", ("orig_ns", "t_ns"))

    # 6. gaps (df is sorted by deviceid, time)
    dev = df["deviceid"].to_numpy()
    ns = df["t_ns"].to_numpy()
    filled = []
    gap_anomalies = []
    if len(df) > 1:
        same_next = dev[:-1] == dev[1:]
        steps = (ns[1:] - ns[:-1]) // STEP_NS
        gap_at = np.flatnonzero(same_next & (steps > 1))
        if len(gap_at):
            k = steps[gap_at] - 1  # missing slots
            length_ns = k * STEP_NS
            short = length_ns < gap_limit.value
            e0 = df["energy"].to_numpy()[gap_at]
            e1 = df["energy"].to_numpy()[gap_at + 1]
            lines = df["line"].to_numpy(dtype=object, na_value=None)
            for g, kk, is_short in zip(gap_at, k, short):
                start, end = ns[g] + STEP_NS, ns[g + 1] - STEP_NS
                length = pd.Timedelta(int(kk) * STEP_NS, unit="ns")
                span = (f"{int(kk)} missing quarter-hour{'s' if kk > 1 else ''} ({fmt_duration(length)}) "
                        f"starting {fmt_ts(_ts(start))} through {fmt_ts(_ts(end))}")
                if is_short:
                    reason = (f"{span} filled by linear interpolation between line {lines[g]} and "
                              f"line {lines[g + 1]} (gap shorter than {fmt_duration(gap_limit)})")
                    kind = "gap_interpolated"
                else:
                    reason = f"{span} left missing (gap not shorter than {fmt_duration(gap_limit)})"
                    kind = "gap_left_missing"
                gap_anomalies.append(Anomaly(kind, reason, None, dev[g], _ts(start)))
            if short.any():
                ks = k[short]
                rep = np.repeat(np.arange(len(ks)), ks)
                j = np.arange(rep.size) - np.repeat(np.cumsum(ks) - ks, ks) + 1  # 1..k within each gap
                t0 = ns[gap_at[short]][rep]
                a, b = e0[short][rep], e1[short][rep]
                filled.append(pd.DataFrame({
                    "deviceid": dev[gap_at[short]][rep],
                    "t_ns": t0 + j * STEP_NS,
                    "energy": a + (b - a) * j / (ks[rep] + 1),
                }))

    out = pd.DataFrame({
        "deviceid": df["deviceid"].to_numpy(dtype=object),
        "t_ns": df["t_ns"].to_numpy(),
        "energy": df["energy"].to_numpy(),
        **{c: df[c].to_numpy() for c in OPTIONAL_COLUMNS},
        "quality": np.where(df["is_snapped"].to_numpy(), "snapped", "measured").astype(object),
        "line": pd.array(df["line"], dtype="Int64"),
    })
    if filled:
        extra = pd.concat(filled, ignore_index=True)
        for c in OPTIONAL_COLUMNS:
            extra[c] = np.nan
        extra["quality"] = "interpolated"
        extra["line"] = pd.array([pd.NA] * len(extra), dtype="Int64")
        out = pd.concat([out, extra], ignore_index=True).sort_values(["deviceid", "t_ns"], kind="stable",
                                                                     ignore_index=True)
    result = pd.DataFrame({
        "deviceid": pd.Series(out["deviceid"].to_numpy(dtype=object), dtype="str"),
        "ts": pd.Series(pd.to_datetime(out["t_ns"].to_numpy(dtype="int64"), unit="ns", utc=True)),
        "energy": out["energy"].astype(float),
        **{c: out[c].astype(float) for c in OPTIONAL_COLUMNS},
        "quality": pd.Series(out["quality"].to_numpy(dtype=object), dtype="str"),
        "line": pd.array(out["line"], dtype="Int64"),
    }, columns=READING_COLUMNS)

    anomalies.sort(key=lambda a: (a.line is None, a.line or 0))
    gap_anomalies.sort(key=lambda a: (a.deviceid or "", a.ts))
    return result, list(parsed.anomalies) + anomalies + gap_anomalies
