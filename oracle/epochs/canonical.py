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

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from eth_utils import keccak, to_bytes, to_checksum_address

TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Below this |Wh|, x * 1000 in binary floating point is within 1e-7 of the exact product, so np.rint gives
# the digits "{:.3f}" prints except within 1e-6 of a half (those few are formatted by Python itself).
FAST_LIMIT = 400_000.0
NEAR_HALF = 1e-6


def format_energy(value: float) -> str:
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def format_ts(epoch_seconds: int) -> str:
    return pd.Timestamp(int(epoch_seconds), unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _lexical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Categorical columns sort by category order: make that order the text order."""
    changes = {
        c: frame[c].cat.reorder_categories(sorted(frame[c].cat.categories, key=str))
        for c in columns
        if isinstance(frame[c].dtype, pd.CategoricalDtype)
    }
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
        for a, b in zip(starts[first : last + 1], ends[first : last + 1]):
            result[members[a]] = "".join(lines[a - lo : b - lo]).encode("utf-8")
        first = last + 1
    return result


def canonical_block(
    device_ids: Sequence[str], device: np.ndarray, ts_s: np.ndarray, energy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The canonical lines of rows already in canonical order, built with numpy: (their bytes as a uint8
    array, the end offset of every line in them). Row i is device_ids[device[i]] at Unix second ts_s[i] with energy[i];
    the same bytes as canonical_bytes(canonical_lines(...)) (tests/oracle/test_epoch_scale.py).

    Every line is first written as a fixed-width record (meter id and comma left-aligned, time and comma,
    sign, six digits, '.', three digits, newline), each part copied from a small table of its texts; a
    mask marks the bytes that belong to the line (not padding, no leading zeros), and the masked bytes,
    read record by record, are the lines one after another."""
    values = np.asarray(energy, dtype=np.float64)
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    times = _time_table(np.asarray(ts_s, dtype=np.int64))
    if times is None or not (np.abs(values) < FAST_LIMIT).all():  # Python's own formatting
        return _python_block(device_ids, device, ts_s, values)
    texts, lengths = _text_table([(d + ",").encode("utf-8") for d in device_ids])
    width = texts.dtype.itemsize
    records = np.empty(
        len(values), dtype=[("device", texts.dtype), ("time", times[0].dtype), ("energy", f"V{ENERGY_WIDTH}")]
    )
    keep = np.ones((len(values), records.dtype.itemsize), dtype=bool)
    records["device"] = texts[device]
    if (lengths != width).any():
        keep[:, :width] = np.arange(width) < lengths[device][:, None]
    records["time"] = times[0][times[1]]
    records["energy"], energy_lengths = _energy_records(values, keep[:, width + TIME_WIDTH :])
    line_ends = np.cumsum(lengths[device] + TIME_WIDTH + energy_lengths, dtype=np.int64)
    return records.view(np.uint8).reshape(keep.shape)[keep], line_ends


TIME_WIDTH = 21  # 'YYYY-MM-DDTHH:MM:SSZ,'
ENERGY_WIDTH = 12  # sign and three digits, three digits and '.', three digits and newline (|Wh| < FAST_LIMIT)


def _digit_words(after: bytes) -> np.ndarray:
    """k -> the 4 bytes of k in three digits followed by `after`, as one 4-byte word (uint32), k < 1000."""
    return np.frombuffer(b"".join(f"{k:03d}".encode() + after for k in range(1000)), dtype=np.uint32)


def _sign_words() -> np.ndarray:
    return np.frombuffer(b"".join(b"-" + f"{k:03d}".encode() for k in range(1000)), dtype=np.uint32)


_SIGN_AND_HIGH, _LOW_AND_POINT, _FRACTION_AND_NEWLINE = _sign_words(), _digit_words(b"."), _digit_words(b"\n")


def _python_block(device_ids, device, ts_s, values) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.DataFrame({"device": np.asarray(device_ids, dtype=object)[device], "ts_s": ts_s, "energy": values})
    lines = [f"{d},{t},{e}\n".encode() for d, t, e in zip(*_texts(frame))]
    return np.frombuffer(b"".join(lines), dtype=np.uint8), np.cumsum([len(line) for line in lines], dtype=np.int64)


def _text_table(texts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The texts as fixed-width records (zero padded) and their lengths."""
    width = max(len(t) for t in texts)
    return np.array(texts, dtype=f"S{width}").view(f"V{width}"), np.array([len(t) for t in texts])


def _time_table(ts_s: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """('YYYY-MM-DDTHH:MM:SSZ,' of each distinct instant, the row's instant): each formatted once — on the
    15-minute grid straight from the instant's number, else through np.unique. None for a year outside
    1000-9999 (the text is not 21 bytes wide then)."""
    low = int(ts_s.min())
    steps = (int(ts_s.max()) - low) // 900 + 1
    on_grid = steps <= 1_000_000 and not ((ts_s - low) % 900).any()
    if on_grid:
        unique, index = low + 900 * np.arange(steps, dtype=np.int64), (ts_s - low) // 900
    else:
        unique, index = np.unique(ts_s, return_inverse=True)
    text = pd.to_datetime(unique, unit="s", utc=True).strftime(TS_FORMAT + ",")
    if any(len(t) != TIME_WIDTH for t in text):
        return None
    return np.array([t.encode("ascii") for t in text], dtype=f"S{TIME_WIDTH}").view(f"V{TIME_WIDTH}"), index


def _milli(values: np.ndarray) -> np.ndarray:
    """Thousandths of each value as "{:.3f}" rounds them (half to even on the exact binary value), int64."""
    scaled = values * 1000.0
    milli = np.rint(scaled).astype(np.int64)
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < NEAR_HALF
    for i in np.flatnonzero(near_half):
        milli[i] = int(f"{float(values[i]):.3f}".replace(".", ""))
    return milli


def _energy_records(values: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """'[-]I.FFF\\n' per row (12-byte records, and the length of each text; `keep` gets which bytes are
    written): a value that rounds to
    zero from below is written 0.000, an exact negative zero -0.000 (as _texts writes them, which made every
    committed data hash)."""
    milli = _milli(values)
    whole, fraction = np.divmod(np.abs(milli).astype(np.int32), 1000)
    high, low = np.divmod(whole, 1000)
    words = np.empty((len(values), 3), dtype=np.uint32)
    words[:, 0], words[:, 1], words[:, 2] = _SIGN_AND_HIGH[high], _LOW_AND_POINT[low], _FRACTION_AND_NEWLINE[fraction]
    sign = (milli < 0) | (np.signbit(values) & (values == 0))
    keep[:, 0] = sign
    digits = 1 + sum((whole >= 10**k).astype(np.int8) for k in range(1, 6))
    keep[:, 1:7] = np.arange(6) >= (6 - digits)[:, None]  # no leading zeros, at least one digit
    return words.view(f"V{ENERGY_WIDTH}").ravel(), sign + digits + 5


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
