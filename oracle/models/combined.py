"""Weighted combination of the two rewards.

    reward_i = w_sc * self_consumption_i + w_ps * peak_shaving_i          (tokens)

with self_consumption computed on the epoch and peak_shaving on the epoch against the previous
period; ``params`` holds w_sc, w_ps and the parameters of both models.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .frames import MemberFrames
from .parameters import get_param
from .peak_shaving import peak_shaving
from .self_consumption import self_consumption


def combined(epoch: MemberFrames, previous: MemberFrames, params: Mapping[str, float]) -> pd.Series:
    """Tokens (float, before rounding) per member: w_sc * self_consumption + w_ps * peak_shaving."""
    w_sc = get_param(params, "w_sc")
    w_ps = get_param(params, "w_ps")
    sc = self_consumption(epoch, params).to_numpy()
    ps = peak_shaving(epoch, previous, params).to_numpy()
    return pd.Series(w_sc * sc + w_ps * ps, index=epoch.load.columns, name="tokens", dtype=np.float64)
