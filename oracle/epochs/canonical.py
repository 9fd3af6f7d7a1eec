"""The canonical serialization of a member's readings, and the salted data hash committed in its leaf.

One line per reading, UTF-8, sorted by device id then timestamp:

    <deviceid>,<timestamp UTC as YYYY-MM-DDTHH:MM:SSZ>,<energy in Wh with exactly 3 decimals>\\n

(negative zero is written 0.000). data_hash = keccak256(salt ‖ canonical bytes), with a random
32-byte salt per member and epoch, so the hash reveals nothing about the readings and nobody can
confirm a guess of them without the salt (which only the member receives, in the take-out).
The dataset hash of an epoch = keccak256 of the concatenation, over members sorted by address,
of (20-byte address ‖ 32-byte data hash).
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
from eth_utils import keccak, to_bytes, to_checksum_address


def format_energy(value: float) -> str:
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def format_ts(epoch_seconds: int) -> str:
    return pd.Timestamp(int(epoch_seconds), unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _lexical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Categorical columns sort by category order: make that order the text order."""
    changes = {c: frame[c].cat.reorder_categories(sorted(frame[c].cat.categories, key=str))
               for c in columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.assign(**changes) if changes else frame


def canonical_lines(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(deviceid, ts, energy) text triples of one member, in canonical order.
    `frame` has columns device (str), ts_s (int, Unix seconds), energy (float)."""
    ordered = _lexical(frame, ["device"]).sort_values(["device", "ts_s"], kind="mergesort")
    devices, ts_text, energy_text = _texts(ordered)
    return list(zip(devices, ts_text, energy_text))


def _texts(ordered: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    seconds = ordered["ts_s"].to_numpy(dtype=np.int64)
    unique, inverse = np.unique(seconds, return_inverse=True)  # few distinct instants: format each once
    unique_text = np.asarray(pd.to_datetime(unique, unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"), dtype=object)
    ts_text = unique_text[inverse].tolist() if len(seconds) else []
    values = ordered["energy"].to_numpy(dtype=float)
    energy_text = list(map("{:.3f}".format, values.tolist()))  # same text as format_energy, without a call each
    for i in np.flatnonzero((values < 0) & (values > -0.0005)):
        energy_text[i] = "0.000"  # no negative zero
    return ordered["device"].astype(str).tolist(), ts_text, energy_text


def canonical_bytes_by_member(readings: pd.DataFrame, rows_per_slice: int = 1_000_000) -> dict[str, bytes]:
    """Canonical bytes of every member at once (same result as canonical_lines + canonical_bytes per member).
    `readings` has columns member, device, ts_s, energy. Text is built a slice of whole members at a
    time, so memory stays bounded whatever the number of members."""
    if len(readings) == 0:
        return {}
    ordered = _lexical(readings, ["member", "device"]).sort_values(["member", "device", "ts_s"], kind="mergesort")
    members = ordered["member"].astype(str).to_numpy()
    boundaries = np.flatnonzero(members[1:] != members[:-1]) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(members)]))
    result: dict[str, bytes] = {}
    first = 0
    while first < len(starts):
        last = first
        while last + 1 < len(starts) and ends[last + 1] - starts[first] <= rows_per_slice:
            last += 1
        lo, hi = starts[first], ends[last]
        devices, ts_text, energy_text = _texts(ordered.iloc[lo:hi])
        lines = list(map("{},{},{}\n".format, devices, ts_text, energy_text))
        for a, b in zip(starts[first:last + 1], ends[first:last + 1]):
            result[members[a]] = "".join(lines[a - lo:b - lo]).encode("utf-8")
        first = last + 1
    return result


def canonical_bytes(lines: Iterable[tuple[str, str, str]]) -> bytes:
    return "".join(f"{d},{t},{e}\n" for d, t, e in lines).encode("utf-8")


def data_hash(salt: bytes, canonical: bytes) -> bytes:
    if len(salt) != 32:
        raise ValueError("the salt must be 32 bytes")
    return keccak(salt + canonical)


def wallet_order(wallets: Iterable[str]) -> list[str]:
    """Wallets in address order (as numbers, whatever their letter case): the order of an epoch's leaf
    indexes and of its dataset hash."""
    return sorted(wallets, key=str.lower)


def dataset_hash(member_hashes: dict[str, bytes]) -> bytes:
    parts = []
    for wallet in wallet_order(member_hashes):
        parts.append(to_bytes(hexstr=to_checksum_address(wallet)) + member_hashes[wallet])
    return keccak(b"".join(parts))
