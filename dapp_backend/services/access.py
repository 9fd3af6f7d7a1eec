"""Who may see what of a community (the roles are the chain's, read once per request into a Standing).

- Community aggregates (epochs, KPIs, the community's production): its active members, its community admin
  and token admin, the oracle admin, the platform admin and auditors.
- Personal data (a member's rewards, take-out files, readings): the member themself, the community's
  community admin and auditors; nobody else, other members included.
"""

from __future__ import annotations

from dapp_backend.services.errors import Forbidden
from dapp_backend.services.roles import AUDITOR, COMMUNITY_ADMIN, ORACLE_ADMIN, PLATFORM_ADMIN, TOKEN_ADMIN, Standing

PLATFORM_READERS = (ORACLE_ADMIN, PLATFORM_ADMIN, AUDITOR)


def may_see_community(held: Standing, token: str) -> bool:
    if any(held.has(role) for role in PLATFORM_READERS):
        return True
    if held.has(COMMUNITY_ADMIN, token) or held.has(TOKEN_ADMIN, token):
        return True
    standing = held.community(token)
    return standing is not None and standing.member


def require_community_reader(held: Standing, token: str) -> None:
    if not may_see_community(held, token):
        raise Forbidden(
            f"{held.address} is not a member of community {token} nor its community or token admin, an "
            "oracle admin, a platform admin or an auditor: only they see the community's epochs and "
            "energy"
        )


def may_see_member(held: Standing, token: str, member: str) -> bool:
    return held.address == member or held.has(COMMUNITY_ADMIN, token) or held.has(AUDITOR)


def require_personal_reader(held: Standing, token: str, member: str) -> None:
    if not may_see_member(held, token, member):
        raise Forbidden(
            f"{held.address} may not see the personal data of {member}: only the member themself, the "
            f"community admin of {token} or an auditor may"
        )
