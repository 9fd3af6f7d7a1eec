"""The Pareto front of cost against CO₂ by the ε-constraint method.

Point 0 is the cost-optimal end (minimum cost). The last point is the CO₂-optimal end: minimum CO₂, then the
cheapest plan at that CO₂ (so it is not a needlessly dear plan of the same emissions). The points between
minimise cost with CO₂ at most ε, ε evenly spaced between the ends' emissions: `points` counts both ends.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oracle.errors import OracleError
from oracle.planner.hubfile import HubError
from oracle.planner.model import HubModel

UNMET_TOLERANCE = 1e-3  # kW


class HubInfeasible(HubError):
    """A carrier in an hour that nothing can balance."""


class SolverTrouble(OracleError):
    """HiGHS ended without a usable solution (time limit before any, or numerical trouble)."""


@dataclass
class Point:
    index: int
    label: str
    epsilon_t: float | None  # the CO₂ cap of an inner point, t/year
    cost: float  # EUR/year
    co2_t: float  # t/year
    capacities: dict  # technology -> kW (kWh for storage)
    status: str
    gap: float | None
    seconds: float
    dispatch: dict = field(default_factory=dict)  # (carrier, label) -> kW per hour, + supply / − use
    dominated: bool = False


@dataclass(frozen=True)
class SolveOptions:
    mip_gap: float = 0.01
    time_limit: float = 60.0  # seconds per solve
    threads: int | None = None
    highs: tuple = ()  # further HiGHS options, (name, value) pairs


@contextmanager
def quiet_stdout():
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def solve(
    hm: HubModel, objective, options: SolveOptions, relaxation: bool = False, start: Path | None = None
) -> tuple[str, float | None, float]:
    """Solves with HiGHS; `start`, a solution file of the same model, is a first incumbent (warm start)."""
    hm.m.add_objective(objective, overwrite=True)
    started = time.perf_counter()
    extra = {"threads": options.threads} if options.threads else {}
    extra.update(dict(options.highs))
    if relaxation:
        extra["solve_relaxation"] = True
    if start is not None:
        extra["warmstart_fn"] = start
    with quiet_stdout():  # HiGHS prints its banner before it reads output_flag
        status, condition = hm.m.solve(
            solver_name="highs",
            io_api="direct",
            progress=False,
            output_flag=False,
            mip_rel_gap=options.mip_gap,
            time_limit=options.time_limit,
            **extra,
        )
    seconds = time.perf_counter() - started
    value = hm.m.objective.value
    some = next(iter(hm.capacity.values()), None)
    planless = some is not None and not np.isfinite(float(some.solution))  # time limit before any plan
    if (status != "ok" and condition not in ("time_limit",)) or value is None or value != value or planless:
        raise SolverTrouble(
            f"HiGHS ended ({condition}) with no plan for {hm.inputs.hub.path} after "
            f"{seconds:.0f} s: allow more time per solve (--time-limit) or fewer typical days"
        )
    gap = None
    try:
        gap = float(hm.m.solver_model.getInfo().mip_gap)
    except Exception:  # an LP (no binaries) has no MIP gap
        pass
    return str(condition), gap, seconds


def save_solution(hm: HubModel, path: Path) -> Path:
    with quiet_stdout():
        hm.m.solver_model.writeSolution(str(path), 0)
    return path


def check_balances(hm: HubModel) -> None:
    """Refuses a hub that cannot serve a demand: names the first hour and carrier left unmet."""
    times = hm.inputs.timeline.times
    for carrier, unmet in hm.unmet.items():
        values = unmet.solution.values
        short = np.flatnonzero(values > UNMET_TOLERANCE)
        if short.size:
            t = short[0]
            raise HubInfeasible(
                f"{hm.inputs.hub.path}: {carrier} cannot be balanced at {times[t]:%Y-%m-%d %H:%M} "
                f"(hour {t} of the horizon): {values[t]:.1f} kW of demand nothing can serve "
                f"({short.size} hours short in all)"
            )
    for unmet in hm.unmet.values():
        unmet.update(upper=0)


def record(hm: HubModel, index: int, label: str, epsilon_t, solved) -> Point:
    status, gap, seconds = solved
    dispatch = {key: np.asarray(expr.solution.values, dtype=float) for key, expr in hm.flows.items()}
    return Point(
        index,
        label,
        epsilon_t,
        cost=float(hm.cost.solution),
        co2_t=float(hm.co2.solution) / 1000,
        capacities={name: float(cap.solution) for name, cap in hm.capacity.items()},
        status=status,
        gap=gap,
        seconds=seconds,
        dispatch=dispatch,
    )


def pareto_front(hm: HubModel, points: int, options: SolveOptions, progress: bool = True) -> list[Point]:
    """Solves the ends, then the inner points from the CO₂ end towards the cost end: each point's plan
    emits less than the next point's cap, so it is a feasible first incumbent for it (a warm start)."""
    import tempfile

    from tqdm import tqdm

    if points < 2:
        raise OracleError(f"--points {points}: the front needs at least its two ends")
    eps = hm.m.add_constraints(hm.co2 * 1e-3 <= 1e12, name="epsilon")  # in t: rows scaled alike
    # the relaxation is a quick test of balance: what it cannot serve, no choice of binaries can
    solve(hm, hm.cost + hm.penalty, options, relaxation=True)
    check_balances(hm)
    with (
        tqdm(total=points, desc="Pareto points", unit="point", file=sys.stderr, disable=not progress) as bar,
        tempfile.TemporaryDirectory(prefix="oracle-plan-") as tmp,
    ):
        cost_end = record(hm, 0, "cost-optimal", None, solve(hm, hm.cost, options))
        bar.update(1)
        _, _, s1 = solve(hm, hm.co2, options)
        start = save_solution(hm, Path(tmp) / "start.sol")
        eps.rhs = float(hm.co2.solution) * 1e-3  # the least CO₂ found; then the cheapest plan emitting no more
        status, gap, s2 = solve(hm, hm.cost, options, start=start)
        co2_end = record(hm, points - 1, "CO2-optimal", None, (status, gap, s1 + s2))
        bar.update(1)
        inner = []
        for k in range(points - 2, 0, -1):
            start = save_solution(hm, Path(tmp) / "start.sol")
            target = cost_end.co2_t - k * (cost_end.co2_t - co2_end.co2_t) / (points - 1)
            eps.rhs = target
            inner.insert(0, record(hm, k, f"CO2 <= {target:.1f} t", target, solve(hm, hm.cost, options, start=start)))
            bar.update(1)
    front = [cost_end] + inner + [co2_end]
    mark_dominated(front)
    return front


def mark_dominated(front: list[Point]) -> None:
    """A point another one beats on both objectives (within 1e-6) is marked: with a MIP gap it can happen."""
    for p in front:
        p.dominated = any(
            q is not p
            and q.cost <= p.cost * (1 + 1e-9)
            and q.co2_t <= p.co2_t * (1 + 1e-9)
            and (q.cost < p.cost * (1 - 1e-6) or q.co2_t < p.co2_t * (1 - 1e-6))
            for q in front
        )


def knee(front: list[Point], max_gap: float = 1.0) -> int:
    """The point farthest below the straight line between the ends (both objectives scaled to 0..1), among
    the points solved within the gap tolerance (a point stopped by the time limit far from its bound may
    sit above the true front)."""
    c0, c1 = front[0].cost, front[-1].cost
    e0, e1 = front[0].co2_t, front[-1].co2_t
    if c1 - c0 <= 0 or e0 - e1 <= 0:
        return 0
    trusted = [p for p in front if p.gap is None or p.gap <= max_gap] or front
    best = max(trusted, key=lambda p: 1 - (p.cost - c0) / (c1 - c0) - (p.co2_t - e1) / (e0 - e1))
    return best.index
