"""The compute step's arithmetic: the reward model over an epoch's readings, as integer codes.

The readings arrive as `EpochReadings` (numbers only, meters in canonical order); the models take them as
`ReadingCodes` — member = position in the epoch's member list, interval = quarter-hours since the data
start — so no wallet text or timestamp object is made per reading. The result is the one the models give
for the same readings as a DataFrame (tests/oracle/test_epoch_scale.py compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from oracle.epochs.data import EpochReadings
from oracle.models import ReadingCodes, RewardResult, compute_rewards


@dataclass(frozen=True)
class EpochComputation:
    result: RewardResult
    reading_counts: dict[str, int]  # wallet -> readings of the epoch's data (baseline period included)


def reading_codes(readings: EpochReadings, wallets: list[str]) -> ReadingCodes:
    """The readings coded for the models: member codes are positions in `wallets` (-1 for the others)."""
    position = {wallet: j for j, wallet in enumerate(wallets)}
    device_member = np.array([position.get(w, -1) for w in readings.wallets], dtype=np.int64)[readings.device_member]
    return ReadingCodes(
        origin=pd.Timestamp(readings.origin),
        device_member=device_member,
        bounds=readings.bounds,
        interval=readings.interval,
        energy=readings.energy,
    )


def compute_epoch(
    model_id: str, params: dict, readings: EpochReadings, wallets: list[str], start: datetime, end: datetime
) -> EpochComputation:
    """Rewards and KPIs of `wallets` for the epoch [start, end); ValueError for parameters no model takes."""
    result = compute_rewards(
        model_id, params, reading_codes(readings, wallets), wallets, pd.Timestamp(start), pd.Timestamp(end)
    )
    return EpochComputation(result, readings.reading_counts())
