"""`oracle plan --community NAME --from ISO --to ISO --hub FILE`: what a community should build next.

The electricity demand is the community's measured load: its devices' 15-minute readings in
`counterreading` summed per hour (kWh in an hour = average kW), net of the members' own generation
(negative readings, the seed's sign convention), so a surplus is exported or stored. The hub file gives
the rest (heat demand, existing units, candidate PV, batteries, heat pumps, prices). Costs and emissions of
the period are scaled to a year (× 8760 / hours). Each candidate alone is compared with building nothing:
its cost per tonne of CO₂ avoided = (cost with it − cost without) / (CO₂ without − CO₂ with it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select, text

from oracle.errors import OracleError
from oracle.planner.front import SolveOptions, check_balances, record, solve
from oracle.planner.inputs import Inputs, build_inputs
from oracle.planner.model import build_model
from oracle.planner.profiles import period

HOURLY_SQL = text("""
SELECT date_trunc('hour', r.ts) AS hour,
       sum(CASE WHEN r.energy > 0 THEN r.energy ELSE 0 END) / 1000.0 AS load_kwh,
       sum(CASE WHEN r.energy < 0 THEN -r.energy ELSE 0 END) / 1000.0 AS generation_kwh
FROM counterreading r
JOIN devices d ON d.id = r.device_id
JOIN users_communities m ON m.id = d.membership_id
WHERE m.community_id = :community AND r.ts >= :start AND r.ts < :end
GROUP BY 1 ORDER BY 1
""")


@dataclass
class Option:
    name: str
    cost: float  # EUR/year
    co2_t: float
    capacities: dict

    def per_tonne(self, base: Option) -> float | None:
        avoided = base.co2_t - self.co2_t
        return (self.cost - base.cost) / avoided if avoided > 1e-6 else None


def measured_load(ctx, community_name: str, start, end) -> tuple[pd.DatetimeIndex, np.ndarray, str]:
    """(UTC hours, net kW per hour, the community's time zone); hours without readings count as 0."""
    from oracle.db.schema import Community

    with ctx.session() as s:
        community = s.scalar(select(Community).where(Community.name == community_name))
        if community is None:
            raise OracleError(f"no community named {community_name!r}")
        rows = s.execute(HOURLY_SQL, {"community": community.id, "start": start, "end": end}).all()
        tz = community.time_zone
    hours = pd.date_range(
        pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC"), freq="h", inclusive="left"
    )
    if len(hours) == 0:
        raise OracleError(f"--from {start} --to {end}: the period holds no whole hour")
    if not rows:
        raise OracleError(f"community {community_name!r} has no readings between {start} and {end}")
    frame = pd.DataFrame(rows, columns=["hour", "load", "generation"])
    frame.index = pd.to_datetime(frame["hour"], utc=True)
    net = (frame["load"] - frame["generation"]).astype(float).reindex(hours, fill_value=0.0)
    return hours, net.to_numpy(), tz


def community_inputs(ctx, name: str, start, end, hub_path) -> Inputs:
    from oracle.planner.hubfile import read_hub

    hours, net, tz = measured_load(ctx, name, start, end)
    hub = read_hub(hub_path, year=hours[0].tz_convert(tz).year)
    uses = [d.use for d in hub.demands if d.profile == "community"]
    if not uses:
        raise OracleError(f"{hub_path}: demands: no demand with `source: community` for the measured load")
    return build_inputs(hub, period(start, end, tz), measured={uses[0]: net})


def cheapest(inputs: Inputs, allowed: set, options: SolveOptions, name: str) -> Option:
    hm = build_model(inputs, allowed=allowed)
    solve(hm, hm.cost + hm.penalty, options, relaxation=True)
    check_balances(hm)
    p = record(hm, 0, name, None, solve(hm, hm.cost, options))
    return Option(name, p.cost, p.co2_t, p.capacities)


def compare_options(inputs: Inputs, options: SolveOptions) -> tuple[Option, list[Option]]:
    candidates = [t.name for t in inputs.hub.technologies if not t.existing]
    base = cheapest(inputs, set(), options, "build nothing")
    alone = [cheapest(inputs, {c}, options, c) for c in candidates]
    alone.append(cheapest(inputs, set(candidates), options, "cost-optimal mix"))
    return base, alone


def options_table(base: Option, alone: list[Option]) -> pd.DataFrame:
    rows = []
    for o in [base] + alone:
        built = {k: round(v, 1) for k, v in o.capacities.items() if v > 1e-3}
        per_t = o.per_tonne(base)
        rows.append(
            {
                "option": o.name,
                "cost_eur_per_year": round(o.cost, 2),
                "co2_t_per_year": round(o.co2_t, 3),
                "co2_avoided_t": round(base.co2_t - o.co2_t, 3),
                "eur_per_t_avoided": None if per_t is None else round(per_t, 1),
                "capacities": ", ".join(f"{k} {v:g}" for k, v in built.items()) or "-",
            }
        )
    return pd.DataFrame(rows)


def run_community_plan(ctx, name, start, end, hub_path, out, points, options: SolveOptions, choose=None):
    from oracle.planner.outputs import _markdown, write_outputs
    from oracle.planner.run import plan_front

    inputs = community_inputs(ctx, name, start, end, hub_path)
    base, alone = compare_options(inputs, options)
    table = options_table(base, alone)
    plan = plan_front(inputs, points, options, choose)
    best = alone[-1]
    advice = ", ".join(
        f"{k} {v:,.1f}"
        for k, v in best.capacities.items()
        if v > 1e-3 and k in {t.name for t in inputs.hub.technologies if not t.existing}
    )
    notes = [
        f"Community {name!r}, measured load {start} to {end} ({len(inputs.timeline)} hours, net of the "
        "members' own generation), costs and CO₂ scaled to a year.",
        f"Build next (cost-optimal): {advice or 'nothing: no candidate pays for itself'}.",
        "",
        "## Options, each alone against building nothing",
        "",
        _markdown(table),
    ]
    write_outputs(out, inputs, plan.front, plan.chosen, notes)
    table.to_csv(out / "options.csv", index=False)
    print(f"build next: {advice or 'nothing'}; options in {out}/options.csv and {out}/report.md", file=sys.stdout)
    for row in table.itertuples(index=False):
        per_t = (
            "-"
            if row.eur_per_t_avoided is None or row.eur_per_t_avoided != row.eur_per_t_avoided
            else f"{row.eur_per_t_avoided:,.0f} EUR/t"
        )
        print(f"  {row.option}: {row.cost_eur_per_year:,.0f} EUR/year, {row.co2_t_per_year:,.2f} t CO2/year, {per_t}")
    return plan, table
