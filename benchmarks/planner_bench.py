"""Energy-hub planner benchmark: the sample port hub's Pareto front on typical days against the full year.

    python benchmarks/planner_bench.py [--days 8 12] [--points 11] [--full-points 2] [--time-limit 10]
                                       [--full-time-limit 120] [--full-milp] [--hub FILE]

The reference: the full year hour by hour (8,760 steps) with the minimum loads dropped (so only the build
decisions are binary), `--full-points` points (2: its ends), each solve at most `--full-time-limit` s. The
full year with its hourly on/off binaries (`--full-milp`) found no plan within 300 s per solve here.
Then for each number of typical days: the whole front (`--points`, both ends included) with the MILP as
`oracle plan` solves it, and its ends without minimum loads (like for like with the reference). Prints a
markdown table row by row: seconds, the largest MIP gap of the points, the cost and CO₂ of the two ends,
and their deviation from the reference's.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

from oracle.planner.front import SolveOptions, SolverTrouble
from oracle.planner.run import hub_inputs, plan_front

SAMPLE = Path(__file__).resolve().parent.parent / "oracle/planner/samples/port.yaml"


def without_min_load(inputs):
    """The same inputs with every minimum load dropped: no hourly binaries, only the build decisions."""
    hub = dataclasses.replace(
        inputs.hub, technologies=[dataclasses.replace(t, min_load=0.0) for t in inputs.hub.technologies]
    )
    return dataclasses.replace(inputs, hub=hub)


def run(hub: Path, days: int, points: int, time_limit: float, relax_min_load: bool = False) -> dict | None:
    started = time.perf_counter()
    inputs = hub_inputs(hub, None, days)
    if relax_min_load:
        inputs = without_min_load(inputs)
    try:
        plan = plan_front(inputs, points, SolveOptions(time_limit=time_limit), progress=True)
    except SolverTrouble as exc:
        print(f"{days or 'full year'}: {exc}", file=sys.stderr)
        return None
    front = plan.front
    mode = f"{days} typical days" if days else "full year"
    return {
        "mode": mode + (", no minimum loads" if relax_min_load else ""),
        "steps": len(inputs.timeline),
        "points": len(front),
        "seconds": time.perf_counter() - started,
        "max_gap": max((p.gap or 0.0) for p in front),
        "cost_end": (front[0].cost, front[0].co2_t),
        "co2_end": (front[-1].cost, front[-1].co2_t),
    }


def deviation(row: dict, ref: dict | None, end: str) -> str:
    if ref is None or row is ref or not ref[end][0]:
        return "-"
    (c, e), (rc, re) = row[end], ref[end]
    return f"{(c - rc) / rc:+.1%} / {(e - re) / re:+.1%}"


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", type=Path, default=SAMPLE)
    parser.add_argument("--days", type=int, nargs="+", default=[8, 12])
    parser.add_argument("--points", type=int, default=11)
    parser.add_argument("--full-points", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--full-time-limit", type=float, default=120.0)
    parser.add_argument(
        "--full-milp",
        action="store_true",
        help="also the full year with its hourly on/off binaries (no plan in 300 s per solve here)",
    )
    args = parser.parse_args()
    # the reference: the full year with the minimum loads dropped (only build binaries), which HiGHS solves;
    # the full year with hourly on/off binaries found no plan within 300 s per solve on this machine
    refs = [run(args.hub, 0, args.full_points, args.full_time_limit, relax_min_load=True)]
    if args.full_milp:
        refs.append(run(args.hub, 0, args.full_points, args.full_time_limit))
    ref = refs[0]
    print(
        "| mode | steps | points | seconds | max MIP gap | cost end: kEUR, t CO₂ | CO₂ end: kEUR, t CO₂ "
        "| cost end vs reference (cost / CO₂) | CO₂ end vs reference (cost / CO₂) |"
    )
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for row in refs:
        show(row, ref)
    for d in args.days:
        show(run(args.hub, d, args.points, args.time_limit), ref)
        for relaxed in [run(args.hub, d, args.full_points, args.time_limit, relax_min_load=True)]:
            show(relaxed, ref)


def show(row: dict | None, ref: dict | None) -> None:
    if row is None:
        return
    ends = [f"{row[e][0] / 1e3:,.0f}, {row[e][1]:,.0f}" for e in ("cost_end", "co2_end")]
    print(
        f"| {row['mode']} | {row['steps']} | {row['points']} | {row['seconds']:.1f} | {row['max_gap']:.2%} | "
        f"{ends[0]} | {ends[1]} | {deviation(row, ref, 'cost_end')} | {deviation(row, ref, 'co2_end')} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
