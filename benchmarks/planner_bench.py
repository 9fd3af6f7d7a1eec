"""Energy-hub planner benchmark: the sample port hub's Pareto front on typical days against the full year.

    python benchmarks/planner_bench.py [--days 8 12] [--points 11] [--full-points 2] [--time-limit 10]
                                       [--full-time-limit 120] [--hub FILE]

For each number of typical days: the whole front (`--points`, both ends included), its seconds, the largest
MIP gap of its points, and the cost and CO₂ of its two ends. Then the full year hour by hour (8,760 steps)
with `--full-points` points (2: only the ends, the reference the typical days are measured against; each
solve at most `--full-time-limit` s). Prints a markdown table; the last columns are the ends' deviation from
the full year's.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from oracle.planner.front import SolveOptions, SolverTrouble
from oracle.planner.run import hub_inputs, plan_front

SAMPLE = Path(__file__).resolve().parent.parent / "oracle/planner/samples/port.yaml"


def run(hub: Path, days: int, points: int, time_limit: float) -> dict | None:
    started = time.perf_counter()
    inputs = hub_inputs(hub, None, days)
    try:
        plan = plan_front(inputs, points, SolveOptions(time_limit=time_limit), progress=True)
    except SolverTrouble as exc:
        print(f"{days or 'full year'}: {exc}", file=sys.stderr)
        return None
    front = plan.front
    return {"mode": f"{days} typical days" if days else "full year", "steps": len(inputs.timeline),
            "points": len(front), "seconds": time.perf_counter() - started,
            "max_gap": max((p.gap or 0.0) for p in front), "cost_end": (front[0].cost, front[0].co2_t),
            "co2_end": (front[-1].cost, front[-1].co2_t)}


def deviation(row: dict, ref: dict | None, end: str) -> str:
    if ref is None or row is ref:
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
    args = parser.parse_args()
    rows = [run(args.hub, d, args.points, args.time_limit) for d in args.days]
    ref = run(args.hub, 0, args.full_points, args.full_time_limit)
    if ref is None:
        print(f"full year: no plan within {args.full_time_limit:g} s per solve", file=sys.stderr)
    print("| mode | steps | points | seconds | max MIP gap | cost end: kEUR, t CO₂ | CO₂ end: kEUR, t CO₂ "
          "| cost end vs full year (cost / CO₂) | CO₂ end vs full year (cost / CO₂) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in [r for r in rows + [ref] if r is not None]:
        ends = [f"{row[e][0] / 1e3:,.0f}, {row[e][1]:,.0f}" for e in ("cost_end", "co2_end")]
        print(f"| {row['mode']} | {row['steps']} | {row['points']} | {row['seconds']:.1f} | {row['max_gap']:.2%} | "
              f"{ends[0]} | {ends[1]} | {deviation(row, ref, 'cost_end')} | {deviation(row, ref, 'co2_end')} |")


if __name__ == "__main__":
    main()
