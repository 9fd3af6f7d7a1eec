"""Gas report of the operations members, admins and the oracle pay for.

    brownie run scripts/gas_report.py --network lec-dev --silent

Prints a markdown table (the README keeps the latest one). The reward epoch has 10 000 leaves
(proofs 13–14 hashes deep), paid in pushRewards batches of 200 under one multiproof each; existing
holders already hold tokens (their welcome bonus), fresh holders hold none before their reward.
"Floor" is what no implementation of the same rule can avoid: the intrinsic 21 000 per transaction
(per member: its share of a batch), calldata, the cold reads and writes of the member's balance and
membership, the ERC-20 Transfer event.
"""

from __future__ import annotations

import time

from brownie import ZERO_ADDRESS, ConsumptionNotary, ModelRegistry, accounts, chain, web3
from eth_utils import keccak, to_checksum_address

from oracle.merkle import pack_leaves, reward_tree
from scripts.community import E18, create_community
from scripts.deploy import deploy_platform
from scripts.roles import role_accounts

LEAVES = 10_000
BATCH = 200
FRESH = range(9_000, 9_400)  # two batches of members who hold nothing before their reward
CLAIMED = range(9_984, 10_000)  # the last bitmap word is left to claims
CITIZEN, CONSUMER = 1, 1

# EIP-2929/2200/2028 costs that bound a reward payment from below
TX_BASE, COLD_SLOAD, SSTORE_DIRTY, SSTORE_FRESH = 21_000, 2_100, 2_900, 20_000
TRANSFER_LOG = 375 + 3 * 375 + 8 * 32


def send_raw(method, sender, *args) -> int:
    """Sends a large transaction through web3 and waits for its receipt (brownie's own confirmation
    loop sometimes reports 10-million-gas transactions on anvil as dropped); returns the gas used."""
    tx = {
        "from": sender.address,
        "to": method._address,
        "data": method.encode_input(*args),
        "gas": 29_000_000,
        "gasPrice": 0,
    }
    if hasattr(sender, "private_key"):  # a key of this session, not an account the node holds
        tx.update(nonce=web3.eth.get_transaction_count(sender.address), chainId=web3.eth.chain_id)
        signed = web3.eth.account.sign_transaction(tx, sender.private_key)
        tx_hash = web3.eth.send_raw_transaction(signed.raw_transaction)
    else:
        tx_hash = web3.eth.send_transaction(tx)
    receipt = web3.eth.wait_for_transaction_receipt(tx_hash, timeout=300)
    if receipt["status"] != 1:
        raise RuntimeError(f"{method._name} reverted")
    return receipt["gasUsed"]


