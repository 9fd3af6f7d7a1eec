"""Short ASCII strings as right-padded bytes32 (model ids, parameter names, references)."""

from __future__ import annotations


def to_bytes32(text: str) -> bytes:
    raw = text.encode("ascii")
    if len(raw) > 32:
        raise ValueError(f"{text!r} is longer than 32 bytes")
    return raw.ljust(32, b"\0")


def from_bytes32(value: bytes | str) -> str:
    if isinstance(value, str):
        value = bytes.fromhex(value.removeprefix("0x"))
    return bytes(value).rstrip(b"\0").decode("ascii")
