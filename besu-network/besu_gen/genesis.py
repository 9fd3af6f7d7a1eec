"""The genesis file of the network (Besu's format, IBFT 2.0 or QBFT).

Values and why:
- chainId 1981, epochlength 30000, requesttimeoutseconds 10, difficulty 0x1, the BFT mixHash, a zero coinbase,
  nonce 0 and timestamp 0x58ee40ba: the seed's genesis (report 001 §4.2.3.1);
- blockperiodseconds 2 by default (the seed's 10 with --block-period 10);
- berlinBlock/londonBlock 0 and shanghaiTime/cancunTime 0: the contracts compile for Cancun (brownie-config
  evm_version); nothing later (Prague, Osaka) is enabled;
- zeroBaseFee true and baseFeePerGas 0: free gas (every node also runs with --min-gas-price=0); without an explicit
  baseFeePerGas Besu gives a London-at-0 genesis block a default 1 gwei base fee;
- gasLimit 100 000 000 (see GAS_LIMIT);
- the platform's accounts pre-funded (gas is free, but tools read balances).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .extradata import encode_extra_data

SEED_CHAIN_ID = 1981
EPOCH_LENGTH = 30000
REQUEST_TIMEOUT_SECONDS = 10
DEFAULT_BLOCK_PERIOD = 2
# "ctical byzantine fault tolerance" (the end of "practical ...", 32 bytes): the mixHash of Istanbul-family BFT blocks.
BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
SEED_TIMESTAMP = "0x58ee40ba"
# Block gas limit. The largest platform transactions: addMembers of 200 members with welcome bonuses 10 959 767 gas
# (README gas report, 2026-11-23), pushRewards of 200 fresh holders 5 998 648 and the largest deployment transaction
# 4 586 346 (tests/besu, on this genesis). 100 M holds a 200-member batch of either kind nine times over, and keeps a
# block's worst-case execution well inside a 2 s block period (Besu's free-gas page: set the limit close to what
# validators can process in the block time when blocks must arrive on time). The seed's 0x1fffffffffffff bounds nothing.
GAS_LIMIT = 100_000_000
PLATFORM_BALANCE_WEI = 1_000 * 10**18


@dataclass(frozen=True)
class ChainSettings:
    consensus: str = "ibft2"
    block_period: int = DEFAULT_BLOCK_PERIOD
    chain_id: int = SEED_CHAIN_ID


def build_genesis(settings: ChainSettings, validators: Sequence[bytes], funded: Sequence[str]) -> dict:
    """The genesis as a dict (json.dump it); `validators` are 20-byte addresses in extraData order,
    `funded` 0x addresses that start with PLATFORM_BALANCE_WEI."""
    bft = {
        "blockperiodseconds": settings.block_period,
        "epochlength": EPOCH_LENGTH,
        "requesttimeoutseconds": REQUEST_TIMEOUT_SECONDS,
    }
    return {
        "config": {
            "chainId": settings.chain_id,
            "berlinBlock": 0,
            "londonBlock": 0,
            "shanghaiTime": 0,
            "cancunTime": 0,
            "zeroBaseFee": True,
            settings.consensus: bft,
        },
        "nonce": "0x0",
        "timestamp": SEED_TIMESTAMP,
        "extraData": "0x" + encode_extra_data(settings.consensus, validators).hex(),
        "gasLimit": hex(GAS_LIMIT),
        "baseFeePerGas": "0x0",
        "difficulty": "0x1",
        "mixHash": BFT_MIX_HASH,
        "coinbase": "0x" + "00" * 20,
        "alloc": {address.lower().removeprefix("0x"): {"balance": hex(PLATFORM_BALANCE_WEI)} for address in funded},
    }