def b32(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def calldata_gas(data: bytes) -> int:
    return sum(16 if byte else 4 for byte in data)


def payment_floor(packed_leaf: bytes, fresh: bool) -> int:
    """Per member of a batch of BATCH: its calldata, its share of the intrinsic gas, a cold membership
    read, a cold balance read and write, the Transfer event."""
    balance = COLD_SLOAD + (SSTORE_FRESH if fresh else SSTORE_DIRTY)
    return calldata_gas(packed_leaf) + TX_BASE // BATCH + COLD_SLOAD + balance + TRANSFER_LOG


def claim_floor(calldata: bytes, fresh_word: bool) -> int:
    """A claim: intrinsic gas and calldata, a cold call to the token, cold reads of the epoch's root and
    totals, the bitmap word, the pause flag, the membership, both balances; their writes; the Transfer."""
    writes = SSTORE_DIRTY * 4 + ((SSTORE_FRESH - SSTORE_DIRTY) if fresh_word else 0)
    return TX_BASE + calldata_gas(calldata) + 2_600 + 7 * COLD_SLOAD + writes + TRANSFER_LOG


def main():
    started = time.time()
    roles = role_accounts()
    admin = roles.platform_admin
    community_admin, token_admin = (
        accounts.at(roles.community_admin, force=True),
        accounts.at(roles.token_admin, force=True),
    )
    oracle, oracle_admin = accounts.at(roles.oracle, force=True), accounts.at(roles.oracle_admin, force=True)
    payer = accounts.at(roles.reward_payer, force=True)
    manifest = deploy_platform(roles)
    token = create_community(
        manifest, admin, "Gas Bench", "GAS", community_admin.address, token_admin.address, 100 * E18, 500 * E18, 100
    )
    token.fundTreasury(10**9 * E18, b32("bench"), {"from": token_admin})
    token.setEpochRewardCeiling(10**9 * E18, {"from": token_admin})
    rows = []

    alice, bob, hall = accounts[5], accounts[6], accounts[9]
    tx = token.addMember(alice, 1, 1, {"from": community_admin})
    rows.append(("addMember (with welcome bonus)", tx.gas_used, "", ""))
    token.addMember(bob, 1, 2, {"from": community_admin})
    token.addMember(hall, 2, 2, {"from": community_admin})
    tx = token.transfer(bob, E18, {"from": alice})
    rows.append(("transfer member → member (1 % fee)", tx.gas_used, "", "both balances non-zero"))
    token.setCategoryIncentive(1, 500, 1, {"from": token_admin})
    token.approveServiceIncentive(b32("svc-1"), alice, bob, 1, 10 * E18, {"from": community_admin})
    tx = token.payService(bob, E18, 1, b32("svc-1"), ZERO_ADDRESS, 0, 100, {"from": alice})
    rows.append(("payService, category 1 (fee + approved incentive)", tx.gas_used, "", "uses up the approval"))
    tx = token.payService(bob, E18, 2, b32("svc-2"), hall, 2000, 100, {"from": alice})
    rows.append(("payService, category 2 (fee + structure share)", tx.gas_used, "", "no incentive approved"))

    registry = ModelRegistry.at(manifest["contracts"]["ModelRegistry"]["address"])
    notary = ConsumptionNotary.at(manifest["contracts"]["ConsumptionNotary"]["address"])
    model = b32("self_consumption")
    registry.publishVersion(
        token, model, [b32("alpha_consumer"), b32("alpha_producer")], [1_000_000, 500_000], 0, {"from": oracle_admin}
    )
    registry.setActiveModel(token, model, 0, {"from": oracle_admin})

    # addresses only: anyone may send a claim, so no member needs a key here
    members = [to_checksum_address(keccak(f"gas-bench-member-{i}".encode())[:20]) for i in range(LEAVES)]
    send_raw(token.setWelcomeBonus, token_admin, CITIZEN, E18)
    for fresh in (False, True):
        if fresh:
            send_raw(token.setWelcomeBonus, token_admin, CITIZEN, 0)
        for first in range(0, LEAVES, BATCH):
            if (first in FRESH) != fresh:
                continue
            batch = members[first : first + BATCH]
            gas_used = send_raw(
                token.addMembers, community_admin, batch, [CITIZEN] * len(batch), [CONSUMER] * len(batch)
            )
            if first == 0:
                rows.append(
                    (
                        f"addMembers, batch of {BATCH} (with welcome bonus)",
                        gas_used,
                        "",
                        f"{gas_used // BATCH:,} per member",
                    )
                )
    leaves = [(m, 3 * E18 + i, keccak(str(i).encode())) for i, m in enumerate(members)]
    tree = reward_tree(leaves)
    values = tree.values()
    total = sum(amount for _, amount, _ in leaves)
    period_end = chain.time() - 60
    gas_used = send_raw(
        notary.commitEpoch,
        oracle,
        token,
        1,
        (period_end - 2_678_400, period_end, tree.root, model, 1, keccak(b"ds"), LEAVES, total),
    )
    rows.append((f"commitEpoch ({LEAVES:,} leaves)", gas_used, "", "constant in the number of leaves"))

    existing_gas, fresh_gas = [], []
    pushed = [i for i in range(LEAVES) if i not in CLAIMED]
    for first in range(0, len(pushed), BATCH):
        indexes = pushed[first : first + BATCH]
        proof = tree.multiproof(indexes)
        gas_used = send_raw(
            notary.pushRewards, payer, token, 1, pack_leaves(proof.values), proof.proof, proof.proof_flags
        )
        per_member = gas_used / len(indexes)
        (fresh_gas if indexes[0] in FRESH else existing_gas).append(per_member)
    packed = pack_leaves([values[0]])
    rows.append(
        (
            f"pushRewards, batches of {BATCH}, existing holders",
            round(sum(existing_gas) / len(existing_gas)),
            payment_floor(packed, False),
            f"per member; worst batch {max(existing_gas):,.0f}; {len(existing_gas)} batches",
        )
    )
    rows.append(
        (
            f"pushRewards, batches of {BATCH}, fresh holders",
            round(sum(fresh_gas) / len(fresh_gas)),
            payment_floor(packed, True),
            f"per member; worst batch {max(fresh_gas):,.0f}",
        )
    )

    first, second = CLAIMED[6], CLAIMED[7]
    for index, fresh_word in ((first, True), (second, False)):
        args = (token, 1, *values[index], tree.proof(index))
        gas_used = send_raw(notary.claim, alice, *args)
        calldata = bytes.fromhex(notary.claim.encode_input(*args)[2:])
        label = "first of its 256-index bitmap word" if fresh_word else "bitmap word already started"
        rows.append(
            (
                f"claim, {label} (proof of {len(tree.proof(index))} hashes)",
                gas_used,
                claim_floor(calldata, fresh_word),
                "the word's storage slot is created" if fresh_word else "",
            )
        )

    # a commit of one leaf beside the one of 10,000: the commit does not grow with the leaves
    gas_used = send_raw(
        notary.commitEpoch,
        oracle,
        token,
        2,
        (period_end, period_end + 30, reward_tree(leaves[:1]).root, model, 1, keccak(b"ds2"), 1, 3 * E18),
    )
    rows.append(
        ("commitEpoch (1 leaf, the community's 2nd epoch)", gas_used, "", "its epoch counter and escrow already exist")
    )

    # a revision of epoch 1 after a correction: every 10th member 1 token higher, the others unchanged
    topped = set(range(0, LEAVES, 10))
    revision_leaves = [(m, E18 if i in topped else 0, keccak(f"corrected {i}".encode())) for i, m in enumerate(members)]
    revision_tree = reward_tree(revision_leaves)
    extra = len(topped) * E18
    revision = (revision_tree.root, keccak(b"corrected ds"), LEAVES, extra, total + extra, keccak(b"DSO correction"))
    gas_used = send_raw(notary.commitRevision, oracle, token, 1, 1, revision)
    rows.append((f"commitRevision ({LEAVES:,} leaves)", gas_used, "", "constant in the number of leaves"))
    revision_gas = []
    ordered = sorted(topped)
    for first in range(0, len(ordered), BATCH):
        indexes = ordered[first : first + BATCH]
        proof = revision_tree.multiproof(indexes)
        gas_used = send_raw(
            notary.pushRevisionRewards, payer, token, 1, 1, pack_leaves(proof.values), proof.proof, proof.proof_flags
        )
        revision_gas.append(gas_used / len(indexes))
    rows.append(
        (
            f"pushRevisionRewards, batches of {BATCH} top-ups, existing holders",
            round(sum(revision_gas) / len(revision_gas)),
            payment_floor(pack_leaves([revision_tree.values()[0]]), False),
            f"per member; {len(topped):,} top-ups (every 10th leaf), so a multiproof spans 10 leaves per top-up",
        )
    )

    print("\n| operation | gas | floor | note |\n|---|---:|---:|---|")
    for name, gas, floor, note in rows:
        floor_text = f"{floor:,}" if floor else ""
        print(f"| {name} | {gas:,} | {floor_text} | {note} |")
    print(f"\n({time.time() - started:.0f} s)")
