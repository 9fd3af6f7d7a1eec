"""The model's answers against optima worked out by hand, and the front's properties."""

from __future__ import annotations

import pytest

from oracle.planner.front import SolveOptions, check_balances, pareto_front, record, solve
from oracle.planner.model import build_model

from .hubs import DAY, TINY_CO2_END, TINY_COST_END, inputs_of, tiny_doc

EXACT = SolveOptions(mip_gap=1e-6, time_limit=30)


def solved(inputs, objective: str):
    """A fresh model solved for one objective alone (the balance check first, as the front does)."""
    hm = build_model(inputs)
    solve(hm, hm.cost + hm.penalty, EXACT, relaxation=True)
    check_balances(hm)
    return hm, record(hm, 0, objective, None, solve(hm, getattr(hm, objective), EXACT))


def single(inputs, objective: str):
    """(cost EUR, CO₂ t, capacities) of the single-objective optimum."""
    _, p = solved(inputs, objective)
    return p.cost, p.co2_t, p.capacities


def test_tiny_hub_builds_the_chp_and_costs_what_the_hand_worked_out(tmp_path):
    cost, co2, caps = single(inputs_of(tiny_doc(), tmp_path / "tiny.yaml"), "cost")
    assert caps["chp"] == pytest.approx(100)
    assert cost == pytest.approx(TINY_COST_END[0], abs=1e-4)
    assert co2 == pytest.approx(TINY_COST_END[1], abs=1e-7)


def test_tiny_hub_keeps_the_chp_off_below_its_minimum_load(tmp_path):
    hm, _ = solved(inputs_of(tiny_doc(), tmp_path / "tiny.yaml"), "cost")
    chp = hm.flows[("electricity", "chp")].solution.values
    assert list(chp) == pytest.approx([100, 100, 100, 0], abs=1e-6)


def test_tiny_hub_without_minimum_load_runs_the_chp_at_30_kw_for_less(tmp_path):
    doc = tiny_doc()
    del doc["technologies"]["chp"]["min_load"]
    cost, _, _ = single(inputs_of(doc, tmp_path / "tiny.yaml"), "cost")
    # hour 3 at 30 kW: gas 75 kWh × 0.05 = 3.75 instead of grid 7.5: 85 − 7.5 + 3.75
    assert cost == pytest.approx(81.25, abs=1e-4)


def test_tiny_front_ends_are_the_hand_optima(tmp_path):
    front = pareto_front(build_model(inputs_of(tiny_doc(), tmp_path / "tiny.yaml")), 3, EXACT, progress=False)
    assert (front[0].cost, front[0].co2_t) == pytest.approx(TINY_COST_END, abs=1e-4)
    assert (front[-1].cost, front[-1].co2_t) == pytest.approx(TINY_CO2_END, abs=1e-4)
    assert front[-1].capacities["chp"] == pytest.approx(100)
    assert front[-1].dispatch[("electricity", "chp")] == pytest.approx([80, 80, 0, 0], abs=1e-6)


@pytest.fixture(scope="module")
def day_front(tmp_path_factory):
    inputs = inputs_of(DAY, tmp_path_factory.mktemp("day") / "day.yaml", hours=24, start="2026-07-06")
    return inputs, pareto_front(build_model(inputs), 4, EXACT, progress=False)


def test_front_ends_equal_the_single_objective_optima(day_front):
    inputs, front = day_front
    cost, _, _ = single(inputs, "cost")
    _, co2, _ = single(inputs, "co2")
    assert front[0].cost == pytest.approx(cost, rel=1e-5)
    assert front[-1].co2_t == pytest.approx(co2, rel=1e-5, abs=1e-9)
    assert front[0].cost < front[-1].cost and front[0].co2_t > front[-1].co2_t


def test_every_front_point_is_non_dominated_and_co2_falls_as_cost_rises(day_front):
    _, front = day_front
    assert len(front) == 4
    for a, b in zip(front, front[1:]):
        assert b.co2_t <= a.co2_t + 1e-9
        assert b.cost >= a.cost - 1e-6
    for p in front:
        assert not p.dominated
        assert not any(q.cost < p.cost - 1e-6 and q.co2_t < p.co2_t - 1e-9 for q in front)
