"""Community-work requests, read from the token (CommunityWork): every request 1..workRequestCount in batches of
calls, so the status is the contract's own (pending, approved = paid by the treasury, rejected), newest first."""

from __future__ import annotations

from dapp_backend.services.errors import InvalidInput
from dapp_backend.services.members_admin import community_of
from dapp_backend.services.pagination import paginate
from oracle.context import Context

STATUSES = {1: "pending", 2: "approved", 3: "rejected"}  # CommunityWork.WorkStatus (0: no request)
CATEGORIES = {6: "citizen_to_community", 7: "stakeholder_to_community", 8: "citizen_to_community_with_structure"}
ZERO = "0x" + "00" * 20


def work_requests(ctx: Context, token: str, query_args: dict) -> dict:
    """One page of the community's work requests, newest first; `status` (pending|approved|rejected) filters."""
    wanted = query_args.get("status")
    if wanted is not None and wanted not in STATUSES.values():
        raise InvalidInput(f"status {wanted!r} is not one of {', '.join(STATUSES.values())}", "status")
    community = community_of(ctx, token)
    chain = ctx.chain
    contract = chain.token(community.token)
    count = chain.call(contract.functions.workRequestCount())
    ids = list(range(count, 0, -1))
    raws = chain.call_many([contract.functions.workRequest(i) for i in ids])
    requests = [_request(i, raw) for i, raw in zip(ids, raws)]
    if wanted is not None:
        requests = [r for r in requests if r["status"] == wanted]
    offset, limit, envelope = paginate(query_args, len(requests))
    return {**envelope, "items": requests[offset : offset + limit]}


def _request(number: int, raw) -> dict:
    member, category, status, share_bps, structure, amount, work_ref = raw
    return {
        "id": number,
        "member": member,
        "category": CATEGORIES.get(category, str(category)),
        "amount": str(amount),
        "ref": "0x" + bytes(work_ref).hex(),
        "description": _text(bytes(work_ref)),
        "status": STATUSES.get(status, str(status)),
        "structure": None if structure == ZERO else structure,
        "structureShareBps": int(share_bps),
    }


def _text(ref: bytes) -> str | None:
    """The reference as text when it is short printable ASCII (what the member's page writes), else None."""
    stripped = ref.rstrip(b"\0")
    if stripped and all(32 <= byte < 127 for byte in stripped):
        return stripped.decode("ascii")
    return None
