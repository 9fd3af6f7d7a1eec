"""The contracts alone, end to end: deploy the platform, create a demo community with members, show what happens.

    brownie run scripts/demo.py --network lec-dev

Steps: deploy → create "Borgo Solare" → fund its treasury and set its per-epoch reward ceiling → add six
members (welcome bonuses) → a service payment with fee and an approved incentive → publish the
self-consumption model for the community → commit a reward epoch over the last whole month (Merkle root
over index, member, amount, data hash; the total moves into escrow) → a member leaves → push the rewards
under one multiproof (the leaver is skipped, the leaf stays claimable) → the leaver rejoins and the leaf is
claimed → print balances. The reward amounts here are illustrative; the oracle computes real ones from
meter data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from brownie import ZERO_ADDRESS, ConsumptionNotary, ModelRegistry, accounts, chain, web3
from eth_utils import keccak

from oracle.merkle import pack_leaves, reward_tree
from scripts.community import E18, create_community
from scripts.deploy import deploy_platform
from scripts.manifest import save_manifest
from scripts.roles import role_accounts

CITIZEN, STAKEHOLDER = 1, 2
CONSUMER, PROSUMER, PROSTORMER = 1, 2, 3
KIND = {CITIZEN: "citizen", STAKEHOLDER: "stakeholder"}
PROFILE = {CONSUMER: "consumer", PROSUMER: "prosumer", PROSTORMER: "prostormer"}
C2C = 1  # service category 1: a citizen pays a citizen
MAX_FEE_BPS = 100  # the fee a payer accepts


def b32(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def fmt(amount: int) -> str:
    return f"{amount / E18:,.2f}"


def last_whole_month(now: int) -> tuple[int, int]:
    """[first of the previous month, first of this month), UTC, as unix seconds: a period that is over."""
    today = datetime.fromtimestamp(now, UTC)
    end = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = end.replace(year=end.year - 1, month=12) if end.month == 1 else end.replace(month=end.month - 1)
    return int(start.timestamp()), int(end.timestamp())


def main():
    roles = role_accounts()
    admin = roles.platform_admin
    oracle, oracle_admin = accounts.at(roles.oracle, force=True), accounts.at(roles.oracle_admin, force=True)
    payer = accounts.at(roles.reward_payer, force=True)
    community_admin = accounts.at(roles.community_admin, force=True)
    token_admin = accounts.at(roles.token_admin, force=True)

    print("1. Deploying the platform contracts")
    manifest = deploy_platform(roles)
    path = save_manifest(manifest)
    for name, entry in manifest["contracts"].items():
        print(f"   {name:<22} {entry['address']}")
    settings = manifest["settings"]
    print(f"   challenge window {settings['challengeWindow']} s, model-change notice {settings['minNotice']} s")
    print(f"   manifest: {path}")

    print("2. Creating the community 'Borgo Solare' (welcome 100 / 500 BSOL, fee 1 %)")
    token = create_community(
        manifest, admin, "Borgo Solare", "BSOL", community_admin.address, token_admin.address, 100 * E18, 500 * E18, 100
    )
    token.fundTreasury(100_000 * E18, b32("initial endowment"), {"from": token_admin})
    token.setEpochRewardCeiling(1_000 * E18, {"from": token_admin})
    print(
        f"   token {token.address}, treasury funded with {fmt(token.balanceOf(token))} BSOL, "
        f"reward ceiling {fmt(token.epochRewardCeiling())} BSOL per epoch"
    )

    members = [
        ("Anna (citizen)", accounts[5], CITIZEN, CONSUMER),
        ("Bruno (citizen)", accounts[6], CITIZEN, PROSUMER),
        ("Chiara (citizen)", accounts[7], CITIZEN, PROSTORMER),
        ("Dario (citizen)", accounts.add(secrets.token_hex(32)), CITIZEN, CONSUMER),
        ("Bottega Verde (shop)", accounts[8], STAKEHOLDER, CONSUMER),
        ("Sala Civica (hall)", accounts[9], STAKEHOLDER, PROSUMER),
    ]
    print("3. Adding members (each gets the welcome bonus of its kind once)")
    for label, account, kind, profile in members:
        token.addMember(account, kind, profile, {"from": community_admin})
        print(f"   {label:<22} {KIND[kind]:<11} {PROFILE[profile]:<10} {account.address}")

    print("4. Anna pays Bruno 40 BSOL for bike repair (category 1; the Community Admin approved a 5 % incentive)")
    token.setCategoryIncentive(C2C, 500, 1, {"from": token_admin})
    ref = b32("bike repair")
    token.approveServiceIncentive(ref, accounts[5], accounts[6], C2C, 40 * E18, {"from": community_admin})
    tx = token.payService(accounts[6], 40 * E18, C2C, ref, ZERO_ADDRESS, 0, MAX_FEE_BPS, {"from": accounts[5]})
    fee, to_provider, _, incentive, _ = tx.events["ServicePaid"]["split"]
    print(f"   fee {fmt(fee)} to the treasury, Bruno receives {fmt(to_provider)} + incentive {fmt(incentive)}")

    print(
        "5. Publishing the self-consumption model for the community (alpha_consumer 1.0, alpha_producer 0.5 "
        "token/kWh), effective from the start"
    )
    registry = ModelRegistry.at(manifest["contracts"]["ModelRegistry"]["address"])
    model = b32("self_consumption")
    registry.publishVersion(
        token, model, [b32("alpha_consumer"), b32("alpha_producer")], [1_000_000, 500_000], 0, {"from": oracle_admin}
    )
    registry.setActiveModel(token, model, 0, {"from": oracle_admin})

    start, end = last_whole_month(chain.time())
    period = f"{datetime.fromtimestamp(start, UTC):%B %Y}"
    print(f"6. Committing reward epoch 1 ({period}) as the oracle: the total moves from the treasury into escrow")
    notary = ConsumptionNotary.at(manifest["contracts"]["ConsumptionNotary"]["address"])
    rewards = [12 * E18, 31 * E18, 27 * E18, 9 * E18, 6 * E18, 18 * E18]
    leaves = [
        (account.address, amount, keccak(secrets.token_bytes(32) + f"readings of {label}".encode()))
        for (label, account, _, _), amount in zip(members, rewards)
    ]
    tree = reward_tree(leaves)  # leaf i = (i, member, amount, dataHash), unsorted
    commitment = (start, end, tree.root, model, 1, keccak(b"demo dataset"), len(leaves), sum(rewards))
    tx = notary.commitEpoch(token, 1, commitment, {"from": oracle})
    print(f"   root {tree.root_hex}  commit tx {tx.txid}")
    payable_at = datetime.fromtimestamp(notary.getEpoch(token, 1)["payableAt"], UTC)
    print(
        f"   payable from {payable_at.isoformat()} (after the challenge window), escrow "
        f"{fmt(token.rewardReserve())} BSOL"
    )

    dario = members[3][1]
    print("7. Dario leaves the community; the reward payer pushes all six leaves under one multiproof")
    token.removeMember(dario, {"from": community_admin})
    proof = tree.multiproof(list(range(len(leaves))))
    tx = notary.pushRewards(token, 1, pack_leaves(proof.values), proof.proof, proof.proof_flags, {"from": payer})
    pushed = tx.events["RewardsPushed"]
    skipped = [(e["member"], e["index"]) for e in tx.events["RewardSkipped"]] if "RewardSkipped" in tx.events else []
    print(
        f"   paid {fmt(pushed['paidAmount'])} BSOL to {pushed['paidCount']} members, skipped {skipped}  "
        f"push tx {tx.txid}"
    )

    print("8. Dario rejoins (no second welcome bonus); anyone may send his claim, the tokens go to him")
    token.addMember(dario, CITIZEN, CONSUMER, {"from": community_admin})
    index = 3
    notary.claim(token, 1, *tree.values()[index], tree.proof(index), {"from": admin})
    print(
        f"   epoch 1 paid {fmt(notary.getEpoch(token, 1)['paidTotal'])} of {fmt(sum(rewards))} BSOL, "
        f"escrow left {fmt(token.rewardReserve())}"
    )
    ok = notary.verifyTakeout(token, 1, *tree.values()[0], tree.proof(0))
    print(f"   take-out check of Anna's leaf on-chain: {'valid' if ok else 'INVALID'}")

    print("\nBalances (BSOL)")
    print(f"   {'member':<22} {'balance':>12}")
    for label, account, _, _ in members:
        print(f"   {label:<22} {fmt(token.balanceOf(account)):>12}")
    print(f"   {'treasury':<22} {fmt(token.balanceOf(token)):>12}")
    print(f"   {'total supply':<22} {fmt(token.totalSupply()):>12}")
    print(f"\nChain {web3.eth.chain_id}, block {web3.eth.block_number}. Manifest: {path}")
