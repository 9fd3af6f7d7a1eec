"""A member's take-out file (format lec-takeout-v2), exactly what `oracle takeout` writes: built by
oracle.takeout.build_takeout, which checks that the epoch's commitment stands on-chain and that the stored
readings still hash to the committed data hash.

An unknown epoch or a member without a leaf is 404; an epoch that exists but whose commitment does not
stand (running, abandoned, voided, not committed) is refused with the oracle's own sentence (400).
"""

from __future__ import annotations

from sqlalchemy import select

from dapp_backend.services.epochs import find_epoch
from dapp_backend.services.errors import InvalidInput, NotFound
from dapp_backend.services.rewards import personal_request
from dapp_backend.services.roles import Standing
from oracle.context import Context
from oracle.db.schema import EpochMember
from oracle.errors import OracleError
from oracle.takeout import build_takeout


def member_takeout(ctx: Context, held: Standing, token: str, number, member: str, revision: int | None = None) -> dict:
    community, member = personal_request(ctx, held, token, member)
    epoch = find_epoch(ctx, community, number)
    with ctx.session() as s:
        has_leaf = (
            s.scalar(select(EpochMember.id).where(EpochMember.epoch_id == epoch.id, EpochMember.wallet == member))
            is not None
        )
    if not has_leaf:
        raise NotFound(f"{member} has no leaf in epoch {epoch.number} of {community.name!r}", "member")
    try:
        return build_takeout(ctx, community.name, epoch.number, member, revision)
    except OracleError as exc:
        raise InvalidInput(str(exc), "epoch" if revision is None else "revision") from None
