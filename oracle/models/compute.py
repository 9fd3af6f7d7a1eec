"""One epoch's rewards: readings -> frames -> model tokens -> amounts (base units) + KPIs.

    tokens_i  = model(epoch frames [, previous-period frames], params)
    amounts_i = floor(tokens_i * 10^6 * (1 + 1e-12)) * 10^12

``peak_shaving`` and ``combined`` read the previous period [start - (end - start), start) from the
same ``readings``; the two periods are built in one pass and share memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .combined import combined
from .frames import (
    INTERVAL,
    ReadingCodes,
    _check_members,
    _frames_from_arrays,
    _utc_timestamp,
    build_arrays,
    build_arrays_from_codes,
)
from .kpis import community_kpis, member_kpis
from .parameters import DEFAULTS, validate_params
from .peak_shaving import peak_shaving
from .rounding import to_base_units
from .self_consumption import self_consumption


@dataclass(frozen=True)
class RewardResult:
    model_id: str
    params: dict[str, float]
    tokens: dict[str, float]  # member -> tokens before rounding
    amounts: dict[str, int]  # member -> base units (18 decimals), rounded down to 1e-6 token
    member_kpis: dict[str, dict]
    community_kpis: dict

    @property
    def total(self) -> int:
        """Sum of the amounts (base units)."""
        return sum(self.amounts.values())


def _arrays(readings: pd.DataFrame | ReadingCodes, members: list[str], start, end):
    if isinstance(readings, ReadingCodes):
        return build_arrays_from_codes(readings, members, start, end)
    return build_arrays(readings, members, start, end)


def compute_rewards(
    model_id: str,
    params: Mapping[str, float],
    readings: pd.DataFrame | ReadingCodes,
    members: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> RewardResult:
    """Rewards of ``model_id`` for the epoch [start, end).

    ``readings``: a DataFrame (member, device, ts, energy) or, the fast way, ReadingCodes whose member
    codes are positions in ``members``; both give the same result.

    ``params`` are validated (defaults filled in, stored in the result). Every member of
    ``members`` gets an entry, in the given order (0 and None KPIs when it has no data); readings
    of other wallets are ignored. KPIs are of the epoch, with the model's q (97.5 when it has none).
    """
    params = validate_params(model_id, params)
    members = _check_members(members)
    start = _utc_timestamp(start, "start")
    end = _utc_timestamp(end, "end")
    if end <= start:
        raise ValueError(f"end {end} must be after start {start}")

    if model_id == "self_consumption":
        load, production, has, grid = _arrays(readings, members, start, end)
        epoch = _frames_from_arrays(load, production, has, grid, members)
        tokens = self_consumption(epoch, params)
    else:
        n = (end - start) // INTERVAL
        load, production, has, grid = _arrays(readings, members, start - (end - start), end)
        previous = _frames_from_arrays(load[:, :n], production[:, :n], has[:, :n], grid[:n], members)
        epoch = _frames_from_arrays(load[:, n:], production[:, n:], has[:, n:], grid[n:], members)
        model = peak_shaving if model_id == "peak_shaving" else combined
        tokens = model(epoch, previous, params)

    token_values = [float(t) for t in tokens.to_numpy().tolist()]
    q = params.get("q", DEFAULTS["q"])
    return RewardResult(
        model_id=model_id,
        params=params,
        tokens=dict(zip(members, token_values)),
        amounts={member: to_base_units(t) for member, t in zip(members, token_values)},
        member_kpis=member_kpis(epoch, q),
        community_kpis=community_kpis(epoch, q),
    )
