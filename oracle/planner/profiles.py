"""Hourly series of a hub: the timeline, and the values of a series spec on it.

A series spec is one of
  a number                                  the same value every hour
  {weekday: [24], weekend: [24], monthly: [12]}   a day shape by local hour (weekend = Saturday, Sunday),
                                            times an optional factor per month
  {csv: FILE}                               one value per hour of the year, one per line (`#` comments),
                                            FILE relative to the hub file
A demand with `profile` is normalised: its shape over the whole year sums to 1, times `annual_mwh`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oracle.planner.hubfile import Hub, HubError


@dataclass(frozen=True)
class Timeline:
    """The hours the model balances: their local start times and how many hours of a year each stands for."""

    times: pd.DatetimeIndex  # local, tz-aware, hourly
    weights: np.ndarray  # hours of the year each step stands for (1 for a full year)
    previous: np.ndarray | None = None  # the step before each (storage): cyclic over the horizon if None
    day_map: np.ndarray | None = None  # typical days: for each day of the year, its typical day's number

    def __len__(self) -> int:
        return len(self.times)

    def before(self) -> np.ndarray:
        if self.previous is not None:
            return self.previous
        return np.roll(np.arange(len(self.times)), 1)


def year_hours(year: int, tz: str) -> pd.DatetimeIndex:
    return pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", tz=tz, inclusive="left")


def full_year(hub: Hub) -> Timeline:
    times = year_hours(hub.year, hub.site.timezone)
    return Timeline(times, np.ones(len(times)))


def period(start, end, tz: str) -> Timeline:
    """The hours of [start, end), weighted so that their costs and emissions read per year."""
    times = pd.date_range(
        pd.Timestamp(start).tz_convert(tz), pd.Timestamp(end).tz_convert(tz), freq="h", inclusive="left"
    )
    return Timeline(times, np.full(len(times), 8760.0 / max(len(times), 1)))


def series(hub: Hub, spec, times: pd.DatetimeIndex, where: str) -> np.ndarray:
    """The values of a series spec at the given local hours."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return np.full(len(times), float(spec))
    if not isinstance(spec, dict):
        raise HubError(f"{hub.path}: {where}: must be a number, a day shape (weekday/weekend) or {{csv: FILE}}")
    if "csv" in spec:
        return _csv_series(hub, spec["csv"], times, where)
    return _day_shape(hub, spec, times, where)


def normalised(hub: Hub, spec, times: pd.DatetimeIndex, where: str) -> np.ndarray:
    """The share of the year's energy in each of the given hours (the shape over its year sums to 1)."""
    year = year_hours(times[0].year, hub.site.timezone)
    total = series(hub, spec, year, where).sum()
    if total <= 0:
        raise HubError(f"{hub.path}: {where}: the profile sums to {total:g} over the year, must be more than 0")
    return series(hub, spec, times, where) / total


def _hours(hub: Hub, spec: dict, key: str, n: int, where: str, required: bool = True) -> np.ndarray | None:
    if key not in spec:
        if required:
            raise HubError(f"{hub.path}: {where}.{key}: missing ({n} values)")
        return None
    values = spec[key]
    if not isinstance(values, list) or len(values) != n:
        got = len(values) if isinstance(values, list) else type(values).__name__
        raise HubError(f"{hub.path}: {where}.{key}: needs {n} values, got {got}")
    array = np.array([_value(hub, v, f"{where}.{key}") for v in values])
    return array


def _value(hub: Hub, v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0:
        raise HubError(f"{hub.path}: {where}: values must be numbers at least 0, got {v!r}")
    return float(v)


def _day_shape(hub: Hub, spec: dict, times: pd.DatetimeIndex, where: str) -> np.ndarray:
    weekday = _hours(hub, spec, "weekday", 24, where)
    weekend = _hours(hub, spec, "weekend", 24, where, required=False)
    monthly = _hours(hub, spec, "monthly", 12, where, required=False)
    weekend = weekday if weekend is None else weekend
    hour = times.hour.to_numpy()
    values = np.where(times.day_of_week.to_numpy() >= 5, weekend[hour], weekday[hour])
    if monthly is not None:
        values = values * monthly[times.month.to_numpy() - 1]
    return values


def _csv_series(hub: Hub, name, times: pd.DatetimeIndex, where: str) -> np.ndarray:
    path = hub.path.parent / str(name)
    try:
        lines = [ln.split("#")[0].strip() for ln in path.read_text().splitlines()]
    except FileNotFoundError:
        raise HubError(f"{hub.path}: {where}.csv: no such file {path}") from None
    try:
        values = np.array([float(ln) for ln in lines if ln])
    except ValueError as exc:
        raise HubError(f"{hub.path}: {where}.csv: {path.name}: not a number ({exc})") from None
    year = year_hours(times[0].year, hub.site.timezone)
    if len(values) != len(year):
        raise HubError(
            f"{hub.path}: {where}.csv: {path.name} has {len(values)} values, the year {times[0].year} "
            f"has {len(year)} hours"
        )
    if (values < 0).any() or np.isnan(values).any():
        raise HubError(f"{hub.path}: {where}.csv: {path.name}: values must be numbers at least 0")
    return values[year.get_indexer(times)]
