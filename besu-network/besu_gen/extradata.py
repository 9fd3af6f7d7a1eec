"""Genesis `extraData` of the BFT protocols, as Besu encodes it.

IBFT 2.0 (Besu's IbftExtraDataCodec) and QBFT (QbftExtraDataCodec) both write
RLP([32-byte vanity, [validator addresses], vote, round, [seals]]); a genesis has no vote, round 0 and no
seals, and the two differ only in how those are written:

                 no vote               round 0
    IBFT 2.0     empty string  0x80    4-byte integer  0x8400000000
    QBFT         empty list    0xc0    minimal scalar  0x80
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import rlp

from .errors import NetworkError

VANITY = bytes(32)
CONSENSUS = ("ibft2", "qbft")
CONSENSUS_NAMES = {"ibft2": "IBFT 2.0", "qbft": "QBFT"}


@dataclass(frozen=True)
class ExtraData:
    vanity: bytes
    validators: list[bytes]
    vote: object  # None: no vote
    round: int
    seals: list[bytes]


def encode_extra_data(consensus: str, validators: Sequence[bytes]) -> bytes:
    """The genesis extraData naming `validators` (20-byte addresses, in the order given)."""
    addresses = list(validators)
    if any(len(a) != 20 for a in addresses):
        raise ValueError("validator addresses are 20 bytes each")
    if consensus == "ibft2":
        return rlp.encode([VANITY, addresses, b"", (0).to_bytes(4, "big"), []])
    if consensus == "qbft":
        return rlp.encode([VANITY, addresses, [], b"", []])
    raise ValueError(f"unknown consensus {consensus!r}")


def decode_extra_data(consensus: str, raw: bytes) -> ExtraData:
    """Reads extraData the way Besu's codec for `consensus` does; refuses the other protocol's form."""
    try:
        vanity, validators, vote, round_, seals = rlp.decode(raw)
    except (rlp.DecodingError, ValueError, TypeError):
        raise NetworkError(f"extraData is not RLP of five items: {raw.hex()}") from None
    if consensus == "ibft2":
        if vote == []:
            raise NetworkError("IBFT 2.0 extraData writes no vote as the empty string (0x80), not an empty list")
        if isinstance(round_, list) or len(round_) != 4:
            raise NetworkError("IBFT 2.0 extraData must write the round as a 4-byte integer")
        no_vote = vote == b""
    elif consensus == "qbft":
        if vote == b"":
            raise NetworkError("QBFT extraData writes no vote as an empty list (0xc0), not the empty string")
        if isinstance(round_, list) or round_[:1] == b"\x00":
            raise NetworkError("QBFT extraData must write the round as a minimal scalar")
        no_vote = vote == []
    else:
        raise ValueError(f"unknown consensus {consensus!r}")
    return ExtraData(vanity, list(validators), None if no_vote else vote, int.from_bytes(round_, "big"), list(seals))
