"""Unfinished epochs at a glance, for `oracle status` and `oracle epoch show`.

An epoch is unfinished while it is neither done, voided nor abandoned. For each: its community, number and
period, the steps recorded, and where it stands, the first that applies:
- in progress: a process holds the community's run lock (oracle/locks.py) now;
- stopped: the last run stopped in a step with a sentence (a refusal, the chain going away), recorded in the
  epoch's "stopped" row by the runner;
- waiting: committed, the challenge window open until `payable_at` (payable: the window is over);
- interrupted: the last run ended between two steps without a word (killed, or a crash);
and the exact command that goes on: the same `oracle epoch run` (the runner resumes at the first step not
recorded), after the window for a waiting epoch. Unfinished revisions of corrected epochs (`oracle epoch
correct`, oracle/epochs/revisions.py) are listed the same way, with the `oracle epoch correct` that goes on.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

from sqlalchemy import select, text

from oracle.context import Context
from oracle.db.schema import Community, Epoch, EpochRevision, EpochStep, RevisionStep
from oracle.epochs.runner import CLOSED, STEPS, STOPPED
from oracle.instants import iso
from oracle.locks import LOCK_SPACE


def run_command(community_name: str, epoch: Epoch) -> str:
    return (
        f"oracle epoch run --community {shlex.quote(community_name)} --start {iso(epoch.period_start)} "
        f"--end {iso(epoch.period_end)}"
    )


def unfinished_epochs(ctx: Context) -> list[dict]:
    """Every community's unfinished epochs, by community name and number."""
    with ctx.session() as s:
        rows = list(
            s.execute(
                select(Epoch, Community)
                .join(Community, Community.id == Epoch.community_id)
                .where(Epoch.status.not_in(CLOSED))
                .order_by(Community.name, Epoch.number)
            )
        )
        revisions = list(
            s.execute(
                select(EpochRevision, Epoch, Community)
                .join(Epoch, Epoch.id == EpochRevision.epoch_id)
                .join(Community, Community.id == Epoch.community_id)
                .where(EpochRevision.status.in_(("running", "waiting")))
                .order_by(Community.name, Epoch.number, EpochRevision.number)
            )
        )
    states = [epoch_state(ctx, community, epoch) for epoch, community in rows]
    return states + [revision_state(ctx, community, epoch, revision) for revision, epoch, community in revisions]


def revision_state(ctx: Context, community: Community, epoch: Epoch, revision: EpochRevision) -> dict:
    """Where an unfinished revision stands and the `oracle epoch correct` that goes on."""
    from oracle.epochs.revisions import STEPS as REVISION_STEPS

    with ctx.session() as s:
        steps = set(s.scalars(select(RevisionStep.step).where(RevisionStep.revision_id == revision.id)))
    done = [step for step in REVISION_STEPS if step in steps]
    command = (
        f"oracle epoch correct --community {shlex.quote(community.name)} --epoch {epoch.number} "
        f"--reason {shlex.quote(revision.reason)}"
    )
    state = {
        "community": community.name,
        "epoch": epoch.number,
        "revision": revision.number,
        "status": revision.status,
        "period": {"start": iso(epoch.period_start), "end": iso(epoch.period_end)},
        "stepsDone": done,
        "nextStep": next((step for step in REVISION_STEPS if step not in steps), None),
        "payableAt": iso(revision.payable_at) if revision.payable_at else None,
        "stopped": None,
    }
    if _run_in_progress(ctx, community):
        return {**state, "state": "in progress", "says": "a run of this community is in progress now", "next": command}
    if revision.status == "waiting" and revision.payable_at > datetime.now(UTC):
        return {
            **state,
            "state": "waiting",
            "says": f"revision {revision.number} committed; waiting for its challenge window until "
            f"{iso(revision.payable_at)}",
            "next": f"{command}   (at or after {iso(revision.payable_at)})",
        }
    says = (
        f"revision {revision.number} interrupted after the {done[-1]} step"
        if done
        else (f"revision {revision.number} interrupted before its first step")
    )
    return {**state, "state": "interrupted", "says": says, "next": command}


def epoch_state(ctx: Context, community: Community, epoch: Epoch) -> dict:
    """Where an unfinished epoch stands and the command that goes on (see the module's docstring)."""
    with ctx.session() as s:
        steps = {st.step: st for st in s.scalars(select(EpochStep).where(EpochStep.epoch_id == epoch.id))}
    done = [step for step in STEPS if step in steps]
    stopped = steps.get(STOPPED)
    command = run_command(community.name, epoch)
    state = {
        "community": community.name,
        "epoch": epoch.number,
        "status": epoch.status,
        "period": {"start": iso(epoch.period_start), "end": iso(epoch.period_end)},
        "stepsDone": done,
        "nextStep": next((step for step in STEPS if step not in steps), None),
        "payableAt": iso(epoch.payable_at) if epoch.payable_at else None,
        "stopped": None,
    }
    if _run_in_progress(ctx, community):
        return {
            **state,
            "state": "in progress",
            "says": "a run of this community is in progress now",
            "next": f"wait for it to end, then see `oracle status` again ({command})",
        }
    if stopped is not None:
        state["stopped"] = {
            "step": stopped.detail["step"],
            "error": stopped.detail["error"],
            "at": iso(stopped.finished_at),
        }
        return {
            **state,
            "state": "stopped",
            "says": f"stopped in the {stopped.detail['step']} step: {stopped.detail['error']}",
            "next": command,
        }
    if epoch.status == "waiting" and epoch.payable_at > datetime.now(UTC):
        return {
            **state,
            "state": "waiting",
            "says": f"committed; waiting for the challenge window until {iso(epoch.payable_at)}",
            "next": f"{command}   (at or after {iso(epoch.payable_at)})",
        }
    if epoch.status == "waiting":
        return {
            **state,
            "state": "payable",
            "says": f"committed; payable since {iso(epoch.payable_at)}",
            "next": command,
        }
    says = f"interrupted after the {done[-1]} step" if done else "interrupted before its first step"
    return {**state, "state": "interrupted", "says": says, "next": command}


def _run_in_progress(ctx: Context, community: Community) -> bool:
    """Whether some connection holds the community's run lock: read in pg_locks, never taken (a status asked
    while a run starts must not refuse the run). A lock on two int4 keys shows them as classid and objid."""
    with ctx.session() as s:
        return (
            s.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                    "classid = :space AND objid = :community AND objsubid = 2"
                ),
                {"space": LOCK_SPACE, "community": community.id},
            )
            > 0
        )


def format_unfinished(epochs: list[dict]) -> list[str]:
    """The human lines: one per epoch, with its steps and the next command below."""
    if not epochs:
        return ["unfinished epochs: none"]
    lines = [f"unfinished epochs: {len(epochs)}"]
    for e in epochs:
        lines += [
            f"  {e['community']!r} epoch {e['epoch']}"
            + (f" revision {e['revision']}" if "revision" in e else "")
            + f" ({e['period']['start']} .. {e['period']['end']}): {e['says']}",
            f"    steps done: {', '.join(e['stepsDone']) or 'none'}; next step: {e['nextStep']}",
            f"    next: {e['next']}",
        ]
    return lines
