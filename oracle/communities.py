"""Communities: a row in PostgreSQL and a CommunityToken on-chain, created together and idempotently.

A new token commits no rewards until its Token Admin sets a per-epoch reward ceiling (it starts at 0, so
a stolen oracle key cannot escrow the treasury); `create_community` sets it, and sets it again when the
wanted ceiling differs from the chain's.
"""

from __future__ import annotations

from sqlalchemy import select

from oracle.chain.encoding import to_bytes32
from oracle.chain.transactions import send_recorded
from oracle.context import Context
from oracle.db.schema import Community
from oracle.errors import OracleError
from oracle.manifest import save_manifest
from oracle.units import tokens_to_base

MAX_FEE_BPS = 2000
MAX_NAME_BYTES = 31


def _default_symbol(name: str) -> str:
    letters = "".join(ch for ch in name.upper() if ch.isalnum())
    return letters[:5] or "LEC"


def _check_name_and_fee(name: str, fee_bps: int) -> str:
    name = name.strip()
    if not name:
        raise OracleError("a community needs a name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise OracleError(
            f"community name {name!r} is {len(name.encode('utf-8'))} bytes long: at most "
            f"{MAX_NAME_BYTES} bytes (UTF-8) fit the token's signing domain"
        )
    if not 0 <= fee_bps <= MAX_FEE_BPS:
        raise OracleError(f"--fee-bps {fee_bps} is out of range: 0..{MAX_FEE_BPS} (20 %)")
    return name


def create_community(
    ctx: Context,
    name: str,
    *,
    symbol: str | None = None,
    welcome_citizen: str = "100",
    welcome_stakeholder: str = "500",
    fee_bps: int = 100,
    endowment: str = "1000000",
    reward_ceiling: str = "100000",
) -> Community:
    """Creates the community (DB + token + funded treasury + per-epoch reward ceiling). Running it again
    finishes what is missing and brings the ceiling to `reward_ceiling`."""
    name = _check_name_and_fee(name, fee_bps)
    welcome = (
        tokens_to_base(welcome_citizen, "--welcome-citizen"),
        tokens_to_base(welcome_stakeholder, "--welcome-stakeholder"),
    )
    funds = tokens_to_base(endowment, "--endowment")
    ceiling = tokens_to_base(reward_ceiling, "--reward-ceiling")
    symbol = symbol or _default_symbol(name)
    chain = ctx.chain
    with ctx.session() as s:
        community = s.scalar(select(Community).where(Community.name == name))
        if community is None:
            community = Community(name=name, symbol=symbol, chain_id=chain.chain_id)
            s.add(community)
            s.flush()
        community_id = community.id
    token = _community_token(ctx, community_id, name, symbol, welcome, fee_bps, funds)
    if chain.call(token.functions.epochRewardCeiling()) != ceiling:
        send_recorded(
            ctx,
            token.functions.setEpochRewardCeiling(ceiling),
            "token_admin",
            "set_reward_ceiling",
            what="setEpochRewardCeiling",
            community_id=community_id,
            detail={"ceiling": str(ceiling)},
        )
    with ctx.session() as s:
        community = s.get(Community, community_id)
        community.token_address = token.address
        community.symbol = chain.call(token.functions.symbol())
    manifest = chain.manifest
    if name not in manifest["communities"]:
        roles = manifest["roles"]
        manifest["communities"][name] = {
            "address": token.address,
            "symbol": community.symbol,
            "communityAdmin": roles["communityAdmin"],
            "tokenAdmin": roles["tokenAdmin"],
        }
        save_manifest(manifest, ctx.settings.manifest_path.parent)
    return community


def _community_token(
    ctx: Context, community_id: int, name: str, symbol: str, welcome: tuple[int, int], fee_bps: int, funds: int
):
    """The community's token: created through the factory (and its treasury funded) when the chain has none."""
    chain = ctx.chain
    factory = chain.factory
    roles = chain.manifest["roles"]
    address = chain.call(factory.functions.communityByName(name))
    if int(address, 16) != 0:
        return chain.token(address)
    send_recorded(
        ctx,
        factory.functions.createCommunity(
            name, symbol, roles["communityAdmin"], roles["tokenAdmin"], *welcome, fee_bps
        ),
        "platform_admin",
        "create_community",
        what=f"createCommunity({name})",
        community_id=community_id,
    )
    token = chain.token(chain.call(factory.functions.communityByName(name)))
    if funds > 0:
        send_recorded(
            ctx,
            token.functions.fundTreasury(funds, to_bytes32("endowment")),
            "token_admin",
            "fund_treasury",
            what="fundTreasury",
            community_id=community_id,
        )
    return token


def get_community(ctx: Context, name: str) -> Community:
    with ctx.session() as s:
        community = s.scalar(select(Community).where(Community.name == name))
    if community is None:
        raise OracleError(f"no community named {name!r}: create it with `oracle community create {name!r}`")
    if community.token_address is None:
        raise OracleError(f"community {name!r} has no token yet: run `oracle community create {name!r}` again")
    return community
