"""The numbers the model needs, hour by hour, from a hub file and a timeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oracle.planner.hubfile import DEMAND_CARRIERS, Hub, HubError
from oracle.planner.profiles import Timeline, normalised, series
from oracle.planner.pv import yield_per_kwp


@dataclass
class Inputs:
    hub: Hub
    timeline: Timeline
    demand: dict  # carrier -> kW per hour (array), every demand carrier present (zeros if none)
    by_use: dict  # (use, carrier) -> kW per hour
    import_price: np.ndarray  # EUR/kWh
    export_price: np.ndarray
    pv_yield: dict  # technology name -> kWh per kWp per hour


def build_inputs(hub: Hub, timeline: Timeline, measured: dict | None = None) -> Inputs:
    """`measured` maps a demand's use to its hourly kW (the community's load from the database)."""
    times = timeline.times
    by_use = {}
    for d in hub.demands:
        by_use[(d.use, d.carrier)] = _demand_series(hub, d, times, measured or {})
    demand = {c: np.zeros(len(times)) for c in DEMAND_CARRIERS}
    for (use, carrier), values in by_use.items():
        demand[carrier] = demand[carrier] + values
    pv_yield = {t.name: yield_per_kwp(hub.site, times, **t.pv) for t in hub.technologies if t.kind == "pv"}
    return Inputs(
        hub,
        timeline,
        demand,
        by_use,
        import_price=series(hub, hub.grid_import_price, times, "grid.import_price"),
        export_price=series(hub, hub.grid_export_price, times, "grid.export_price"),
        pv_yield=pv_yield,
    )


def _demand_series(hub: Hub, d, times, measured: dict) -> np.ndarray:
    if isinstance(d.profile, str) and d.profile == "community":
        if d.use not in measured:
            raise HubError(f"{hub.path}: {d.field}: `source: community` needs `oracle plan --community NAME`")
        return measured[d.use]
    if d.annual_kwh is None:
        return series(hub, d.profile, times, d.field)
    return d.annual_kwh * normalised(hub, d.profile, times, d.field)


def annuity_factor(rate: float, years: float) -> float:
    """Share of an investment paid each year over `years` at interest `rate` (capital recovery factor)."""
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)
