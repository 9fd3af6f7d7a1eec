"""`oracle epoch abandon`: the operator gives up an epoch that was never committed on-chain.

A way out for an epoch stuck before its commit (its data to be loaded again, a period chosen by
mistake, a run that cannot be recomputed): without it every other period is refused while it is
"unfinished". Only the database changes, in one transaction, and nothing is silent: the status
becomes "abandoned" and an EpochStep "abandon" records the reason, who (the operator's user and host)
and when (its finished_at); `oracle epoch show` lists it with its reason. An epoch the chain has is
refused (`oracle epoch void` is its way out), and so is one whose commit was sent and may still be
mined; a commit the chain no longer knows (neither mined nor in its pool) is recorded "dropped".

Epoch numbers. The notary numbers a community's epochs 1, 2, 3 … with no gap: it commits epoch n only
when it has n − 1 (a voided epoch keeps its number on-chain, so a voided number is never used again).
An abandoned number was never used on-chain, so the next epoch must take it again; but the database
keeps every epoch row, and (community_id, number) is unique. So the abandoned row is moved aside: its
number becomes −id (its own row id, negative: unique, and never a number the chain uses), and its
own number is kept in the "abandon" step ({"reason", "number", "by"}). The next `oracle epoch run`
numbers its epoch max(positive numbers) + 1, which is the abandoned number again, and commits it
on-chain under that number. `oracle epoch show --epoch N` shows the epoch N that stands (or, while
there is none, the abandoned one) with every abandoned attempt at N and its reason.

If a commit recorded "dropped" were mined after all (rebroadcast from another node's pool), the
chain would have epoch N with the abandoned root: the next run's commit sees it, refuses to commit
over a root that is not its own and says so, and the operator voids it; nothing is paid twice.
"""

from __future__ import annotations

import getpass
import os
import shlex
import socket

from sqlalchemy import select

from oracle.chain.transactions import pending_transactions, record_dropped, record_receipts
from oracle.communities import get_community
from oracle.context import Context
from oracle.db.schema import ChainTransaction, Community, Epoch, EpochStep
from oracle.epochs.report import abandoned_attempts, live_epoch
from oracle.errors import OracleError
from oracle.instants import iso
from oracle.locks import community_run_lock


def abandon_epoch(ctx: Context, community_name: str, number: int, reason: str) -> str:
    """Abandons epoch `number` of the community (never committed on-chain); returns what happened."""
    reason = reason.strip()
    if not reason:
        raise OracleError(
            "--reason is required: say why the epoch is abandoned (it is recorded and shown by `oracle epoch show`)"
        )
    community = get_community(ctx, community_name)
    with community_run_lock(ctx, community, doing="abandon the epoch if it is still unfinished"):
        epoch = live_epoch(ctx, community, number)
        if epoch is None:
            attempts = abandoned_attempts(ctx, community, number)
            if not attempts:
                raise OracleError(f"community {community_name!r} has no epoch {number}")
            _, step = attempts[-1]
            return (
                f"epoch {number} of {community_name!r} was already abandoned on {iso(step.finished_at)}: "
                f"{step.detail['reason']}"
            )
        if epoch.status == "voided":
            raise OracleError(
                f"epoch {number} of {community_name!r} is voided: it was committed on-chain and pays "
                "nothing; run its period again to commit it as a new epoch"
            )
        dropped = _check_not_committed(ctx, community, epoch)
        with ctx.session() as s:
            row = s.get(Epoch, epoch.id, with_for_update=True)
            row.status = "abandoned"
            row.number = -row.id
            s.add(
                EpochStep(
                    epoch_id=row.id, step="abandon", detail={"reason": reason, "number": number, "by": _operator()}
                )
            )
            record_dropped(s, dropped)
    return (
        f"epoch {number} of {community_name!r} ({iso(epoch.period_start)} to {iso(epoch.period_end)}) abandoned; "
        f"it was never committed on-chain. The reason is recorded (`oracle epoch show --epoch {number}`); the next "
        f"`oracle epoch run`, for this period or another, commits its epoch as number {number}"
    )


def _check_not_committed(ctx: Context, community: Community, epoch: Epoch) -> list[str]:
    """Refuses an epoch the chain has, or whose commit may still be mined; returns the hashes of its commits
    the chain does not know at all (to record as dropped)."""
    chain = ctx.chain
    name, number = community.name, epoch.number
    void = (
        f"`oracle epoch void --community {shlex.quote(name)} --epoch {number} --reason …` is the way out of a "
        "committed epoch (before anything of it is paid)"
    )
    dropped = []
    for tx, receipt in record_receipts(ctx, pending_transactions(ctx, epoch.id, "commit")):
        if receipt is not None:
            continue
        if chain.transaction_known(tx.tx_hash):
            raise OracleError(
                f"the commit of epoch {number} of {name!r} ({tx.tx_hash}) was sent and may still be "
                "mined: wait until the chain mines it (the epoch is then committed: run it again to "
                "finish it, or void it) or drops it (then abandon it again)"
            )
        dropped.append(tx.tx_hash)
    onchain = chain.epoch(community.token_address, number)
    if onchain is not None:
        raise OracleError(
            f"epoch {number} of {name!r} is committed on-chain (root {onchain.merkle_root_hex}): only an "
            f"epoch never committed can be abandoned; {void}"
        )
    with ctx.session() as s:
        commit_step = s.scalar(select(EpochStep.id).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "commit"))
        mined = s.scalar(
            select(ChainTransaction)
            .where(
                ChainTransaction.epoch_id == epoch.id,
                ChainTransaction.kind == "commit",
                ChainTransaction.status == "mined",
            )
            .limit(1)
        )
    if commit_step is not None or mined is not None:
        sent = f" ({mined.tx_hash}, block {mined.block_number})" if mined is not None else ""
        raise OracleError(
            f"the database records epoch {number} of {name!r} as committed{sent}, but the chain has no "
            f"epoch {number}: the database and the chain disagree, and `oracle doctor` says what to do "
            "(nothing was abandoned)"
        )
    return dropped


def _operator() -> str:
    """Who abandons: the operating-system user and host (there is no signing key for an off-chain decision)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        user = f"uid {os.getuid()}"
    return f"{user}@{socket.gethostname()}"
