"""Public reward models of the LEC oracle, as pure functions over pandas frames.

Quarter-hour load L_i(t) and production P_i(t) per member (Wh, sign convention of DOMAIN.md:
withdrawn/absorbed > 0, produced/injected < 0), then:

- self_consumption: alpha_consumer * Σ_t S(t) L_i(t)/L(t) / 1000 + alpha_producer * Σ_t S(t) P_i(t)/P(t) / 1000,
  S(t) = min(L(t), P(t));
- peak_shaving: min(beta * max(0, baseline_i - peak_i), cap), peaks = q-th percentile of kW,
  0 below min_coverage;
- combined: w_sc * self_consumption + w_ps * peak_shaving;
- amounts: floor(tokens * 10^6 * (1 + 1e-12)) * 10^12 base units.
"""

from .combined import combined
from .compute import RewardResult, compute_rewards
from .frames import INTERVAL, MemberFrames, ReadingCodes, interval_grid, member_frames
from .kpis import BASE_Q, KPI_KEYS, community_kpis, member_kpis
from .parameters import (
    DEFAULTS,
    MODEL_IDS,
    OPTIONAL_PARAMETERS,
    PARAM_DECIMALS,
    REQUIRED_PARAMETERS,
    params_from_chain,
    params_to_chain,
    validate_params,
)
from .peak_shaving import peak_shaving
from .rounding import to_base_units
from .self_consumption import self_consumption

__all__ = [
    "BASE_Q",
    "DEFAULTS",
    "INTERVAL",
    "KPI_KEYS",
    "MODEL_IDS",
    "OPTIONAL_PARAMETERS",
    "PARAM_DECIMALS",
    "REQUIRED_PARAMETERS",
    "MemberFrames",
    "ReadingCodes",
    "RewardResult",
    "combined",
    "community_kpis",
    "compute_rewards",
    "interval_grid",
    "member_frames",
    "member_kpis",
    "params_from_chain",
    "params_to_chain",
    "peak_shaving",
    "self_consumption",
    "to_base_units",
    "validate_params",
]
