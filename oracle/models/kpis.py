"""Indicators (DOMAIN.md "Reward models and indicators"), per member and for the community.

Community, with L(t) = Σ_i L_i(t), P(t) = Σ_i P_i(t), S(t) = min(L(t), P(t)):
    self_consumption_pct = 100 * Σ_t S(t) / Σ_t P(t)
    self_sufficiency_pct = 100 * Σ_t S(t) / Σ_t L(t)
    peak_kw / base_kw    = q-th / 2.5th percentile (numpy linear) of 4 * L(t) / 1000 kW over the
                           intervals where at least one member has data
    withdrawn_kwh        = Σ_t L(t) / 1000,  injected_kwh = Σ_t P(t) / 1000
    coverage             = fraction of (member, interval) cells with data
Member i: the same with the member's own S_i(t) = min(L_i(t), P_i(t)), L_i, P_i, its own
intervals with data, and coverage = fraction of the epoch's intervals where it has data.

Percentages are 0-100. A value that is undefined (division by zero, no interval with data) is
None; every value is a plain Python float, so the result is JSON-serialisable.
"""

from __future__ import annotations

import math

import numpy as np

from .frames import MemberFrames
from .parameters import check_value
from .percentiles import CHUNK, masked_percentiles

BASE_Q = 2.5
KPI_KEYS = (
    "self_consumption_pct",
    "self_sufficiency_pct",
    "peak_kw",
    "base_kw",
    "withdrawn_kwh",
    "injected_kwh",
    "coverage",
)


def _pct(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else 100.0 * float(numerator) / float(denominator)


def _value(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _pct_array(numerator: np.ndarray, denominator: np.ndarray) -> list[float | None]:
    ratio = np.divide(100.0 * numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator != 0)
    return [None if math.isnan(v) else v for v in ratio.tolist()]


def _floats(values: np.ndarray) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=np.float64).tolist()]


def member_kpis(frames: MemberFrames, q: float = 97.5) -> dict[str, dict[str, float | None]]:
    """{member: {self_consumption_pct, self_sufficiency_pct, peak_kw, base_kw, withdrawn_kwh,
    injected_kwh, coverage}} in the order of the frames' members (see module doc)."""
    q = check_value("q", q)
    load, production, has = frames.arrays()
    m, n = load.shape
    own_shared = np.zeros(m)
    for j0 in range(0, m, CHUNK):  # chunks bound the min(L, P) temporary
        j1 = min(j0 + CHUNK, m)
        own_shared[j0:j1] = np.minimum(load[j0:j1], production[j0:j1]).sum(axis=1)
    withdrawn = load.sum(axis=1)
    injected = production.sum(axis=1)
    peak, base = masked_percentiles(load, has, (q, BASE_Q))
    cover = has.sum(axis=1) / n if n else np.full(m, np.nan)
    columns = zip(
        _pct_array(own_shared, injected),
        _pct_array(own_shared, withdrawn),
        _floats(peak),
        _floats(base),
        _floats(withdrawn / 1000.0),
        _floats(injected / 1000.0),
        _floats(cover),
    )
    return {member: dict(zip(KPI_KEYS, row)) for member, row in zip(frames.load.columns, columns)}


def community_kpis(frames: MemberFrames, q: float = 97.5) -> dict[str, float | None]:
    """Community indicators (see module doc); peak/base from 4 * L(t) / 1000 kW."""
    q = check_value("q", q)
    load, production, has = frames.arrays()
    community_load = load.sum(axis=0)
    community_production = production.sum(axis=0)
    shared = np.minimum(community_load, community_production)
    any_data = has.any(axis=0)
    peak, base = masked_percentiles(community_load[None, :], any_data[None, :], (q, BASE_Q))[:, 0]
    total_shared = float(shared.sum())
    total_load = float(community_load.sum())
    total_production = float(community_production.sum())
    return {
        "self_consumption_pct": _pct(total_shared, total_production),
        "self_sufficiency_pct": _pct(total_shared, total_load),
        "peak_kw": _value(peak),
        "base_kw": _value(base),
        "withdrawn_kwh": total_load / 1000.0,
        "injected_kwh": total_production / 1000.0,
        "coverage": float(has.sum() / has.size) if has.size else None,
    }
