"""The database brought back to what the chain shows, when the chain lost blocks the database had recorded.

The chain is the truth for everything on it; the database is the oracle's memory of what it sent. When a chain
loses its last blocks (an embedded anvil killed between two state dumps, a node restored from a backup) the
database still says "committed", "paid", "done" for what the chain no longer has: a re-run does nothing, take-outs
fail with UnknownEpoch and the next epoch is refused. `reconcile_community` finds every such disagreement of one
community, says each in one sentence with what to do, and sets the database back where that is safe. `epoch run`
calls it first; `oracle doctor` and `oracle up` call it with `dry_run=True`, which says the same and writes nothing.

Rewound automatically, in one database transaction per epoch. Each only makes the oracle do again what the chain
does not show, and the notary's guards (epochs committed in order, a period never rewarded twice, a leaf paid once)
refuse anything done twice:
- an epoch recorded committed (waiting, partly paid, done) whose commitment the chain does not have, or has with
  another root: back to before its commit step — the steps commit, pay and done deleted, payable_at cleared,
  status running, no leaf paid or skipped. Its tree and salts stay, so the run commits the same root again and
  pays it (or, for another root on-chain, refuses to commit over it and says so);
- leaves recorded paid that the chain shows unpaid, and leaves recorded skipped by a push the chain lost: owed
  again, the epoch no longer done; the run pays them;
- an epoch voided on-chain that the database records done: recorded voided (it pays nothing; an unfinished one is
  left to the run, which records it voided and says so);
- a transaction recorded sent whose receipt exists: recorded mined (or failed) with its block;
- a transaction the chain no longer has (no receipt, not in its pool): recorded "dropped".

Only reported, because the oracle cannot settle them alone or a decision belongs to the operator:
- an epoch recorded voided whose void the chain lost: it stands on-chain again (its members could claim it) until
  it is voided again; the notary refuses a new epoch over its period meanwhile;
- an epoch recorded voided that the chain does not have at all: the chain's epoch numbers are now behind the
  database's, so no later epoch can be committed; this needs a decision by hand;
- epochs the chain has and the database has not recorded as committed (a run stopped after sending the commit:
  the run records it; a database older than the chain: restore the newer one);
- members whose on-chain addition the chain lost (still reported while they are missing): import the member file
  again;
- other transactions the chain lost (a treasury funding, a model version, a reward ceiling), each named with the
  command that sends it again.

Cost per call: one batch of getEpoch calls, a walk back over the community's recorded transactions until one the
chain still has (lost blocks are always the last ones), and paid flags only for epochs whose paid total on-chain
differs from the database's or that lost a push. (A lost payment exactly offset by a member's own claim of the same
amount in the same epoch would go unseen; the run's own paid-flag check before each push still stands.)
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update

from oracle.chain.client import EpochStatus, OnChainEpoch
from oracle.chain.transactions import record_dropped, record_mined
from oracle.context import Context
from oracle.db.schema import ChainTransaction, Community, Epoch, EpochMember, EpochStep, Membership
from oracle.errors import EnvironmentProblem
from oracle.instants import iso

AFTER_COMMIT = ("commit", "pay", "done")
EPOCH_KINDS = ("commit", "push", "void")
SHOWN_WALLETS = 5


@dataclass
class EpochFix:
    """What one epoch needs: the sentence (as found, and as done), and the database changes."""

    todo: str  # dry run: what disagrees and what to do
    done: str  # applied: what disagreed, what was done, what to do
    before_commit: bool = False
    unpay: list[int] = field(default_factory=list)  # leaf indexes owed again
    unskip: list[int] = field(default_factory=list)
    voided: bool = False
    dropped: list[str] = field(default_factory=list)  # its transactions the chain lost

    @property
    def writes(self) -> bool:
        return self.before_commit or bool(self.unpay or self.unskip or self.voided or self.dropped)


def reconcile_community(ctx: Context, community: Community, *, dry_run: bool = False, log=print) -> list[str]:
    """Compares the community's epochs and recorded transactions with the chain and (unless `dry_run`) rewinds the
    database to what the chain shows; returns (and logs) one sentence per disagreement, with what to do."""
    _require_contracts(ctx, community)
    found = _record_sent(ctx, community, dry_run)
    lost = _lost_transactions(ctx, community)
    epochs, used = _reconcile_epochs(ctx, community, lost, dry_run)
    found += epochs
    found += _lost_others(ctx, community, [tx for tx in lost if tx.tx_hash not in used], dry_run)
    found += _vanished_members(ctx, community, lost)
    for sentence in found:
        log(sentence)
    return found


def _require_contracts(ctx: Context, community: Community) -> None:
    chain = ctx.chain
    wanted = {"the notary": chain.notary.address, f"the token of {community.name!r}": community.token_address}
    for (what, address), code in zip(wanted.items(), chain.codes_at(list(wanted.values()))):
        if not code:
            raise EnvironmentProblem(
                f"{what} ({address}) has no code on the chain at "
                f"{ctx.settings.effective_rpc_url}: the chain lost it or is another chain; "
                "`oracle doctor` says more"
            )


def _run_command(community: Community, epoch: Epoch) -> str:
    return (
        f"`oracle epoch run --community {shlex.quote(community.name)} --start {iso(epoch.period_start)} "
        f"--end {iso(epoch.period_end)}`"
    )


def _void_command(community: Community, number: int) -> str:
    return f"`oracle epoch void --community {shlex.quote(community.name)} --epoch {number} --reason …`"


# ------------------------------------------------------------------ transactions


def _record_sent(ctx: Context, community: Community, dry_run: bool) -> list[str]:
    """Transactions recorded sent (a process died while waiting) that the chain has mined since."""
    chain = ctx.chain
    with ctx.session() as s:
        sent = list(
            s.scalars(
                select(ChainTransaction)
                .where(ChainTransaction.community_id == community.id, ChainTransaction.status == "sent")
                .order_by(ChainTransaction.id)
            )
        )
    found = []
    for tx in sent:
        receipt = chain.receipt_or_none(tx.tx_hash)
        if receipt is None:
            continue  # still in the pool, or lost: the walk over lost transactions decides
        outcome = "mined" if receipt["status"] == 1 else "failed"
        where = (
            f"transaction {tx.tx_hash} ({tx.kind}) of {community.name!r} is recorded as sent, but the chain has "
            f"it {outcome} in block {receipt['blockNumber']}"
        )
        if dry_run:
            found.append(f"{where}: the next `oracle epoch run --community {shlex.quote(community.name)} …` records it")
        else:
            record_mined(ctx, receipt)
            found.append(f"{where}: recorded as {outcome}")
    return found


def _lost_transactions(ctx: Context, community: Community) -> list[ChainTransaction]:
    """The community's recorded transactions the chain no longer has, newest first: recorded mined (or failed)
    without a receipt now, or recorded sent and unknown to the chain. Lost blocks are the last ones, so the walk
    back stops at the first mined transaction the chain still has."""
    chain = ctx.chain
    with ctx.session() as s:
        recorded = list(
            s.scalars(
                select(ChainTransaction)
                .where(
                    ChainTransaction.community_id == community.id,
                    ChainTransaction.status.in_(("sent", "mined", "failed")),
                )
                .order_by(ChainTransaction.id.desc())
            )
        )
    lost = []
    for tx in [t for t in recorded if t.status == "sent"]:
        if chain.receipt_or_none(tx.tx_hash) is None and not chain.transaction_known(tx.tx_hash):
            lost.append(tx)
    for tx in [t for t in recorded if t.status != "sent"]:
        if chain.receipt_or_none(tx.tx_hash) is not None:
            break
        if not chain.transaction_known(tx.tx_hash):  # back in the pool after a reorganisation: it will be mined
            lost.append(tx)
    return lost


def _lost_others(ctx: Context, community: Community, lost: list[ChainTransaction], dry_run: bool) -> list[str]:
    """Lost transactions no epoch finding accounts for: recorded dropped, each named with what sends it again."""
    if not lost:
        return []
    with ctx.session() as s:
        epochs = {e.id: e for e in s.scalars(select(Epoch).where(Epoch.community_id == community.id))}
        if not dry_run:
            record_dropped(s, [tx.tx_hash for tx in lost])
    found = []
    for tx in lost:
        if tx.kind == "add_members":
            continue  # said once per member still missing, by _vanished_members
        was = "recorded as sent" if tx.status == "sent" else f"recorded as {tx.status} in block {tx.block_number}"
        fixed = "it was recorded as dropped" if not dry_run else "the next `oracle epoch run` records it as dropped"
        found.append(
            f"transaction {tx.tx_hash} ({_label(tx, epochs)}) of {community.name!r} is {was}, but the chain "
            f"does not have it (the chain lost blocks?): {fixed}; {_resend(tx, community, epochs)}"
        )
    return found


def _label(tx: ChainTransaction, epochs: dict[int, Epoch]) -> str:
    number = epochs[tx.epoch_id].number if tx.epoch_id in epochs else None
    detail = tx.detail or {}
    return {
        "commit": f"the commit of epoch {number}",
        "push": f"a reward payment of epoch {number}",
        "void": f"the void of epoch {number}",
        "revision-commit": f"the commit of revision {detail.get('revision')} of epoch {number}",
        "revision-push": f"a top-up payment of revision {detail.get('revision')} of epoch {number}",
        "create_community": "the token's creation",
        "fund_treasury": "the treasury's funding",
        "set_reward_ceiling": "the per-epoch reward ceiling",
        "publish_model": f"a version of {detail.get('model')}",
        "set_active_model": f"activating {detail.get('model')}",
        "set_profile": "a member's energy profile",
    }.get(tx.kind, tx.kind)


def _resend(tx: ChainTransaction, community: Community, epochs: dict[int, Epoch]) -> str:
    name = shlex.quote(community.name)
    if tx.kind in ("commit", "push") and tx.epoch_id in epochs:
        return f"{_run_command(community, epochs[tx.epoch_id])} sends it again"
    if tx.kind in ("revision-commit", "revision-push") and tx.epoch_id in epochs:
        return (
            f"`oracle epoch correct --community {name} --epoch {epochs[tx.epoch_id].number} --reason …` (the "
            "revision's reason) sends it again"
        )
    if tx.kind == "void" and tx.epoch_id in epochs:
        return f"{_void_command(community, epochs[tx.epoch_id].number)} sends it again"
    if tx.kind in ("create_community", "set_reward_ceiling"):
        return f"`oracle community create {name} [--reward-ceiling TOKENS]` sends it again"
    if tx.kind == "fund_treasury":
        return "the token admin funds the treasury again (fundTreasury)"
    if tx.kind in ("publish_model", "set_active_model"):
        return (
            f"`oracle models publish --model {(tx.detail or {}).get('model')} --set … --community {name}` sends "
            "it again"
        )
    if tx.kind == "set_profile":
        return f"`oracle members import --community {name} FILE` sends it again"
    return "the command that sent it sends it again"


def _vanished_members(ctx: Context, community: Community, lost: list[ChainTransaction]) -> list[str]:
    """Members active in the database whose on-chain addition the chain lost and who are still not members."""
    with ctx.session() as s:
        dropped = list(
            s.scalars(
                select(ChainTransaction).where(
                    ChainTransaction.community_id == community.id,
                    ChainTransaction.kind == "add_members",
                    ChainTransaction.status == "dropped",
                )
            )
        )
        added = {
            w
            for tx in dropped + [t for t in lost if t.kind == "add_members"]
            for w in (tx.detail or {}).get("wallets", [])
        }
        wallets = sorted(
            s.scalars(
                select(Membership.wallet).where(
                    Membership.community_id == community.id, Membership.active.is_(True), Membership.wallet.in_(added)
                )
            )
        )
    if not wallets:
        return []
    missing = [
        w for w, active in zip(wallets, ctx.chain.members_active(community.token_address, wallets)) if not active
    ]
    if not missing:
        return []
    shown = ", ".join(missing[:SHOWN_WALLETS]) + (" …" if len(missing) > SHOWN_WALLETS else "")
    return [
        f"{len(missing)} member{'s' if len(missing) != 1 else ''} of {community.name!r} active in the database "
        f"{'are' if len(missing) != 1 else 'is'} not a member on-chain: the chain lost the blocks that added "
        f"{'them' if len(missing) != 1 else 'it'} ({shown}); the epochs leave them out until the member file is "
        f"imported again (`oracle members import --community {shlex.quote(community.name)} FILE`), which adds "
        "them again"
    ]


# ------------------------------------------------------------------ epochs


def _reconcile_epochs(
    ctx: Context, community: Community, lost: list[ChainTransaction], dry_run: bool
) -> tuple[list[str], set[str]]:
    """One sentence per epoch that disagrees with the chain (each fixed in its own transaction unless `dry_run`),
    and the hashes of the lost transactions those fixes account for."""
    chain = ctx.chain
    token = community.token_address
    with ctx.session() as s:
        epochs = list(s.scalars(select(Epoch).where(Epoch.community_id == community.id).order_by(Epoch.number)))
        steps = defaultdict(set)
        for epoch_id, step in s.execute(
            select(EpochStep.epoch_id, EpochStep.step).join(Epoch).where(Epoch.community_id == community.id)
        ):
            steps[epoch_id].add(step)
        paid_sums = dict(
            s.execute(
                select(EpochMember.epoch_id, func.sum(EpochMember.amount))
                .join(Epoch)
                .where(Epoch.community_id == community.id, EpochMember.paid.is_(True), EpochMember.amount > 0)
                .group_by(EpochMember.epoch_id)
            ).all()
        )
    count = chain.epoch_count(token)
    onchain = chain.epochs_onchain(token, [e.number for e in epochs])
    lost_of = defaultdict(list)
    for tx in lost:
        if tx.epoch_id is not None and tx.kind in EPOCH_KINDS:
            lost_of[tx.epoch_id].append(tx)
    found, used = [], set()
    for epoch in epochs:
        fix = _epoch_fix(
            ctx,
            community,
            epoch,
            steps[epoch.id],
            onchain.get(epoch.number),
            count,
            int(paid_sums.get(epoch.id) or 0),
            lost_of[epoch.id],
        )
        if fix is None:
            continue
        used.update(fix.dropped)
        if not dry_run and fix.writes:
            _apply(ctx, epoch.id, fix)
        sentence = fix.todo if dry_run else fix.done
        if sentence:  # an empty one: only lost transactions recorded dropped, nothing owed again
            found.append(sentence)
    known = max((e.number for e in epochs), default=0)
    if count > known:
        found.append(
            f"the chain has {count} epochs of {community.name!r}, the database knows only {known}: epochs "
            f"{known + 1}–{count} were committed from a database older than this one's (restored from a "
            "backup?); a run refuses to commit over them — restore the database that committed them"
        )
    return found, used


def _epoch_fix(
    ctx: Context,
    community: Community,
    epoch: Epoch,
    steps: set[str],
    onchain: OnChainEpoch | None,
    count: int,
    paid_sum: int,
    lost: list[ChainTransaction],
) -> EpochFix | None:
    lost_hashes = [tx.tx_hash for tx in lost]
    if epoch.status == "abandoned":
        return None
    if epoch.status == "voided":
        return _voided_fix(community, epoch, onchain, count, lost_hashes)
    if "commit" not in steps:
        return _uncommitted_fix(community, epoch, onchain)
    if onchain is None or onchain.merkle_root_hex != epoch.merkle_root:
        return _rewind_fix(community, epoch, onchain, paid_sum, lost_hashes)
    if onchain.status == EpochStatus.VOIDED:
        return _voided_onchain_fix(community, epoch, lost_hashes)
    return _payments_fix(ctx, community, epoch, onchain, paid_sum, lost)


def _rewind_fix(
    community: Community, epoch: Epoch, onchain: OnChainEpoch | None, paid_sum: int, lost: list[str]
) -> EpochFix:
    """An epoch recorded committed whose commitment the chain does not have (or has with another root)."""
    name, number, run = community.name, epoch.number, _run_command(community, epoch)
    recorded = _recorded_as(epoch, paid_sum)
    if onchain is None:
        found = f"but the chain has no epoch {number} (the chain lost blocks?)"
        return EpochFix(
            todo=f"epoch {number} of {name!r} is recorded {recorded}, {found}: {run} sets the database back to before "
            "its commit, then commits and pays it again",
            done=f"epoch {number} of {name!r} was recorded {recorded}, {found}: the database was set back to before "
            f"its commit; run {run} to commit and pay it again",
            before_commit=True,
            dropped=lost,
        )
    found = (
        f"with root {epoch.merkle_root}, but the chain's epoch {number} has root {onchain.merkle_root_hex} "
        "(committed from another database?)"
    )
    then = (
        "a run then refuses to commit over the chain's epoch: find out where its root comes from, and when "
        f"nothing of it is paid void it ({_void_command(community, number)}) and run the period again"
    )
    return EpochFix(
        todo=f"epoch {number} of {name!r} is recorded {recorded} {found}: {run} sets the database back to before its "
        f"commit; {then}",
        done=f"epoch {number} of {name!r} was recorded {recorded} {found}: the database was set back to before its "
        f"commit; {then}",
        before_commit=True,
        dropped=lost,
    )


def _voided_onchain_fix(community: Community, epoch: Epoch, lost: list[str]) -> EpochFix:
    """An epoch voided on-chain (by its Community Admin, not through the oracle) that the database records otherwise.
    An unfinished one is left to the run, which records it voided and says so; a done one no run looks at again."""
    name, number = community.name, epoch.number
    found = f"epoch {number} of {name!r} is voided on-chain but recorded {epoch.status}"
    if epoch.status != "done":
        sentence = f"{found}: {_run_command(community, epoch)} records it voided (it pays nothing)"
        return EpochFix(todo=sentence, done=sentence, dropped=lost)
    return EpochFix(
        todo=f"{found}: the next `oracle epoch run --community {shlex.quote(name)} …` records it voided "
        "(it pays nothing)",
        done=f"{found}: it was recorded voided (it pays nothing); its period may be run again as a new epoch",
        voided=True,
        dropped=lost,
    )


def _recorded_as(epoch: Epoch, paid_sum: int) -> str:
    if epoch.status == "done":
        return "committed and paid" if paid_sum else "committed and done"
    if epoch.status == "waiting":
        return "committed, waiting for its challenge window"
    return "committed and partly paid" if paid_sum else "committed"


def _voided_fix(
    community: Community, epoch: Epoch, onchain: OnChainEpoch | None, count: int, lost: list[str]
) -> EpochFix | None:
    name, number = community.name, epoch.number
    if onchain is None:
        sentence = (
            f"epoch {number} of {name!r} is recorded voided, but the chain has no epoch {number} at all (the "
            f"chain lost blocks?): the chain's next epoch number is {count + 1}, the database's is higher, so "
            "no later epoch can be committed; nothing was changed automatically — this needs a decision by "
            "hand (re-committing and voiding it again, or renumbering)"
        )
        return EpochFix(todo=sentence, done=sentence, dropped=lost)
    if onchain.status == EpochStatus.COMMITTED:
        sentence = (
            f"epoch {number} of {name!r} is recorded voided, but the chain shows it committed (its void was "
            f"lost: the chain lost blocks?): void it again with {_void_command(community, number)}; until "
            "then its members can claim it and its period cannot be committed again"
        )
        return EpochFix(todo=sentence, done=sentence, dropped=lost)
    return None


def _uncommitted_fix(community: Community, epoch: Epoch, onchain: OnChainEpoch | None) -> EpochFix | None:
    """An epoch recorded before its commit step that the chain has all the same."""
    if onchain is None:
        return None
    name, number = community.name, epoch.number
    if onchain.merkle_root_hex == epoch.merkle_root:
        sentence = (
            f"epoch {number} of {name!r} is committed on-chain but recorded before its commit (a run stopped "
            f"after sending it): {_run_command(community, epoch)} records it and goes on"
        )
    else:
        ours = f"computed root {epoch.merkle_root}" if epoch.merkle_root else "not built its tree yet"
        sentence = (
            f"epoch {number} of {name!r} is committed on-chain with root {onchain.merkle_root_hex}, but the "
            f"database has {ours} (a database older than the chain: restored from a backup?): a run refuses "
            "to commit over it; restore the database that committed it, or, when nothing of it is paid, void "
            f"it with {_void_command(community, number)}"
        )
    return EpochFix(todo=sentence, done=sentence)


def _payments_fix(
    ctx: Context, community: Community, epoch: Epoch, onchain: OnChainEpoch, paid_sum: int, lost: list[ChainTransaction]
) -> EpochFix | None:
    """Leaves recorded paid that the chain shows unpaid, leaves recorded skipped by a push the chain lost."""
    lost_pushes = {tx.tx_hash for tx in lost if tx.kind == "push"}
    if paid_sum == onchain.paid_total and not lost_pushes:
        return None
    with ctx.session() as s:
        members = list(
            s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id).order_by(EpochMember.leaf_index))
        )
    paid = [m.leaf_index for m in members if m.paid and m.amount > 0]
    flags = ctx.chain.paid_flags(community.token_address, epoch.number, paid)
    unpay = [index for index, on_chain in zip(paid, flags) if not on_chain]
    unskip = [m.leaf_index for m in members if m.skipped_tx in lost_pushes]
    if not unpay and not unskip:
        return EpochFix(todo="", done="", dropped=[tx.tx_hash for tx in lost]) if lost else None
    name, number, run = community.name, epoch.number, _run_command(community, epoch)
    what = " and ".join(
        part
        for part in (
            f"{len(unpay)} leaf/leaves recorded paid that the chain shows unpaid" if unpay else "",
            f"{len(unskip)} leaf/leaves recorded skipped by a payment the chain lost" if unskip else "",
        )
        if part
    )
    what = what.replace("1 leaf/leaves", "1 leaf").replace("leaf/leaves", "leaves")
    problem = f"epoch {number} of {name!r} has {what} (the chain lost blocks?)"
    return EpochFix(
        todo=f"{problem}: {run} records them as owed again and pays them (the notary never pays a leaf twice)",
        done=f"{problem}: they were recorded as owed again; run {run} to pay them (the notary never pays a leaf twice)",
        unpay=unpay,
        unskip=unskip,
        dropped=[tx.tx_hash for tx in lost],
    )


def _apply(ctx: Context, epoch_id: int, fix: EpochFix) -> None:
    """One epoch's rewind, in one database transaction."""
    with ctx.session() as s:
        epoch = s.get(Epoch, epoch_id, with_for_update=True)
        members = update(EpochMember).where(EpochMember.epoch_id == epoch_id)
        if fix.before_commit:
            s.execute(delete(EpochStep).where(EpochStep.epoch_id == epoch_id, EpochStep.step.in_(AFTER_COMMIT)))
            s.execute(members.values(paid=False, paid_tx=None, skipped_tx=None))
            epoch.status, epoch.payable_at, epoch.completed_at = "running", None, None
        if fix.unpay:
            s.execute(members.where(EpochMember.leaf_index.in_(fix.unpay)).values(paid=False, paid_tx=None))
        if fix.unskip:
            s.execute(members.where(EpochMember.leaf_index.in_(fix.unskip)).values(skipped_tx=None))
        if fix.unpay or fix.unskip:
            s.execute(delete(EpochStep).where(EpochStep.epoch_id == epoch_id, EpochStep.step.in_(("pay", "done"))))
            epoch.status, epoch.completed_at = "running", None
        if fix.voided:
            epoch.status = "voided"
        record_dropped(s, fix.dropped)
