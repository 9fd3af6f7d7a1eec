"""The erasure log: what was erased, when and by whom, with no personal data.

A wallet is kept only as the SHA-256 of its lower-case form: enough to answer "the data of 0x… was erased on
DATE" when someone asks with the wallet, without the log holding the address. The reason is kept only as its
SHA-256 (its text may hold personal data).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import or_, select

from oracle.db.schema import Community, ErasureLog
from oracle.errors import OracleError


def wallet_hash(wallet: str) -> str:
    return hashlib.sha256(wallet.strip().lower().encode()).hexdigest()


def reason_hash(reason: str) -> str:
    return hashlib.sha256(reason.encode()).hexdigest()


def when(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def erasures_of(s, wallet: str, community_id: int | None = None) -> list[tuple[ErasureLog, str | None]]:
    """The erasures of `wallet` (with their community's name, None for "every community"), oldest first; with
    `community_id`, only those that covered that community."""
    query = (
        select(ErasureLog, Community.name)
        .outerjoin(Community, Community.id == ErasureLog.community_id)
        .where(ErasureLog.wallet_hash == wallet_hash(wallet))
        .order_by(ErasureLog.erased_at, ErasureLog.id)
    )
    if community_id is not None:
        query = query.where(or_(ErasureLog.community_id.is_(None), ErasureLog.community_id == community_id))
    return [(entry, name) for entry, name in s.execute(query)]


class DataErased(OracleError):
    """The data asked for belonged to a person who was forgotten."""

    def __init__(self, wallet: str, erased_at: datetime, what: str):
        self.erased_at = erased_at
        super().__init__(f"the data of {wallet} was erased on {when(erased_at)} (right to be forgotten): {what}")


def refuse_if_erased(s, wallet: str, community_id: int, what: str) -> None:
    """DataErased when `wallet`'s data in the community was erased; `what` says what can no longer be done."""
    found = erasures_of(s, wallet, community_id)
    if found:
        raise DataErased(wallet, found[0][0].erased_at, what)
