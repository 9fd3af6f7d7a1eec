"""Who is asking: the signed-in address (from the session cookie) and its roles (from the chain, once per
request, cached in flask.g). Decorators answer JSON 401 (not signed in) and 403 (wrong role), never redirects.

    @blp.route("/<token>/members")
    @require_role("community_admin")      # on the community of the URL's <token>
    def members(token): ...
"""

from __future__ import annotations

import time
from functools import wraps

from eth_utils import is_address, to_checksum_address
from flask import current_app, g, session

from dapp_backend.context import lec
from dapp_backend.services import signin
from dapp_backend.services.errors import Forbidden, NotFound, NotSignedIn
from dapp_backend.services.roles import COMMUNITY_ROLES, ROLES, Standing, standing

SESSION_ADDRESS = "address"
SIGNED_IN_AT = "signed_in_at"  # unix seconds of the sign-in
SIGN_IN_RECORD = "sign_in"  # the id of the sign-in's consumed nonce (services/signin.py)

__all__ = [
    "current_address",
    "current_standing",
    "require_role",
    "require_signed_in",
    "sign_in_session",
    "sign_out_session",
]


def current_address() -> str | None:
    """The checksummed address signed in on this session, or None: also once it is older than the session
    lifetime (the cookie is renewed by every request, its sign-in is not) or signed out (a copy of the cookie
    taken before is dead)."""
    if "lec_address" not in g:
        g.lec_address = session.get(SESSION_ADDRESS) if _session_stands() else None
    return g.lec_address


def _session_stands() -> bool:
    signed_in_at, record = session.get(SIGNED_IN_AT), session.get(SIGN_IN_RECORD)
    if not isinstance(signed_in_at, int) or not isinstance(record, int):
        return False
    if time.time() - signed_in_at > current_app.permanent_session_lifetime.total_seconds():
        return False
    return signin.session_is_open(lec(), record)


def sign_in_session(address: str, record: int) -> None:
    session.clear()  # a new session for the new identity (nothing of an earlier one, its CSRF token included)
    session.permanent = True
    session[SESSION_ADDRESS] = address
    session[SIGNED_IN_AT] = int(time.time())
    session[SIGN_IN_RECORD] = record
    g.pop("lec_address", None)


def sign_out_session() -> None:
    if isinstance(session.get(SIGN_IN_RECORD), int):
        signin.close_session(lec(), session[SIGN_IN_RECORD])
    session.clear()
    g.pop("lec_address", None)


def current_standing() -> Standing:
    """Roles and communities of the signed-in address (asked of the chain once per request)."""
    address = current_address()
    if address is None:
        raise NotSignedIn("sign in first (Sign-In with Ethereum: GET /api/auth/nonce, then POST /api/auth/login)")
    if "lec_standing" not in g:
        g.lec_standing = standing(lec(), address)
    return g.lec_standing


def require_signed_in(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_address() is None:
            current_standing()  # raises NotSignedIn
        return view(*args, **kwargs)

    return wrapped


def _token_of(kwargs: dict) -> str | None:
    token = kwargs.get("token")
    if token is None:
        return None
    if not is_address(token):
        raise NotFound(f"{token!r} is not the address of a community token", "token")
    return to_checksum_address(token)


def require_role(*roles: str):
    """Lets the request through when the signed-in address holds any of `roles`. A community role
    (community_admin, token_admin) counts on the community of the URL's <token> when the route has one,
    on any community otherwise."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}: choose from {ROLES}")

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            held = current_standing()
            token = _token_of(kwargs)
            if not any(held.has(role, token if role in COMMUNITY_ROLES else None) for role in roles):
                where = f" of community {token}" if token and set(roles) & set(COMMUNITY_ROLES) else ""
                raise Forbidden(f"{held.address} is not {' or '.join(roles)}{where}")
            return view(*args, **kwargs)

        return wrapped

    return decorate
