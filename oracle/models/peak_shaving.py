"""Reward of lower load peaks than in the previous period.

For member i, over the intervals where the member has data (at least one device reading):

    peak_i     = q-th percentile (numpy linear interpolation) of 4 * L_i(t) / 1000 kW in the epoch
    baseline_i = the same over the period of equal length just before the epoch
    reward_i   = min(beta * max(0, baseline_i - peak_i), cap)                          (tokens)

and reward_i = 0 when the epoch or the previous period has less than ``min_coverage`` of its
intervals with data for the member (coverage = intervals with data / intervals, compared in
floating point: a coverage exactly equal to a 6-decimal ``min_coverage`` is paid), or when a
percentile is undefined (no interval with data, only possible with min_coverage = 0).
Parameters: beta (tokens per kW), cap (tokens per member per epoch), q (default 97.5),
min_coverage (fraction, default 0.9).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .frames import MemberFrames
from .parameters import get_param
from .percentiles import masked_percentiles


def coverage(has_data: np.ndarray) -> np.ndarray:
    """Fraction of intervals with data per member, from an (n_members, n_intervals) bool array
    (NaN when there is no interval)."""
    n = has_data.shape[1]
    if n == 0:
        return np.full(has_data.shape[0], np.nan)
    return has_data.sum(axis=1) / n


def member_peaks(frames: MemberFrames, q: float) -> np.ndarray:
    """q-th percentile of each member's kW over its intervals with data (NaN without data)."""
    load, _, has = frames.arrays()
    return masked_percentiles(load, has, (q,))[0]


def peak_shaving_tokens(
    peak: np.ndarray,
    baseline: np.ndarray,
    epoch_coverage: np.ndarray,
    previous_coverage: np.ndarray,
    beta: float,
    cap: float,
    min_coverage: float,
) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        eligible = (
            (epoch_coverage >= min_coverage)
            & (previous_coverage >= min_coverage)
            & np.isfinite(peak)
            & np.isfinite(baseline)
        )
        reward = np.minimum(beta * np.maximum(0.0, baseline - peak), cap)
    return np.where(eligible, reward, 0.0)


def peak_shaving(epoch: MemberFrames, previous: MemberFrames, params: Mapping[str, float]) -> pd.Series:
    """Tokens (float, before rounding) per member; ``previous`` is the period of equal length just
    before the epoch, with the same members in the same order. Other keys of ``params`` are ignored."""
    beta = get_param(params, "beta")
    cap = get_param(params, "cap")
    q = get_param(params, "q")
    min_coverage = get_param(params, "min_coverage")
    if list(epoch.load.columns) != list(previous.load.columns):
        raise ValueError("epoch and previous frames must have the same members in the same order")
    _, _, has_epoch = epoch.arrays()
    _, _, has_previous = previous.arrays()
    tokens = peak_shaving_tokens(
        member_peaks(epoch, q),
        member_peaks(previous, q),
        coverage(has_epoch),
        coverage(has_previous),
        beta,
        cap,
        min_coverage,
    )
    return pd.Series(tokens, index=epoch.load.columns, name="tokens", dtype=np.float64)
