"""The hub's mixed-integer linear model (linopy, solved by HiGHS).

Per candidate technology: a binary `build` and a capacity between its bounds when built (fixed when it
exists already). Per hour: the rated output of each conversion unit (its input and other outputs follow by
the efficiencies), with a binary on/off and a minimum load where `min_load` > 0; PV output up to its
clear-sky yield; storage charge, discharge and state of charge (cyclic over the horizon); grid import and
export; gas bought. Balances per carrier and hour: electricity exactly (export takes any surplus), heat and
cooling at least the demand (a surplus is dumped). An `unmet` slack on each balance, priced far above any
energy, shows which carrier and hour cannot be served; it is fixed at 0 once the hub is known to balance.

Objectives, per year: cost = annualised investment + fixed O&M + Σ_t w_t (gas + import − export + variable
O&M) in EUR; CO₂ = Σ_t w_t (gas × factor + import × factor) in kg (exports earn no credit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import linopy
import numpy as np
import pandas as pd

from oracle.planner.hubfile import DEMAND_CARRIERS, Technology
from oracle.planner.inputs import Inputs, annuity_factor

UNMET_PENALTY = 1e4  # EUR per kWh not served: far above any price, so the slack is used only when nothing else can


@dataclass
class HubModel:
    inputs: Inputs
    m: linopy.Model
    cost: linopy.LinearExpression = None
    co2: linopy.LinearExpression = None
    penalty: linopy.LinearExpression = None
    capacity: dict = field(default_factory=dict)  # technology -> scalar variable
    flows: dict = field(default_factory=dict)  # (carrier, label) -> hourly expression, + supply / − use
    unmet: dict = field(default_factory=dict)  # carrier -> hourly variable


def build_model(inputs: Inputs, allowed: set | None = None) -> HubModel:
    """`allowed`: names of the candidates that may be built (None: all); existing units are always there."""
    m = linopy.Model()
    hm = HubModel(inputs, m)
    hours = pd.RangeIndex(len(inputs.timeline), name="t")
    invest = 0
    for tech in inputs.hub.technologies:
        may_build = tech.existing or allowed is None or tech.name in allowed
        cap = _capacity(m, tech, may_build)
        hm.capacity[tech.name] = cap
        rate = annuity_factor(inputs.hub.discount_rate, tech.lifetime)
        invest = invest + (rate * tech.invest_per_kw + tech.fixed_om) * cap
        if tech.kind == "conversion":
            _conversion(hm, tech, cap, hours)
        elif tech.kind == "pv":
            _pv(hm, tech, cap, hours)
        else:
            _storage(hm, tech, cap, hours)
    gas, imp = _markets(hm, hours)
    _balances(hm, hours)
    w, hub = inputs.timeline.weights, inputs.hub
    var_om = sum(
        (
            _weighted(w * t.variable_om, hm.flows[(t.rated, t.name)])
            for t in hub.technologies
            if t.variable_om and (t.rated, t.name) in hm.flows
        ),
        0,
    )
    hm.cost = (
        invest
        + _weighted(w * hub.gas_price, gas)
        + _weighted(w * inputs.import_price, imp)
        - _weighted(w * inputs.export_price, hm.flows[("electricity", "grid export")] * -1)
        + var_om
    )
    hm.co2 = _weighted(w * hub.gas_emission, gas) + _weighted(w * hub.grid_emission, imp)
    hm.penalty = sum(_weighted(w * UNMET_PENALTY, u) for u in hm.unmet.values())
    return hm


def _weighted(coefficients: np.ndarray, hourly) -> linopy.LinearExpression:
    return (hourly * _along(coefficients)).sum()


def _along(values: np.ndarray):
    import xarray as xr

    return xr.DataArray(np.asarray(values, dtype=float), dims="t")


def _capacity(m: linopy.Model, tech: Technology, may_build: bool):
    if tech.existing:
        return m.add_variables(lower=tech.cap_max, upper=tech.cap_max, name=f"cap[{tech.name}]")
    cap = m.add_variables(lower=0, upper=tech.cap_max if may_build else 0, name=f"cap[{tech.name}]")
    build = m.add_variables(binary=True, name=f"build[{tech.name}]")
    m.add_constraints(cap <= tech.cap_max * build, name=f"cap_max[{tech.name}]")
    m.add_constraints(cap >= tech.cap_min * build, name=f"cap_min[{tech.name}]")
    return cap


def _conversion(hm: HubModel, tech: Technology, cap, hours) -> None:
    m, rated = hm.m, tech.rated
    out = m.add_variables(lower=0, upper=tech.cap_max, coords=[hours], name=f"out[{tech.name}]")
    m.add_constraints(out <= cap, name=f"out_cap[{tech.name}]")
    if tech.min_load > 0:
        _min_load(m, tech, cap, out, hours)
    eff = tech.outputs[rated]
    for carrier, e in tech.outputs.items():
        hm.flows[(carrier, tech.name)] = out * (e / eff)
    hm.flows[(tech.input, f"{tech.name} input")] = out * (-1.0 / eff)


def _min_load(m, tech: Technology, cap, out, hours) -> None:
    """out = 0 when off, min_load × cap ≤ out ≤ cap when on. `running` is the capacity switched on
    (on × cap, exact by McCormick's bounds because `on` is binary): out between min_load and all of it."""
    on = m.add_variables(binary=True, coords=[hours], name=f"on[{tech.name}]")
    running = m.add_variables(lower=0, upper=tech.cap_max, coords=[hours], name=f"running[{tech.name}]")
    m.add_constraints(running - tech.cap_max * on <= 0, name=f"running_off[{tech.name}]")
    m.add_constraints(running - cap <= 0, name=f"running_cap[{tech.name}]")
    m.add_constraints(running - cap - tech.cap_max * on >= -tech.cap_max, name=f"running_on[{tech.name}]")
    m.add_constraints(out - running <= 0, name=f"out_running[{tech.name}]")
    m.add_constraints(out - tech.min_load * running >= 0, name=f"min_load[{tech.name}]")


def _pv(hm: HubModel, tech: Technology, cap, hours) -> None:
    out = hm.m.add_variables(lower=0, coords=[hours], name=f"out[{tech.name}]")
    hm.m.add_constraints(out - _along(hm.inputs.pv_yield[tech.name]) * cap <= 0, name=f"sun[{tech.name}]")
    hm.flows[("electricity", tech.name)] = 1 * out


def _storage(hm: HubModel, tech: Technology, cap, hours) -> None:
    m, s = hm.m, tech.storage
    charge = m.add_variables(lower=0, coords=[hours], name=f"charge[{tech.name}]")
    discharge = m.add_variables(lower=0, coords=[hours], name=f"discharge[{tech.name}]")
    soc = m.add_variables(lower=0, coords=[hours], name=f"soc[{tech.name}]")
    m.add_constraints(charge - s["c_rate"] * cap <= 0, name=f"charge_max[{tech.name}]")
    m.add_constraints(discharge - s["c_rate"] * cap <= 0, name=f"discharge_max[{tech.name}]")
    m.add_constraints(soc - cap <= 0, name=f"soc_max[{tech.name}]")
    # cyclic: the hour before the first is the last (of the horizon, or of its typical day), so the store
    # ends as full as it began
    before = soc.isel(t=hm.inputs.timeline.before()).assign_coords(t=hours)
    m.add_constraints(
        soc - (1 - s["loss"]) * before - s["charge_eff"] * charge + (1 / s["discharge_eff"]) * discharge == 0,
        name=f"soc[{tech.name}]",
    )
    hm.flows[(s["carrier"], tech.name)] = discharge - charge


def _markets(hm: HubModel, hours):
    m, hub = hm.m, hm.inputs.hub
    inf = np.inf
    imp = m.add_variables(
        lower=0,
        upper=hub.grid_import_limit if hub.grid_import_limit is not None else inf,
        coords=[hours],
        name="grid_import",
    )
    exp = m.add_variables(
        lower=0,
        upper=hub.grid_export_limit if hub.grid_export_limit is not None else inf,
        coords=[hours],
        name="grid_export",
    )
    hm.flows[("electricity", "grid import")] = 1 * imp
    hm.flows[("electricity", "grid export")] = -1 * exp
    gas_uses = [expr for (carrier, _), expr in hm.flows.items() if carrier == "gas"]
    gas = sum(gas_uses) * -1 if gas_uses else 0 * imp
    return gas, imp


def _balances(hm: HubModel, hours) -> None:
    for carrier in DEMAND_CARRIERS:
        unmet = hm.m.add_variables(lower=0, coords=[hours], name=f"unmet[{carrier}]")
        hm.unmet[carrier] = unmet
        net = sum((e for (c, _), e in hm.flows.items() if c == carrier), 0 * unmet) + unmet
        demand = _along(hm.inputs.demand[carrier])
        if carrier == "electricity":
            hm.m.add_constraints(net == demand, name=f"balance[{carrier}]")
        else:
            hm.m.add_constraints(net >= demand, name=f"balance[{carrier}]")
