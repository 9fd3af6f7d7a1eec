"""The hash step's arithmetic: every member's canonical readings and salted data hash, in one pass.

The readings come as `EpochReadings`, already in canonical order (by member, meter id, time), so a
member's lines are one contiguous run: lines are built with numpy for a slice of whole members at a time
(`canonical.canonical_block`), each member's bytes hashed, and the slice dropped — memory stays bounded by
the slice whatever the number of members.
"""
from __future__ import annotations

from typing import Iterator

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


def member_canonical_bytes(readings: EpochReadings, rows_per_slice: int = ROWS_PER_SLICE
                           ) -> Iterator[tuple[str, bytes]]:
    """(wallet, canonical bytes) of every member with readings."""
    for members in sliced_canonical_bytes(readings, rows_per_slice):
        yield from members


def sliced_canonical_bytes(readings: EpochReadings, rows_per_slice: int = ROWS_PER_SLICE
                           ) -> Iterator[list[tuple[str, bytes]]]:
    """[(wallet, canonical bytes)] of the members with readings, one list per slice of members."""
    bounds = readings.member_bounds()
    for first, last in member_slices(bounds, rows_per_slice):
        lo, hi = int(bounds[first]), int(bounds[last])
        if lo == hi:
            continue
        d0, d1 = np.searchsorted(readings.device_member, [first, last])
        device = np.repeat(np.arange(d1 - d0), np.diff(readings.bounds[d0:d1 + 1]))
        block, ends = canonical.canonical_block(readings.device_ids[d0:d1], device,
                                                readings.ts_seconds(lo, hi),
                                                readings.energy[lo:hi])
        starts = np.concatenate(([0], ends))
        yield [(readings.wallets[j], block[starts[bounds[j] - lo]:starts[bounds[j + 1] - lo]].tobytes())
               for j in range(first, last) if bounds[j + 1] > bounds[j]]


def salted_hashes(readings: EpochReadings, salts: dict[str, bytes], progress: bool = False) -> dict[str, bytes]:
    """data_hash(salt, canonical bytes) of every wallet in `salts` (no readings: the hash of the salt alone)."""
    hashes: dict[str, bytes] = {}
    with tqdm(total=len(salts), desc="hashing member data", unit="member", disable=not progress) as bar:
        for wallet, data in member_canonical_bytes(readings):
            if wallet in salts:
                hashes[wallet] = canonical.data_hash(salts[wallet], data)
                bar.update()
    return {w: hashes[w] if w in hashes else canonical.data_hash(salt, b"") for w, salt in salts.items()}
