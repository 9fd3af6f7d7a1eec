"""Whose data a wallet leads to: the person (the users holding the wallet) and their memberships in scope.

Without a community the scope is every membership of the person, whatever its wallet (one person may use
another wallet in another community); with one, only the membership of that community."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy import func, select

from oracle.db.schema import Community, Membership, User
from oracle.errors import OracleError
from oracle.members import wallet_problem


@dataclass
class Person:
    wallet: str  # checksummed, as asked
    users: list[User]
    memberships: list[Membership]  # in scope, oldest first
    communities: dict[int, Community]  # of the memberships in scope, by id
    community: Community | None  # the one asked for, None for every community


def checked_wallet(wallet: str) -> str:
    problem = wallet_problem((wallet or "").strip())
    if problem:
        raise OracleError(f"--wallet: {problem}")
    return to_checksum_address(wallet.strip())


def find_person(s, wallet: str, community_name: str | None = None) -> Person:
    """The person behind `wallet` (already checked) and their memberships in scope; OracleError for a wallet no
    membership holds, an unknown community, or a community the wallet is not a member of."""
    holding = list(
        s.scalars(select(Membership).where(func.lower(Membership.wallet) == wallet.lower()).order_by(Membership.id))
    )
    if not holding:
        raise OracleError(f"{wallet} is not a member of any community in the database: nothing to do")
    community = None
    if community_name is not None:
        community = s.scalar(select(Community).where(Community.name == community_name))
        if community is None:
            raise OracleError(f"no community named {community_name!r}")
        memberships = [m for m in holding if m.community_id == community.id]
        if not memberships:
            raise OracleError(f"{wallet} is not a member of {community_name!r} in the database: nothing to do")
    else:
        user_ids = sorted({m.user_id for m in holding})
        memberships = list(
            s.scalars(select(Membership).where(Membership.user_id.in_(user_ids)).order_by(Membership.id))
        )
    users = list(s.scalars(select(User).where(User.id.in_({m.user_id for m in memberships})).order_by(User.id)))
    ids = {m.community_id for m in memberships}
    communities = {c.id: c for c in s.scalars(select(Community).where(Community.id.in_(ids)))}
    return Person(wallet, users, memberships, communities, community)
