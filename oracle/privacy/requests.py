"""Members' requests to be forgotten (asked in the dApp), each confirmed or rejected by an admin.

A request names the member's wallet and community and says why; the wallet and the reason are stored
Fernet-encrypted with the personal-data key (the admin must read them) and found again by the wallet's SHA-256.
One pending request per wallet and community (a unique index; a second one is refused). Confirming carries out
`forget_member` for that wallet and community and marks the request confirmed in the same transaction; the
erasure then blanks the request's reason too. A decided request is never decided again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from oracle.context import Context
from oracle.data_keys import hold_key
from oracle.db.schema import Community, ErasureRequest
from oracle.errors import OracleError
from oracle.privacy.erasures import erasures_of, wallet_hash, when
from oracle.privacy.forget import ForgetResult, forget_in_session, lock_communities, still_members_onchain
from oracle.privacy.people import checked_wallet, find_person

STATUSES = ("pending", "confirmed", "rejected")


def request_erasure(ctx: Context, wallet: str, community: str, reason: str) -> int:
    """Records a pending request of `wallet` to be forgotten in `community`; its id."""
    wallet = checked_wallet(wallet)
    reason = (reason or "").strip()
    if not reason:
        raise OracleError("reason: empty: say why you ask to be forgotten (the admin reads it)")
    cipher = ctx.cipher
    with ctx.session() as s:
        hold_key(s, cipher)
        person = find_person(s, wallet, community)
        erased = erasures_of(s, wallet, person.community.id)
        if erased:
            raise OracleError(f"{wallet} was already forgotten in {community!r} on {when(erased[0][0].erased_at)}")
        pending = _pending(s, wallet, person.community.id)
        if pending is not None:
            raise OracleError(
                f"{wallet} already asked to be forgotten in {community!r} (request {pending.id}, "
                f"{when(pending.requested_at)}), still pending: wait for the decision"
            )
        request = ErasureRequest(
            wallet_hash=wallet_hash(wallet),
            wallet_enc=cipher.encrypt(wallet),
            community_id=person.community.id,
            reason_enc=cipher.encrypt(reason),
            status="pending",
        )
        s.add(request)
        s.flush()
        return request.id


def _pending(s, wallet: str, community_id: int) -> ErasureRequest | None:
    return s.scalar(
        select(ErasureRequest).where(
            ErasureRequest.wallet_hash == wallet_hash(wallet),
            ErasureRequest.community_id == community_id,
            ErasureRequest.status == "pending",
        )
    )


def list_erasure_requests(ctx: Context, community: str | None = None, status: str | None = "pending") -> list[dict]:
    """The requests (of one community, of one status; None for all), oldest first, wallet and reason decrypted
    (the reason is None once the erasure was carried out)."""
    if status is not None and status not in STATUSES:
        raise OracleError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    cipher = ctx.cipher
    with ctx.session() as s:
        query = (
            select(ErasureRequest, Community.name)
            .join(Community, Community.id == ErasureRequest.community_id)
            .order_by(ErasureRequest.requested_at, ErasureRequest.id)
        )
        if community is not None:
            if s.scalar(select(Community.id).where(Community.name == community)) is None:
                raise OracleError(f"no community named {community!r}")
            query = query.where(Community.name == community)
        if status is not None:
            query = query.where(ErasureRequest.status == status)
        return [_row(cipher, request, name) for request, name in s.execute(query)]


def _row(cipher, request: ErasureRequest, community: str) -> dict:
    return {
        "id": request.id,
        "wallet": cipher.decrypt(request.wallet_enc),
        "community": community,
        "reason": cipher.decrypt(request.reason_enc),
        "status": request.status,
        "requested_at": request.requested_at,
        "decided_at": request.decided_at,
        "decided_by": request.decided_by,
        "decision_note": request.decision_note,
    }


def confirm_erasure_request(ctx: Context, request_id: int, by: str) -> ForgetResult:
    """Carries out the request (forget_member for its wallet and community) and marks it confirmed, in one
    transaction: if the erasure is refused, the request stays pending."""
    by = _who(by)
    cipher = ctx.cipher
    with ctx.session() as s:
        request = _undecided(s, request_id)
        wallet, reason = cipher.decrypt(request.wallet_enc), cipher.decrypt(request.reason_enc)
        community = s.get(Community, request.community_id)
    with lock_communities(ctx, [community]), ctx.session() as s:
        request = _undecided(s, request_id, lock=True)
        request.status, request.decided_at, request.decided_by = "confirmed", datetime.now(UTC), by
        s.flush()
        result = forget_in_session(s, wallet, community.name, reason, by)
    result.still_members_onchain = still_members_onchain(ctx, result)
    return result


def reject_erasure_request(ctx: Context, request_id: int, by: str, note: str) -> None:
    """Marks the request rejected, with the note the member reads; nothing is erased."""
    by = _who(by)
    note = (note or "").strip()
    if not note:
        raise OracleError("note: empty: say why the request is rejected (the member reads it)")
    with ctx.session() as s:
        request = _undecided(s, request_id, lock=True)
        request.status, request.decided_at, request.decided_by = "rejected", datetime.now(UTC), by
        request.decision_note = note


def _who(by: str) -> str:
    by = (by or "").strip()
    if not by:
        raise OracleError("who decides must be named (the admin's wallet or user name)")
    return by


def _undecided(s, request_id: int, lock: bool = False) -> ErasureRequest:
    query = select(ErasureRequest).where(ErasureRequest.id == request_id)
    request = s.scalar(query.with_for_update() if lock else query)
    if request is None:
        raise OracleError(f"no erasure request number {request_id}")
    if request.status != "pending":
        raise OracleError(
            f"erasure request {request_id} was already {request.status} on {when(request.decided_at)} by "
            f"{request.decided_by}: a request is decided once"
        )
    return request
