"""A community's epochs as the oracle recorded them (tables epochs and epoch_steps), with what only the chain
knows: how many leaves are paid.

paidCount comes from the notary's `paidCount`, not from epoch_members.paid: a member may claim a reward
directly on-chain (in MetaMask), which the database learns only when the oracle reconciles; the chain's
bitmap is the record. An epoch the chain does not have (running, never committed) has paidCount null.
Abandoned attempts (number moved below zero, never on-chain) are not listed.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from dapp_backend.services.access import require_community_reader
from dapp_backend.services.communities import find_community
from dapp_backend.services.errors import NotFound
from dapp_backend.services.pagination import paginate
from dapp_backend.services.roles import Standing
from oracle.chain.client import OnChainEpoch
from oracle.context import Context
from oracle.db.schema import Community, Epoch, EpochStep
from oracle.instants import iso

MAX_EPOCH_NUMBER = 2**31 - 1  # epochs.number is a PostgreSQL integer: a larger number names no epoch


WITHOUT_TREE = defer(Epoch.tree_dump, raiseload=True)
"""Epochs are read without their stored reward tree (3 MB of JSON at 10,000 members, decoded on every read):
only a proof needs it, and rewards.leaf_proof reads just the leaf's path inside PostgreSQL."""


def _standing_epochs(community_id: int):
    return (Epoch.community_id == community_id, Epoch.number > 0, Epoch.status != "abandoned")


def epoch_number(text) -> int:
    """The epoch number of a URL: a whole number from 1 (anything else names no epoch: 404)."""
    if isinstance(text, int) or (isinstance(text, str) and text.isascii() and text.isdigit()):
        number = int(text)
        if 1 <= number <= MAX_EPOCH_NUMBER:
            return number
    raise NotFound(f"{text!r} is not an epoch number (epochs are numbered 1, 2, 3 …)", "epoch")


def find_epoch(ctx: Context, community: Community, number) -> Epoch:
    number = epoch_number(number)
    with ctx.session() as s:
        epoch = s.scalar(
            select(Epoch).options(WITHOUT_TREE).where(*_standing_epochs(community.id), Epoch.number == number)
        )
    if epoch is None:
        raise NotFound(f"community {community.name!r} has no epoch {number}", "epoch")
    return epoch


def onchain_epochs(ctx: Context, token: str, numbers: list[int]) -> dict[int, tuple[OnChainEpoch, int]]:
    """(the notary's epoch, its paid leaf count) for each of `numbers` the notary has, in one batch."""
    chain = ctx.chain
    notary = chain.notary
    [count] = chain.read_many([(notary, "epochCount", token)])
    wanted = sorted({n for n in numbers if 1 <= n <= count})
    results = chain.read_many(
        [call for n in wanted for call in ((notary, "getEpoch", token, n), (notary, "paidCount", token, n))]
    )
    return {n: (OnChainEpoch.decode(results[2 * i]), int(results[2 * i + 1])) for i, n in enumerate(wanted)}


def model_of(epoch: Epoch) -> dict | None:
    if epoch.model_id is None:
        return None
    return {
        "id": epoch.model_id,
        "version": epoch.model_version,
        "effectiveFrom": iso(epoch.model_effective_from),
        "params": (epoch.params or {}).get("values"),
    }


def epoch_view(epoch: Epoch, onchain: tuple[OnChainEpoch, int] | None) -> dict:
    committed = onchain is not None and onchain[0].merkle_root_hex == epoch.merkle_root
    payable_at = epoch.payable_at or (onchain[0].payable_at if committed and onchain[0].payable_at else None)
    return {
        "number": epoch.number,
        "status": epoch.status,
        "period": {
            "start": iso(epoch.period_start),
            "end": iso(epoch.period_end),
            "dataStart": iso(epoch.data_start) if epoch.data_start else None,
        },
        "model": model_of(epoch),
        "root": epoch.merkle_root,
        "datasetHash": epoch.dataset_hash,
        "leafCount": epoch.leaf_count,
        "total": str(int(epoch.total_reward)) if epoch.total_reward is not None else None,
        "paidCount": onchain[1] if committed else None,
        "payableAt": iso(payable_at) if payable_at else None,
        "kpis": epoch.community_kpis,
    }


def list_epochs(ctx: Context, held: Standing, token: str, query_args: dict) -> dict:
    community = find_community(ctx, token)
    require_community_reader(held, community.token_address)
    with ctx.session() as s:
        total = s.scalar(select(func.count()).select_from(Epoch).where(*_standing_epochs(community.id)))
        offset, limit, envelope = paginate(query_args, total)
        epochs = list(
            s.scalars(
                select(Epoch)
                .options(WITHOUT_TREE)
                .where(*_standing_epochs(community.id))
                .order_by(Epoch.number.desc())
                .offset(offset)
                .limit(limit)
            )
        )
    onchain = onchain_epochs(ctx, community.token_address, [e.number for e in epochs])
    return {**envelope, "items": [epoch_view(e, onchain.get(e.number)) for e in epochs]}


def epoch_detail(ctx: Context, held: Standing, token: str, number) -> dict:
    community = find_community(ctx, token)
    require_community_reader(held, community.token_address)
    epoch = find_epoch(ctx, community, number)
    with ctx.session() as s:
        steps = list(s.scalars(select(EpochStep).where(EpochStep.epoch_id == epoch.id).order_by(EpochStep.id)))
    onchain = onchain_epochs(ctx, community.token_address, [epoch.number])
    return {
        **epoch_view(epoch, onchain.get(epoch.number)),
        "steps": [{"step": st.step, "finishedAt": iso(st.finished_at), "detail": st.detail} for st in steps],
    }
