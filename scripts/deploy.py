"""Deploy the platform on the active network and write its deployment manifest.

    brownie run scripts/deploy.py --network lec-test     (or besu-local)

Deploys CommunityTokenDeployer, CommunityFactory, ModelRegistry, ConsumptionNotary and
LightingCertification, wires them and the roles (see scripts/roles.py) and writes
deployments/<chainId>.json.

Time rules (seconds; environment overrides): LEC_CHALLENGE_WINDOW, the time after each commit during
which nothing is paid and the commit may be voided (development chains 0, otherwise 86 400 = 24 h);
LEC_MIN_NOTICE, the least time between publishing a reward-model change and the period it rules
(development chains 0, otherwise 604 800 = 7 days).
"""

from __future__ import annotations

import os

from brownie import (
    CommunityFactory,
    CommunityToken,
    CommunityTokenDeployer,
    ConsumptionNotary,
    LightingCertification,
    ModelRegistry,
    chain,
    network,
)

from scripts.manifest import new_manifest, save_manifest
from scripts.roles import RoleAccounts, is_development, role_accounts

PRODUCTION_CHALLENGE_WINDOW = 24 * 3600
PRODUCTION_MIN_NOTICE = 7 * 24 * 3600


class DeployConfigError(RuntimeError):
    pass


def _seconds(variable: str, default: int) -> int:
    text = os.environ.get(variable)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise DeployConfigError(f"{variable}={text!r} is not a whole number of seconds") from None
    if value < 0:
        raise DeployConfigError(f"{variable}={text!r} is negative")
    return value


def _entry(contract, container) -> dict:
    return {"address": contract.address, "blockNumber": contract.tx.block_number, "abi": container.abi}


def deploy_platform(roles: RoleAccounts, challenge_window: int | None = None, min_notice: int | None = None) -> dict:
    """Deploys and wires every platform contract; returns the manifest (not yet saved)."""
    development = is_development()
    if challenge_window is None:
        challenge_window = _seconds("LEC_CHALLENGE_WINDOW", 0 if development else PRODUCTION_CHALLENGE_WINDOW)
    if min_notice is None:
        min_notice = _seconds("LEC_MIN_NOTICE", 0 if development else PRODUCTION_MIN_NOTICE)
    admin = roles.platform_admin
    tx = {"from": admin}
    token_deployer = CommunityTokenDeployer.deploy(tx)
    factory = CommunityFactory.deploy(admin, token_deployer, tx)
    registry = ModelRegistry.deploy(admin, roles.oracle_admin, factory, min_notice, tx)
    notary = ConsumptionNotary.deploy(admin, roles.oracle, roles.reward_payer, factory, registry, challenge_window, tx)
    factory.setRewardDistributor(notary, tx)
    registry.setNotary(notary, tx)
    lighting = LightingCertification.deploy(admin, tx)

    manifest = new_manifest(chain.id, network.show_active(), admin.address, roles.as_manifest())
    manifest["contracts"] = {
        "CommunityTokenDeployer": _entry(token_deployer, CommunityTokenDeployer),
        "CommunityFactory": _entry(factory, CommunityFactory),
        "ModelRegistry": _entry(registry, ModelRegistry),
        "ConsumptionNotary": _entry(notary, ConsumptionNotary),
        "LightingCertification": _entry(lighting, LightingCertification),
    }
    manifest["communityToken"] = {"abi": CommunityToken.abi}
    manifest["settings"] = {"challengeWindow": challenge_window, "minNotice": min_notice}
    return manifest


def main():
    roles = role_accounts()
    manifest = deploy_platform(roles)
    path = save_manifest(manifest)
    print(f"Deployed on chain {manifest['chainId']} ({manifest['network']}); manifest: {path}")
    for name, entry in manifest["contracts"].items():
        print(f"  {name:<22} {entry['address']}")
    settings = manifest["settings"]
    print(f"  challenge window {settings['challengeWindow']} s, model-change notice {settings['minNotice']} s")
    return manifest
