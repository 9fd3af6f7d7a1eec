"""Per-member percentiles of quarter-hour power, vectorised, identical to numpy's default.

For member i, the q-th percentile of the values x_i(t) over the intervals where the member has
data, with numpy's default ``method="linear"`` (Hyndman & Fan type 7): sort the n valid values
v_0 <= ... <= v_{n-1}; h = (n - 1) * q / 100; result = v_floor(h) + (h - floor(h)) *
(v_floor(h)+1 - v_floor(h)). The arithmetic (including numpy's ``_lerp`` rounding trick for
weights >= 0.5) is replicated so results equal ``numpy.nanpercentile`` bit for bit. NaN when the
member has no valid value.

Power in kW of an interval with energy E Wh: 4 * E / 1000.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHUNK = 1024  # members per block: bounds temporaries to CHUNK x n_intervals float64


def kw(energy_wh: np.ndarray) -> np.ndarray:
    """Average power (kW) of a 15-minute interval from its energy (Wh): 4 * E / 1000."""
    return energy_wh * 4.0 / 1000.0


def _lerp_sorted(sorted_block: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    rows = np.arange(sorted_block.shape[0])
    quantile = np.true_divide(q, 100)
    virtual = (count - 1) * quantile
    previous = np.floor(virtual)
    above = virtual >= count - 1
    previous = np.where(above, count - 1, previous)
    nxt = np.where(above, count - 1, previous + 1)
    empty = count <= 0
    previous = np.where(empty, 0, previous).astype(np.intp)
    nxt = np.where(empty, 0, nxt).astype(np.intp)
    gamma = virtual - previous
    if sorted_block.shape[1] == 0:
        return np.full(sorted_block.shape[0], np.nan)
    a = sorted_block[rows, previous]
    b = sorted_block[rows, nxt]
    diff = b - a
    result = a + diff * gamma
    high = gamma >= 0.5
    result[high] = (b - diff * (1 - gamma))[high]
    result[empty] = np.nan
    return result


def masked_percentiles(
    values: np.ndarray, valid: np.ndarray, qs: Sequence[float], transform=kw, chunk: int = CHUNK
) -> np.ndarray:
    """Percentiles ``qs`` of ``transform(values)`` per row over the columns where ``valid``.

    values, valid: (n_rows, n_cols). Returns (len(qs), n_rows) float64, NaN for a row without a
    valid column. One sort per block of ``chunk`` rows, whatever the number of percentiles.
    """
    values = np.asarray(values, dtype=np.float64)
    valid = np.asarray(valid, dtype=bool)
    n_rows = values.shape[0]
    out = np.full((len(qs), n_rows), np.nan)
    for j0 in range(0, n_rows, chunk):
        j1 = min(j0 + chunk, n_rows)
        block = transform(values[j0:j1])
        block = np.ascontiguousarray(block, dtype=np.float64)  # transform already copied
        valid_block = valid[j0:j1]
        np.copyto(block, np.nan, where=~valid_block)
        block.sort(axis=1)  # NaN sorts last
        count = valid_block.sum(axis=1)
        for k, q in enumerate(qs):
            out[k, j0:j1] = _lerp_sorted(block, count, q)
    return out
