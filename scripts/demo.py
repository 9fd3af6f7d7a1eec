"""The main job for now: deploy the platform, create a demo community with members, show what happens.

    brownie run scripts/demo.py --network lec-dev

Steps: deploy → create "Borgo Solare" → fund its treasury → add six members (welcome bonuses) →
a service payment with fee and incentive → publish the self-consumption model → commit a reward
epoch (Merkle root over member, amount, data hash) → push the rewards → print balances.
The reward amounts here are illustrative; the oracle computes real ones from meter data.
"""
from __future__ import annotations

import secrets

from brownie import ZERO_ADDRESS, ConsumptionNotary, ModelRegistry, accounts, web3
from eth_utils import keccak

from oracle.merkle import reward_tree
from scripts.community import E18, create_community
from scripts.deploy import deploy_platform
from scripts.manifest import save_manifest
from scripts.roles import role_accounts

CITIZEN, STAKEHOLDER = 1, 2
CONSUMER, PROSUMER, PROSTORMER = 1, 2, 3
KIND = {CITIZEN: "citizen", STAKEHOLDER: "stakeholder"}
PROFILE = {CONSUMER: "consumer", PROSUMER: "prosumer", PROSTORMER: "prostormer"}


def b32(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def fmt(amount: int) -> str:
    return f"{amount / E18:,.2f}"


def main():
    roles = role_accounts()
    admin = roles.platform_admin
    oracle, oracle_admin = accounts.at(roles.oracle, force=True), accounts.at(roles.oracle_admin, force=True)
    community_admin = accounts.at(roles.community_admin, force=True)
    token_admin = accounts.at(roles.token_admin, force=True)

    print("1. Deploying the platform contracts")
    manifest = deploy_platform(roles)
    path = save_manifest(manifest)
    for name, entry in manifest["contracts"].items():
        print(f"   {name:<22} {entry['address']}")
    print(f"   manifest: {path}")

    print("2. Creating the community 'Borgo Solare' (welcome 100 / 500 BSOL, fee 1 %)")
    token = create_community(manifest, admin, "Borgo Solare", "BSOL", community_admin.address, token_admin.address,
                             100 * E18, 500 * E18, 100)
    token.fundTreasury(100_000 * E18, b32("initial endowment"), {"from": token_admin})
    print(f"   token {token.address}, treasury funded with {fmt(token.balanceOf(token))} BSOL")

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

    print("4. Anna pays Bruno 40 BSOL for bike repair (category 1, incentive 5 % to the provider)")
    token.setCategoryIncentive(1, 500, 1, {"from": token_admin})
    tx = token.payService(accounts[6], 40 * E18, 1, b32("bike repair"), ZERO_ADDRESS, 0, {"from": accounts[5]})
    fee, to_provider, _, incentive, _ = tx.events["ServicePaid"]["split"]
    print(f"   fee {fmt(fee)} to the treasury, Bruno receives {fmt(to_provider)} + incentive {fmt(incentive)}")

    print("5. Publishing the self-consumption model (alpha_consumer 1.0, alpha_producer 0.5 token/kWh)")
    registry = ModelRegistry.at(manifest["contracts"]["ModelRegistry"]["address"])
    model = b32("self_consumption")
    registry.publishVersion(model, [b32("alpha_consumer"), b32("alpha_producer")], [1_000_000, 500_000], 1,
                            {"from": oracle_admin})
    registry.setActiveModel(token, model, {"from": oracle_admin})

    print("6. Committing reward epoch 1 (October 2026) and pushing the rewards")
    notary = ConsumptionNotary.at(manifest["contracts"]["ConsumptionNotary"]["address"])
    rewards = [12 * E18, 31 * E18, 27 * E18, 9 * E18, 6 * E18, 18 * E18]
    leaves = [(account.address, amount, keccak(secrets.token_bytes(32) + f"readings of {label}".encode()))
              for (label, account, _, _), amount in zip(members, rewards)]
    tree = reward_tree(leaves)
    start, end = 1_790_812_800, 1_790_812_800 + 31 * 86_400
    commitment = (start, end, tree.root, model, 1, keccak(b"demo dataset"), len(leaves), sum(rewards))
    tx = notary.commitEpoch(token, 1, commitment, {"from": oracle})
    print(f"   root {tree.root_hex}  commit tx {tx.txid}")
    tx = notary.pushRewards(token, 1, [(*leaf, tree.proof(i)) for i, leaf in enumerate(leaves)], {"from": oracle})
    print(f"   paid {fmt(sum(rewards))} BSOL to {len(leaves)} members  push tx {tx.txid}")
    ok = notary.verifyTakeout(token, 1, *leaves[0], tree.proof(0))
    print(f"   take-out check of Anna's leaf on-chain: {'valid' if ok else 'INVALID'}")

    print("\nBalances (BSOL)")
    print(f"   {'member':<22} {'balance':>12}")
    for label, account, _, _ in members:
        print(f"   {label:<22} {fmt(token.balanceOf(account)):>12}")
    print(f"   {'treasury':<22} {fmt(token.balanceOf(token)):>12}")
    print(f"   {'total supply':<22} {fmt(token.totalSupply()):>12}")
    print(f"\nChain {web3.eth.chain_id}, block {web3.eth.block_number}. Manifest: {path}")
