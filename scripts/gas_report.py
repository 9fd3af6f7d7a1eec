"""Gas report of the operations members and the oracle pay for.

    brownie run scripts/gas_report.py --network lec-dev --silent

Prints a markdown table (the README keeps the latest one). Epoch trees have 1 000 leaves, so
proofs are 10 hashes deep; batch rows give the gas per member of one pushRewards call.
"""
from __future__ import annotations

from brownie import ZERO_ADDRESS, ConsumptionNotary, ModelRegistry, accounts
from eth_utils import keccak

from oracle.merkle import reward_tree
from scripts.community import E18, create_community
from scripts.deploy import deploy_platform
from scripts.roles import role_accounts

LEAVES = 1_000
BATCHES = (1, 50, 200)


def b32(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def main():
    roles = role_accounts()
    admin = roles.platform_admin
    community_admin, token_admin = accounts.at(roles.community_admin, force=True), accounts.at(roles.token_admin,
                                                                                               force=True)
    oracle, oracle_admin = accounts.at(roles.oracle, force=True), accounts.at(roles.oracle_admin, force=True)
    manifest = deploy_platform(roles)
    token = create_community(manifest, admin, "Gas Bench", "GAS", community_admin.address, token_admin.address,
                             100 * E18, 500 * E18, 100)
    token.fundTreasury(10**9 * E18, b32("bench"), {"from": token_admin})
    rows = []

    alice, bob, hall = accounts[5], accounts[6], accounts[9]
    tx = token.addMember(alice, 1, 1, {"from": community_admin})
    rows.append(("addMember (with welcome bonus)", tx.gas_used, ""))
    token.addMember(bob, 1, 2, {"from": community_admin})
    token.addMember(hall, 2, 2, {"from": community_admin})
    tx = token.transfer(bob, E18, {"from": alice})
    rows.append(("transfer member → member (1 % fee)", tx.gas_used, "both balances non-zero"))
    token.setCategoryIncentive(1, 500, 1, {"from": token_admin})
    tx = token.payService(bob, E18, 1, b32("svc"), ZERO_ADDRESS, 0, {"from": alice})
    rows.append(("payService, category 1 (fee + incentive)", tx.gas_used, ""))
    tx = token.payService(bob, E18, 2, b32("svc"), hall, 2000, {"from": alice})
    rows.append(("payService, category 2 (fee + structure share)", tx.gas_used, ""))

    registry = ModelRegistry.at(manifest["contracts"]["ModelRegistry"]["address"])
    notary = ConsumptionNotary.at(manifest["contracts"]["ConsumptionNotary"]["address"])
    model = b32("self_consumption")
    registry.publishVersion(model, [b32("alpha_consumer"), b32("alpha_producer")], [1_000_000, 500_000], 1,
                            {"from": oracle_admin})
    registry.setActiveModel(token, model, {"from": oracle_admin})

    paid_members = [accounts.add() for _ in range(1 + sum(BATCHES))]
    for first in range(0, len(paid_members), 100):
        batch = paid_members[first:first + 100]
        tx = token.addMembers(batch, [1] * len(batch), [1] * len(batch), {"from": community_admin})
        if first == 0:
            rows.append(("addMembers, batch of 100 (with welcome bonus)", tx.gas_used,
                         f"{tx.gas_used // 100:,} per member"))
    others = [accounts.add().address for _ in range(LEAVES - len(paid_members))]
    leaves = [(a.address if hasattr(a, "address") else a, 3 * E18, keccak(str(i).encode()))
              for i, a in enumerate(paid_members + others)]
    tree = reward_tree(leaves)
    total = sum(amount for _, amount, _ in leaves)
    tx = notary.commitEpoch(token, 1, (0, 2_678_400, tree.root, model, 1, keccak(b"ds"), LEAVES, total),
                            {"from": oracle})
    rows.append((f"commitEpoch ({LEAVES} leaves)", tx.gas_used, "constant in the number of leaves"))
    tx = notary.claim(token, 1, *leaves[0], tree.proof(0), {"from": alice})
    rows.append(("claim (proof of 10 hashes)", tx.gas_used, "first payment of the epoch: its counters start from zero"))
    cursor = 1
    for size in BATCHES:
        batch = [(*leaves[i], tree.proof(i)) for i in range(cursor, cursor + size)]
        tx = notary.pushRewards(token, 1, batch, {"from": oracle})
        rows.append((f"pushRewards, batch of {size}", tx.gas_used, f"{tx.gas_used // size:,} per member"))
        cursor += size

    print("\n| operation | gas | note |\n|---|---:|---|")
    for name, gas, note in rows:
        print(f"| {name} | {gas:,} | {note} |")
