"""The `oracle plan` command: its arguments and its handler (registered by oracle/cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from oracle.arguments import instant, whole_number


def _points(text: str) -> int:
    n = whole_number(text)
    if n < 2:
        raise argparse.ArgumentTypeError(f"{text}: the front needs at least 2 points (its two ends)")
    return n


def add_commands(sub) -> None:
    plan = sub.add_parser("plan", help="energy-hub planner: Pareto front of cost against CO2 (MILP on HiGHS)")
    plan.add_argument("--hub", required=True, type=Path, help="hub description, YAML")
    plan.add_argument("--out", type=Path, help="output directory (default plan-out)")
    plan.add_argument("--points", type=_points, default=11, help="points of the front, both ends included (default 11)")
    plan.add_argument("--year", type=whole_number, help="the year of the profiles (default: the hub file's)")
    plan.add_argument(
        "--days",
        type=whole_number,
        default=8,
        help="typical days (k-medoids) to model; 0 = the full year hour by hour (default 8)",
    )
    plan.add_argument("--choose", type=whole_number, help="the point whose dispatch is drawn (default: the knee)")
    plan.add_argument("--gap", type=float, default=0.01, help="MIP relative gap tolerance (default 0.01)")
    plan.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve (default 10)")
    plan.add_argument("--community", help="plan for a community: its measured load from the database")
    plan.add_argument("--from", dest="start", type=instant, help="community variant: start, ISO 8601 with offset")
    plan.add_argument("--to", dest="end", type=instant, help="community variant: end (exclusive)")
    plan.set_defaults(func=cmd_plan)


def cmd_plan(ctx, args) -> None:
    from oracle.errors import OracleError
    from oracle.planner.front import SolveOptions

    options = SolveOptions(mip_gap=args.gap, time_limit=args.time_limit)
    out = args.out or Path("plan-out")
    if args.community is None:
        from oracle.planner.run import run_plan

        run_plan(args.hub, out, args.points, args.year, args.days, options, args.choose)
        return
    if args.start is None or args.end is None:
        raise OracleError("oracle plan --community needs --from and --to")
    from oracle.planner.community import run_community_plan

    run_community_plan(ctx, args.community, args.start, args.end, args.hub, out, args.points, options, args.choose)
