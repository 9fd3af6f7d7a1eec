"""Who an address is on the platform: its roles and communities, read from the chain (the system of record)
and, for auditors only, from the database (see services/auditors.py).

Role names: platform_admin (PLATFORM_ADMIN on the factory), oracle_admin (ORACLE_ADMIN on the registry),
community_admin and token_admin (COMMUNITY_ADMIN / TOKEN_ADMIN on a community's token), auditor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils import keccak, to_checksum_address
from sqlalchemy import select

from dapp_backend.services.auditors import is_auditor
from oracle.chain.client import MemberInfo
from oracle.context import Context
from oracle.db.schema import Community
from oracle.members import KINDS, PROFILES

PLATFORM_ADMIN = "platform_admin"
ORACLE_ADMIN = "oracle_admin"
COMMUNITY_ADMIN = "community_admin"
TOKEN_ADMIN = "token_admin"
AUDITOR = "auditor"
ROLES = (PLATFORM_ADMIN, ORACLE_ADMIN, COMMUNITY_ADMIN, TOKEN_ADMIN, AUDITOR)
COMMUNITY_ROLES = (COMMUNITY_ADMIN, TOKEN_ADMIN)

ROLE_ID = {name: keccak(text=name.upper()) for name in (PLATFORM_ADMIN, ORACLE_ADMIN, COMMUNITY_ADMIN, TOKEN_ADMIN)}
KIND_NAMES = {number: name for name, number in KINDS.items()}
PROFILE_NAMES = {number: name for name, number in PROFILES.items()}


@dataclass(frozen=True)
class CommunityStanding:
    name: str
    token: str
    member: bool
    kind: str | None  # None: never a member of this community
    profile: str | None
    balance: int  # base units
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Standing:
    address: str
    platform_roles: frozenset[str]
    communities: tuple[CommunityStanding, ...] = field(default=())

    @property
    def roles(self) -> list[str]:
        held = set(self.platform_roles) | {r for c in self.communities for r in c.roles}
        return [role for role in ROLES if role in held]

    def has(self, role: str, token: str | None = None) -> bool:
        """Whether the address holds `role`; a community role on `token` when given, on any community if not."""
        if role not in COMMUNITY_ROLES:
            return role in self.platform_roles
        return any(role in c.roles for c in self.communities if token is None or c.token == token)

    def community(self, token: str) -> CommunityStanding | None:
        return next((c for c in self.communities if c.token == token), None)


def communities(ctx: Context) -> list[tuple[str, str]]:
    """(name, checksummed token) of every community with a token on this platform's chain, by name."""
    with ctx.session() as s:
        rows = s.execute(
            select(Community.name, Community.token_address)
            .where(Community.token_address.is_not(None), Community.chain_id == ctx.settings.effective_chain_id)
            .order_by(Community.name)
        ).all()
    return [(name, to_checksum_address(token)) for name, token in rows]


def standing(ctx: Context, address: str) -> Standing:
    """Roles and communities of `address`, in one batch of chain calls."""
    address = to_checksum_address(address)
    chain = ctx.chain
    known = communities(ctx)
    calls = [
        (chain.factory, "hasRole", ROLE_ID[PLATFORM_ADMIN], address),
        (chain.registry, "hasRole", ROLE_ID[ORACLE_ADMIN], address),
    ]
    for _name, token in known:
        contract = chain.token(token)
        calls += [
            (contract, "memberInfo", address),
            (contract, "balanceOf", address),
            (contract, "hasRole", ROLE_ID[COMMUNITY_ADMIN], address),
            (contract, "hasRole", ROLE_ID[TOKEN_ADMIN], address),
        ]
    results = chain.read_many(calls)  # read on every request, never cached: a revoked role is gone at once
    platform = {role for role, held in zip((PLATFORM_ADMIN, ORACLE_ADMIN), results[:2]) if held}
    if is_auditor(ctx, address):
        platform.add(AUDITOR)
    per_community = [results[2 + 4 * i : 6 + 4 * i] for i in range(len(known))]
    return Standing(
        address,
        frozenset(platform),
        tuple(_community(name, token, found) for (name, token), found in zip(known, per_community)),
    )


def _community(name: str, token: str, results) -> CommunityStanding:
    info_raw, balance, community_admin, token_admin = results
    info = MemberInfo.decode(info_raw)
    roles = tuple(role for role, held in ((COMMUNITY_ADMIN, community_admin), (TOKEN_ADMIN, token_admin)) if held)
    return CommunityStanding(
        name=name,
        token=token,
        member=info.active,
        kind=KIND_NAMES.get(info.kind),
        profile=PROFILE_NAMES.get(info.profile),
        balance=int(balance),
        roles=roles,
    )
