"""Representative (typical) days: the year's 365 days clustered by k-medoids, each cluster standing for its
days by one real day (its medoid), weighted by the cluster's size.

Each day is a vector of its 24 hours of every demand carrier, the PV yield and the import price, each
series scaled by its yearly maximum, so that all weigh alike. k-medoids (alternating: assign each day to the
nearest medoid, then make each cluster's medoid the member nearest all others) starts from a deterministic
farthest-point seed, so a run repeats exactly. Then, per demand carrier, the day with the year's peak hour
is added as a cluster of its own (weight 1, taken out of its cluster): capacities must meet the real peak,
which a medoid would smooth away. Storage is cyclic within each typical day.

(tsam, the usual library for this, pins pandas ≤ 3.0.5 and cannot install beside this project's pandas.)
"""

from __future__ import annotations

import numpy as np

from oracle.planner.inputs import Inputs
from oracle.planner.profiles import Timeline


def day_features(inputs: Inputs) -> np.ndarray:
    series = list(inputs.demand.values()) + list(inputs.pv_yield.values()) + [inputs.import_price]
    days = len(inputs.timeline) // 24
    columns = []
    for values in series:
        top = np.max(np.abs(values))
        if top > 0:
            columns.append((values[: days * 24] / top).reshape(days, 24))
    return np.hstack(columns)


def k_medoids(features: np.ndarray, k: int, rounds: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """(medoids: day numbers, labels: each day's cluster)."""
    distance = np.linalg.norm(features[:, None, :] - features[None, :, :], axis=2)
    medoids = [int(np.argmin(distance.sum(axis=1)))]
    while len(medoids) < k:
        medoids.append(int(np.argmax(distance[:, medoids].min(axis=1))))
    medoids = np.array(medoids)
    for _ in range(rounds):
        labels = np.argmin(distance[:, medoids], axis=1)
        new = medoids.copy()
        for c in range(k):
            members = np.flatnonzero(labels == c)
            if members.size:
                new[c] = members[np.argmin(distance[np.ix_(members, members)].sum(axis=1))]
        if np.array_equal(new, medoids):
            break
        medoids = new
    return medoids, np.argmin(distance[:, medoids], axis=1)


def peak_days(inputs: Inputs) -> list[int]:
    days = len(inputs.timeline) // 24
    peaks = {int(np.argmax(v[: days * 24])) // 24 for v in inputs.demand.values() if v.max() > 0}
    return sorted(peaks)


def typical_days(inputs: Inputs, k: int) -> Inputs:
    """The inputs on k clustered days plus the peak days; weights sum to the year's hours."""
    medoids, labels = k_medoids(day_features(inputs), k)
    for day in peak_days(inputs):
        if day not in medoids:
            medoids = np.append(medoids, day)
            labels[day] = len(medoids) - 1
    counts = np.bincount(labels, minlength=len(medoids))
    hours = np.concatenate([np.arange(d * 24, d * 24 + 24) for d in medoids])
    weights = np.repeat(counts.astype(float), 24)
    weights *= len(inputs.timeline) / weights.sum()  # the 365th-day remainder of a leap year, if any
    previous = np.concatenate([np.roll(np.arange(i * 24, i * 24 + 24), 1) for i in range(len(medoids))])
    timeline = Timeline(inputs.timeline.times[hours], weights, previous=previous, day_map=labels)
    return Inputs(
        inputs.hub,
        timeline,
        {c: v[hours] for c, v in inputs.demand.items()},
        {key: v[hours] for key, v in inputs.by_use.items()},
        inputs.import_price[hours],
        inputs.export_price[hours],
        {name: v[hours] for name, v in inputs.pv_yield.items()},
    )
