"""Deploy the platform on the active network and write its deployment manifest.

    brownie run scripts/deploy.py --network lec-test     (or besu-local)

Deploys CommunityFactory, ModelRegistry, ConsumptionNotary and LightingCertification, wires the
roles (see scripts/roles.py) and writes deployments/<chainId>.json.
"""
from __future__ import annotations

from brownie import (
    CommunityFactory,
    CommunityToken,
    ConsumptionNotary,
    LightingCertification,
    ModelRegistry,
    chain,
    network,
)

from scripts.manifest import new_manifest, save_manifest
from scripts.roles import RoleAccounts, role_accounts


def _entry(contract, container) -> dict:
    return {"address": contract.address, "blockNumber": contract.tx.block_number, "abi": container.abi}


def deploy_platform(roles: RoleAccounts) -> dict:
    """Deploys and wires every platform contract; returns the manifest (not yet saved)."""
    admin = roles.platform_admin
    tx = {"from": admin}
    factory = CommunityFactory.deploy(admin, tx)
    registry = ModelRegistry.deploy(admin, roles.oracle_admin, tx)
    notary = ConsumptionNotary.deploy(admin, roles.oracle, factory, registry, tx)
    factory.setRewardDistributor(notary, tx)
    lighting = LightingCertification.deploy(admin, tx)

    manifest = new_manifest(chain.id, network.show_active(), admin.address, roles.as_manifest())
    manifest["contracts"] = {
        "CommunityFactory": _entry(factory, CommunityFactory),
        "ModelRegistry": _entry(registry, ModelRegistry),
        "ConsumptionNotary": _entry(notary, ConsumptionNotary),
        "LightingCertification": _entry(lighting, LightingCertification),
    }
    manifest["communityToken"] = {"abi": CommunityToken.abi}
    return manifest


def main():
    roles = role_accounts()
    manifest = deploy_platform(roles)
    path = save_manifest(manifest)
    print(f"Deployed on chain {manifest['chainId']} ({manifest['network']}); manifest: {path}")
    for name, entry in manifest["contracts"].items():
        print(f"  {name:<22} {entry['address']}")
    return manifest
