"""A member's own data (GDPR access and portability) and their requests to be forgotten, which the community's
Community Admin confirms or rejects. The work is the oracle's (oracle.privacy); this module decides who may ask.

- My data, my request: the member themself only (not the community admin, not an auditor: these are the
  member's own rights, exercised by the wallet that signs in).
- The requests of a community, confirm, reject: its Community Admin only (the chain's COMMUNITY_ADMIN on the
  token), never on their own request: forgetting is decided by someone other than the person who asked.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from dapp_backend.services.communities import find_community, member_address
from dapp_backend.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from dapp_backend.services.pagination import paginate
from dapp_backend.services.rewards import require_known_member
from dapp_backend.services.roles import COMMUNITY_ADMIN, Standing
from oracle.context import Context
from oracle.db.schema import Community
from oracle.instants import iso
from oracle.privacy.export import export_member
from oracle.privacy.requests import (
    confirm_erasure_request,
    list_erasure_requests,
    reject_erasure_request,
    request_erasure,
)

MAX_TEXT = 2000  # characters of a reason or a note
STATUSES = ("pending", "confirmed", "rejected")


def own_request(ctx: Context, held: Standing, token: str, member: str) -> tuple[Community, str]:
    """The community and the checksummed member once `held` is that member (404, 400, 403)."""
    community = find_community(ctx, token)
    member = member_address(member)
    if held.address != member:
        raise Forbidden(f"{held.address} may not act for {member}: only the member themself may, signed in with it")
    return community, member


def file_name(community_name: str, member: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", community_name.lower()).strip("-") or "community"
    return f"lec-my-data-{slug}-{member}.json"


def my_data(ctx: Context, held: Standing, token: str, member: str) -> tuple[dict, str]:
    """Everything the platform holds about the member in the community, and the file name to save it under."""
    community, member = own_request(ctx, held, token, member)
    require_known_member(ctx, community, member)  # an erased member stays known: their export says nothing is left
    return export_member(ctx, member, community.name), file_name(community.name, member)


def _text(value, field: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"{field}: {what}", field)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{field}: at most {MAX_TEXT} characters, not {len(text)}", field)
    return text


def _requests_of(ctx: Context, community: Community, member: str, status: str | None) -> list[dict]:
    return [r for r in list_erasure_requests(ctx, community.name, status) if member_address(r["wallet"]) == member]


def ask_to_be_forgotten(ctx: Context, held: Standing, token: str, member: str, reason) -> dict:
    """Records the member's request (pending until the Community Admin decides); one pending at a time (409)."""
    community, member = own_request(ctx, held, token, member)
    reason = _text(reason, "reason", "say why you ask to be forgotten (the Community Admin reads it)")
    require_known_member(ctx, community, member)
    if _requests_of(ctx, community, member, "pending"):
        raise Conflict(_already_pending(member, community))
    try:
        request_id = request_erasure(ctx, member, community.name, reason)
    except IntegrityError:  # another request of the same member got in first (one pending per member, unique)
        raise Conflict(_already_pending(member, community)) from None
    return request_view(_find(ctx, community, request_id))


def _already_pending(member: str, community: Community) -> str:
    return (
        f"{member} already has a request to be forgotten in {community.name!r} waiting for the Community "
        "Admin: wait for the decision"
    )


def my_erasure_request(ctx: Context, held: Standing, token: str, member: str) -> dict:
    """The member's latest request in the community ({"request": null} when none)."""
    community, member = own_request(ctx, held, token, member)
    mine = _requests_of(ctx, community, member, None)
    latest = max(mine, key=lambda r: (r["requested_at"], r["id"]), default=None)
    return {"request": None if latest is None else request_view(latest)}


# ------------------------------------------------------------------ the Community Admin


def require_community_admin(held: Standing, community: Community) -> None:
    if not held.has(COMMUNITY_ADMIN, community.token_address):
        raise Forbidden(
            f"{held.address} is not the Community Admin of {community.name!r} ({community.token_address}): only "
            "they decide its members' requests to be forgotten"
        )


def erasure_requests(ctx: Context, held: Standing, token: str, query_args: dict) -> dict:
    """One page of the community's requests of `status` (pending by default), oldest first."""
    community = find_community(ctx, token)
    require_community_admin(held, community)
    status = query_args.get("status") or "pending"
    rows = sorted(list_erasure_requests(ctx, community.name, status), key=lambda r: (r["requested_at"], r["id"]))
    offset, limit, envelope = paginate(query_args, len(rows))
    return {**envelope, "items": [request_view(r) for r in rows[offset : offset + limit]]}


def _find(ctx: Context, community: Community, request_id: int) -> dict:
    found = next((r for r in list_erasure_requests(ctx, community.name, None) if r["id"] == request_id), None)
    if found is None:
        raise NotFound(f"no request to be forgotten number {request_id} in {community.name!r}", "number")
    return found


def _decidable(ctx: Context, held: Standing, token: str, request_id: int) -> tuple[Community, dict]:
    community = find_community(ctx, token)
    require_community_admin(held, community)
    request = _find(ctx, community, request_id)
    if member_address(request["wallet"]) == held.address:
        raise Forbidden(
            f"{held.address} asked to be forgotten in request {request_id}: another Community Admin decides it"
        )
    if request["status"] != "pending":
        raise Conflict(
            f"request {request_id} was already {request['status']} on {iso(request['decided_at'])}: "
            "a decision is not taken twice"
        )
    return community, request


def confirm(ctx: Context, held: Standing, token: str, request_id: int) -> dict:
    """Erases the member's personal data in the community (oracle.privacy) and says what was erased."""
    community, request = _decidable(ctx, held, token, request_id)
    result = confirm_erasure_request(ctx, request_id, held.address)
    return {"request": request_view(_find(ctx, community, request_id)), "erased": erased_view(result)}


def reject(ctx: Context, held: Standing, token: str, request_id: int, note) -> dict:
    community, _request = _decidable(ctx, held, token, request_id)
    note = _text(note, "note", "say why the request is rejected (the member reads it)")
    reject_erasure_request(ctx, request_id, held.address, note)
    return {"request": request_view(_find(ctx, community, request_id))}


# ------------------------------------------------------------------ JSON


def _when(value) -> str | None:
    return iso(value) if isinstance(value, datetime) else value


def request_view(row: dict) -> dict:
    return {
        "id": row["id"],
        "wallet": member_address(row["wallet"]),
        "reason": row["reason"],
        "status": row["status"],
        "requestedAt": _when(row["requested_at"]),
        "decidedAt": _when(row.get("decided_at")),
        "decidedBy": row.get("decided_by"),
        "note": row.get("decision_note"),
    }


def _plain(value):
    """A ForgetResult's fields as JSON values (dates as ISO 8601, tuples and sets as lists)."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def erased_view(result) -> dict:
    return _plain(result)
