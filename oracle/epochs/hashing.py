"""The hash step's arithmetic: every member's canonical readings and salted data hash, in one pass.

The readings come as `EpochReadings`, already in canonical order (by member, meter id, time), so a
member's lines are one contiguous run: lines are built with numpy for a slice of whole members at a time
(`canonical.canonical_block`), each member's bytes hashed, and the slice dropped — memory stays bounded by
the slice whatever the number of members.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from tqdm import tqdm

from oracle.epochs import canonical
from oracle.epochs.data import EpochReadings

ROWS_PER_SLICE = 1_000_000


def member_slices(member_bounds: np.ndarray, rows_per_slice: int) -> Iterator[tuple[int, int]]:
    """Consecutive member ranges [first, last) of at most rows_per_slice rows (a bigger member alone)."""
    first, members = 0, len(member_bounds) - 1
    while first < members:
        last = int(np.searchsorted(member_bounds, member_bounds[first] + rows_per_slice, side="right")) - 1
        last = max(last, first + 1)
        yield first, min(last, members)
        first = min(last, members)


def member_canonical_bytes(
    readings: EpochReadings, rows_per_slice: int = ROWS_PER_SLICE
) -> Iterator[tuple[str, bytes]]:
    """(wallet, canonical bytes) of every member with readings."""
    for members in sliced_canonical_bytes(readings, rows_per_slice):
        yield from members


def sliced_canonical_bytes(
    readings: EpochReadings, rows_per_slice: int = ROWS_PER_SLICE
) -> Iterator[list[tuple[str, bytes]]]:
    """[(wallet, canonical bytes)] of the members with readings, one list per slice of members."""
    bounds = readings.member_bounds()
    for first, last in member_slices(bounds, rows_per_slice):
        yield slice_canonical_bytes(readings, bounds, first, last)


def slice_canonical_bytes(
    readings: EpochReadings, bounds: np.ndarray, first: int, last: int
) -> list[tuple[str, bytes]]:
    """[(wallet, canonical bytes)] of members first..last-1 that have readings (bounds: member_bounds())."""
    lo, hi = int(bounds[first]), int(bounds[last])
    if lo == hi:
        return []
    d0, d1 = np.searchsorted(readings.device_member, [first, last])
    device = np.repeat(np.arange(d1 - d0), np.diff(readings.bounds[d0 : d1 + 1]))
    block, ends = canonical.canonical_block(
        readings.device_ids[d0:d1], device, readings.ts_seconds(lo, hi), readings.energy[lo:hi]
    )
    starts = np.concatenate(([0], ends))
    return [
        (readings.wallets[j], block[starts[bounds[j] - lo] : starts[bounds[j + 1] - lo]].tobytes())
        for j in range(first, last)
        if bounds[j + 1] > bounds[j]
    ]


PARALLEL_ROWS = 2_000_000  # from this many readings on, two processes (forked: the arrays are shared) hash
_WORK: tuple | None = None  # what the forked workers read: (readings, salts, member bounds)


def _hash_slice(span: tuple[int, int]) -> dict[str, bytes]:
    readings, salts, bounds = _WORK
    return {
        wallet: canonical.data_hash(salts[wallet], data)
        for wallet, data in slice_canonical_bytes(readings, bounds, *span)
        if wallet in salts
    }


def salted_hashes(
    readings: EpochReadings, salts: dict[str, bytes], progress: bool = False, processes: int | None = None
) -> dict[str, bytes]:
    """data_hash(salt, canonical bytes) of every wallet in `salts` (no readings: the hash of the salt alone).
    Slices of members are hashed by `processes` forked workers (default: two for PARALLEL_ROWS readings or
    more on a machine with two cores or more, else this process): formatting and keccak hold Python's lock,
    so threads would not share the work."""
    global _WORK
    if processes is None:
        processes = 2 if len(readings) >= PARALLEL_ROWS and (os.cpu_count() or 1) > 1 else 1
    bounds = readings.member_bounds()
    hashes: dict[str, bytes] = {}
    _WORK = (readings, salts, bounds)
    try:
        with (
            tqdm(total=len(salts), desc="hashing member data", unit="member", disable=not progress) as bar,
            _mapper(processes) as mapped,
        ):
            for part in mapped(_hash_slice, list(member_slices(bounds, ROWS_PER_SLICE))):
                hashes.update(part)
                bar.update(len(part))
    finally:
        _WORK = None
    return {w: hashes[w] if w in hashes else canonical.data_hash(salt, b"") for w, salt in salts.items()}


@contextmanager
def _mapper(processes: int):
    """map in this process, or the ordered imap of a pool of forked workers (ended when the block ends)."""
    if processes == 1:
        yield map
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield pool.imap
