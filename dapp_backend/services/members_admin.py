"""The members of a community as its administrators see them: the oracle's records (the name, decrypted)
joined with the chain's register (kind, profile, active) and balances, read in one batch of calls.

Who: the community's Community Admin and Token Admin (the contract's roles on the token). Not the Platform
Admin: the list holds personal data (names) that only the community's own administrators need; a Platform
Admin who must see it grants themself the community's role on-chain, which the chain records.

Which wallets: every membership the oracle's database holds (imported with `oracle members import`) and every
account the token's MemberAdded events name (a Community Admin adds members in the browser, on-chain only,
so those have no name here). Ordered by address, like the epochs' leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import is_address, to_checksum_address
from sqlalchemy import select

from dapp_backend.services.errors import NotFound
from dapp_backend.services.pagination import paginate
from dapp_backend.services.roles import KIND_NAMES, PROFILE_NAMES
from oracle.chain.client import MemberInfo
from oracle.context import Context
from oracle.db.schema import Community, Membership, User


@dataclass(frozen=True)
class CommunityRecord:
    id: int
    name: str
    token: str  # checksummed
    created_at: object


def community_of(ctx: Context, token: str) -> CommunityRecord:
    """The community whose token is `token` on this platform's chain; NotFound otherwise."""
    if not isinstance(token, str) or not is_address(token):
        raise NotFound(f"{token!r} is not the address of a community token", "token")
    token = to_checksum_address(token)
    with ctx.session() as s:
        row = s.scalar(
            select(Community).where(
                Community.token_address == token, Community.chain_id == ctx.settings.effective_chain_id
            )
        )
        if row is None:
            raise NotFound(f"{token} is not the token of a community of this platform", "token")
        return CommunityRecord(row.id, row.name, token, row.created_at)


def community_members(ctx: Context, token: str, query_args: dict) -> dict:
    """One page of the community's members: wallet, kind, profile, active, balance, name."""
    from dapp_backend.services.activity import member_added_accounts

    community = community_of(ctx, token)
    names = _names_by_wallet(ctx, community.id)
    wallets = sorted(set(names) | set(member_added_accounts(ctx, community)), key=lambda w: int(w, 16))
    offset, limit, envelope = paginate(query_args, len(wallets))
    page = wallets[offset : offset + limit]
    contract = ctx.chain.token(community.token)
    calls = [fn for w in page for fn in (contract.functions.memberInfo(w), contract.functions.balanceOf(w))]
    results = ctx.chain.call_many(calls)
    items = [
        _member(w, MemberInfo.decode(results[2 * i]), int(results[2 * i + 1]), names.get(w)) for i, w in enumerate(page)
    ]
    return {**envelope, "items": items}


def _member(wallet: str, info: MemberInfo, balance: int, name: str | None) -> dict:
    return {
        "wallet": wallet,
        "kind": KIND_NAMES.get(info.kind),
        "profile": PROFILE_NAMES.get(info.profile),
        "active": info.active,
        "balance": str(balance),
        "name": name,
    }


def _names_by_wallet(ctx: Context, community_id: int) -> dict[str, str | None]:
    """Every wallet the database knows in the community, with its holder's name (None once forgotten)."""
    with ctx.session() as s:
        rows = s.execute(
            select(Membership.wallet, User.name_enc, User.forgotten_at)
            .join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community_id)
        ).all()
    if not rows:
        return {}
    cipher = ctx.cipher
    return {
        to_checksum_address(wallet): None if forgotten else cipher.decrypt_or_none(name)
        for wallet, name, forgotten in rows
    }
