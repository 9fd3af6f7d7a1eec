"""`oracle plan --hub FILE`: hub file → inputs (full year or typical days) → model → front → outputs."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from oracle.errors import OracleError
from oracle.planner.front import Point, SolveOptions, knee, pareto_front
from oracle.planner.hubfile import read_hub
from oracle.planner.inputs import Inputs, build_inputs
from oracle.planner.model import build_model
from oracle.planner.profiles import full_year


@dataclass
class Plan:
    inputs: Inputs
    front: list[Point]
    chosen: int
    seconds: float


def resolution_note(inputs: Inputs, days: int) -> str:
    if not days:
        return "Resolution: the full year, hour by hour."
    n = len(inputs.timeline) // 24
    return (
        f"Resolution: {n} typical days (k-medoids, k = {days}, plus the days of each carrier's peak hour), "
        "weighted by the days they stand for; see oracle/planner/typical.py."
    )


def plan_front(
    inputs: Inputs, points: int, options: SolveOptions, choose: int | None = None, progress: bool = True
) -> Plan:
    started = time.perf_counter()
    front = pareto_front(build_model(inputs), points, options, progress=progress)
    if choose is not None and not 0 <= choose < len(front):
        raise OracleError(f"--choose {choose}: the front has points 0 to {len(front) - 1}")
    chosen = knee(front, options.mip_gap) if choose is None else choose
    return Plan(inputs, front, chosen, time.perf_counter() - started)


def hub_inputs(hub_path: Path, year: int | None, days: int) -> Inputs:
    from oracle.planner.typical import typical_days

    hub = read_hub(hub_path, year)
    inputs = build_inputs(hub, full_year(hub))
    if days >= len(inputs.timeline) // 24:
        raise OracleError(
            f"--days {days}: the year has {len(inputs.timeline) // 24} days; give fewer "
            "typical days, or 0 for the full year"
        )
    return typical_days(inputs, days) if days else inputs


def _gap_note(front: list[Point], tolerance: float) -> str:
    loose = [p.index for p in front if p.gap is not None and p.gap > tolerance]
    if not loose:
        return f"Every point was solved within the {tolerance:.1%} gap tolerance."
    return (
        f"Points {', '.join(map(str, loose))} stopped at the time limit above the {tolerance:.1%} gap "
        "tolerance: their cost may be above the true front (allow more --time-limit)."
    )


def run_plan(
    hub_path: Path,
    out: Path,
    points: int,
    year: int | None,
    days: int,
    options: SolveOptions,
    choose: int | None = None,
) -> Plan:
    from oracle.planner.outputs import write_outputs

    inputs = hub_inputs(hub_path, year, days)
    plan = plan_front(inputs, points, options, choose)
    notes = [
        resolution_note(inputs, days),
        f"Solver: HiGHS through linopy, MIP gap tolerance {options.mip_gap:.1%}, at most "
        f"{options.time_limit:g} s per solve; the whole front took {plan.seconds:.1f} s.",
        "Chosen point: the knee of the front (farthest below the line between the ends, both objectives "
        "scaled 0..1) among the points within the gap tolerance, unless --choose says otherwise.",
        _gap_note(plan.front, options.mip_gap),
    ]
    write_outputs(out, inputs, plan.front, plan.chosen, notes)
    print(
        f"{len(plan.front)} points in {plan.seconds:.1f} s; chosen point {plan.chosen}: "
        f"{plan.front[plan.chosen].cost:,.0f} EUR/year, {plan.front[plan.chosen].co2_t:,.1f} t CO2/year; "
        f"wrote {out}/pareto.csv, pareto.png, dispatch-{plan.chosen}.png, report.md",
        file=sys.stdout,
    )
    return plan
