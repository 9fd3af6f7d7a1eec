"""Reward of shared self-consumption.

Community L(t) = Σ_i L_i(t), P(t) = Σ_i P_i(t), shared self-consumption S(t) = min(L(t), P(t)).

    reward_i = alpha_consumer * Σ_t S(t) * L_i(t) / L(t) / 1000
             + alpha_producer * Σ_t S(t) * P_i(t) / P(t) / 1000        (tokens; Wh -> kWh)

A term is 0 where its denominator is 0. Computed as matrix-vector products
(L_i · (S / L)), no loop over intervals. Σ_i reward_i = (alpha_consumer + alpha_producer) Σ S / 1000
up to rounding.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .frames import MemberFrames
from .parameters import get_param


def self_consumption_tokens(
    load: np.ndarray, production: np.ndarray, alpha_consumer: float, alpha_producer: float
) -> np.ndarray:
    """Tokens per member from (n_members, n_intervals) arrays of L_i(t), P_i(t) in Wh."""
    community_load = load.sum(axis=0)
    community_production = production.sum(axis=0)
    shared = np.minimum(community_load, community_production)
    share_l = np.divide(shared, community_load, out=np.zeros_like(shared), where=community_load > 0)
    share_p = np.divide(shared, community_production, out=np.zeros_like(shared), where=community_production > 0)
    consumer_wh = load @ share_l
    producer_wh = production @ share_p
    return alpha_consumer * consumer_wh / 1000.0 + alpha_producer * producer_wh / 1000.0


def self_consumption(frames: MemberFrames, params: Mapping[str, float]) -> pd.Series:
    """Tokens (float, before rounding) per member; ``params`` needs alpha_consumer and
    alpha_producer (tokens per kWh); other keys are ignored."""
    alpha_consumer = get_param(params, "alpha_consumer")
    alpha_producer = get_param(params, "alpha_producer")
    load, production, _ = frames.arrays()
    tokens = self_consumption_tokens(load, production, alpha_consumer, alpha_producer)
    return pd.Series(tokens, index=frames.load.columns, name="tokens", dtype=np.float64)
