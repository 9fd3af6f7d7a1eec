"""The first (v1) ConsumptionNotary's interface, as far as take-out files made for it need it.

v1 leaves were (member, amount, dataHash) without an index; its `getEpoch` returned
(Commitment(periodStart, periodEnd, merkleRoot, modelId, modelVersion, datasetHash, leafCount, totalReward),
committedAt, paidCount, released, paidTotal) and its `verifyTakeout` took no index. A take-out file made
then still names its notary; this fragment lets `oracle verify` ask it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3.exceptions import Web3Exception

from oracle.chain.client import ChainClient

_COMMITMENT = [
    {"name": n, "type": t}
    for n, t in (
        ("periodStart", "uint64"),
        ("periodEnd", "uint64"),
        ("merkleRoot", "bytes32"),
        ("modelId", "bytes32"),
        ("modelVersion", "uint32"),
        ("datasetHash", "bytes32"),
        ("leafCount", "uint32"),
        ("totalReward", "uint256"),
    )
]
V1_NOTARY_ABI = [
    {
        "type": "function",
        "name": "getEpoch",
        "stateMutability": "view",
        "inputs": [{"name": "community", "type": "address"}, {"name": "epoch", "type": "uint64"}],
        "outputs": [
            {
                "name": "",
                "type": "tuple",
                "components": [
                    {"name": "commitment", "type": "tuple", "components": _COMMITMENT},
                    {"name": "committedAt", "type": "uint64"},
                    {"name": "paidCount", "type": "uint32"},
                    {"name": "released", "type": "bool"},
                    {"name": "paidTotal", "type": "uint256"},
                ],
            }
        ],
    },
    {
        "type": "function",
        "name": "verifyTakeout",
        "stateMutability": "view",
        "inputs": [
            {"name": "community", "type": "address"},
            {"name": "epoch", "type": "uint64"},
            {"name": "member", "type": "address"},
            {"name": "amount", "type": "uint256"},
            {"name": "dataHash", "type": "bytes32"},
            {"name": "proof", "type": "bytes32[]"},
        ],
        "outputs": [{"name": "", "type": "bool"}],
    },
]
UNKNOWN_EPOCH = function_signature_to_4byte_selector("UnknownEpoch(address,uint64)")


class NotV1Notary(Exception):
    """The contract at the address does not answer the v1 notary's interface."""


class UnknownV1Epoch(Exception):
    """The v1 notary has no such epoch."""


@dataclass(frozen=True)
class V1Epoch:
    merkle_root: bytes
    committed_at: int
    released: bool

    @classmethod
    def decode(cls, raw: Sequence) -> V1Epoch:
        commitment, committed_at, _paid_count, released, _paid_total = raw
        return cls(bytes(commitment[2]), committed_at, released)  # Commitment.merkleRoot


class V1Notary:
    def __init__(self, chain: ChainClient, address: str):
        self.chain = chain
        self.address = to_checksum_address(address)
        self.contract = chain.w3.eth.contract(address=self.address, abi=V1_NOTARY_ABI)

    def _call(self, fn):
        try:
            return fn.call()
        except Web3Exception as exc:
            data = getattr(exc, "data", None)
            if isinstance(data, str) and bytes.fromhex(data.removeprefix("0x"))[:4] == UNKNOWN_EPOCH:
                raise UnknownV1Epoch() from None
            raise NotV1Notary(str(exc) or type(exc).__name__) from None

    def epoch(self, token: str, number: int) -> V1Epoch:
        return V1Epoch.decode(self._call(self.contract.functions.getEpoch(to_checksum_address(token), number)))

    def verify_takeout(
        self, token: str, number: int, member: str, amount: int, data_hash: bytes, proof: list[bytes]
    ) -> bool:
        return bool(
            self._call(
                self.contract.functions.verifyTakeout(
                    to_checksum_address(token), number, member, amount, data_hash, proof
                )
            )
        )
