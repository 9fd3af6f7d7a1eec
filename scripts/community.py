"""Create a community token through the factory and record it in the deployment manifest."""

from __future__ import annotations

from brownie import CommunityFactory, CommunityToken

from scripts.manifest import save_manifest

E18 = 10**18


def create_community(
    manifest: dict,
    platform_admin,
    name: str,
    symbol: str,
    community_admin: str,
    token_admin: str,
    welcome_citizen: int,
    welcome_stakeholder: int,
    fee_bps: int,
):
    """Creates the community (or returns the existing one of that name) and saves it in the manifest."""
    factory = CommunityFactory.at(manifest["contracts"]["CommunityFactory"]["address"])
    existing = factory.communityByName(name)
    if int(existing, 16) != 0:
        return CommunityToken.at(existing)
    tx = factory.createCommunity(
        name,
        symbol,
        community_admin,
        token_admin,
        welcome_citizen,
        welcome_stakeholder,
        fee_bps,
        {"from": platform_admin},
    )
    token = CommunityToken.at(tx.return_value)
    manifest["communities"][name] = {
        "address": token.address,
        "symbol": symbol,
        "blockNumber": tx.block_number,
        "communityAdmin": str(community_admin),
        "tokenAdmin": str(token_admin),
    }
    save_manifest(manifest)
    return token
