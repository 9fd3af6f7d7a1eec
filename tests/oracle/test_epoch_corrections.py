"""`oracle epoch correct`: a paid epoch recomputed on corrected readings and committed as a revision; the member
whose reward rises is paid exactly the difference, the member whose reward falls carries a debt that the next
epoch deducts, the original's take-out still verifies, and a crash anywhere resumes without paying twice.

The builders' hour (tests/oracle/builders.py) paid Anna 0.5, Bruno 0.883333 and the shop 0.566666 tokens. The
distribution operator then corrects two readings: Anna's 00:00 UTC quarter-hour 400 -> 100 Wh, the shop's 00:45
one 500 -> 800 Wh. Worked out by hand (self_consumption, alpha_consumer 1, alpha_producer 0.5 token/kWh):
  t0: L = 100 + 200 + 0 = 300, P = 600, S = 300     t1: L = 600, P = 200, S = 200 (unchanged)
  t2: L = 300, P = 0, S = 0                          t3: L = 0 + 0 + 800 = 800, P = 1000, S = 800
  Anna:  (300*100/300 + 200*300/600) / 1000 = 0.2                 -> 0.3 lower: a debt of 0.3
  Bruno: consumer (300*200/300 + 200*100/600)/1000 = 0.233333…, producer 0.5*(300+200+0+800)/1000 = 0.65
         total 0.883333… -> 0.883333                                -> unchanged
  Shop:  (200*200/600 + 800*800/800)/1000 = 0.866666… -> 0.866666  -> 0.3 higher: a top-up of 0.3
The next hour holds the first hour's original readings again, so it rewards 0.5 / 0.883333 / 0.566666; Anna's
leaf pays 0.5 - 0.3 = 0.2 and deducts her whole debt.
"""

from __future__ import annotations

import json
import shlex

import pytest
from sqlalchemy import func, select

from oracle.communities import get_community
from oracle.db.schema import ChainTransaction, Epoch, EpochMember, EpochRevision, RevisionMember, RevisionStep
from oracle.epochs.debts import deduct
from oracle.epochs.revisions import SimulatedCrash, correct_epoch
from oracle.epochs.runner import run_epoch
from oracle.epochs.unfinished import unfinished_epochs
from oracle.errors import OracleError
from oracle.ingest.loader import ingest_file
from oracle.takeout import export_takeout, verify_takeout_file

from .builders import (
    ANNA,
    BRUNO,
    END,
    EXPECTED,
    INDEX,
    READINGS_CSV,
    SHOP,
    START,
    balances,
    devices_prefix,
    paid_out,
    quiet,
    small_community,
)
from .conftest import context_with, write

E12 = 10**12
CORRECTED = {ANNA: 200_000 * E12, BRUNO: 883_333 * E12, SHOP: 866_666 * E12}
TOP_UP = {SHOP: 300_000 * E12}
DEBT = {ANNA: 300_000 * E12}
REASON = "DSO re-read meters A-M and C-M for 2026-10-01"
NEXT_START, NEXT_END = "2026-10-01T01:00:00+00:00", "2026-10-01T02:00:00+00:00"
CORRECTION_CSV = (
    "deviceid,timestamp,energy\n{p}A-M,2026-10-01T02:00:00+02:00,100\n{p}C-M,2026-10-01T02:45:00+02:00,800\n"
)


def paid_community(ctx, tmp_path) -> str:
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert balances(ctx, name) == paid_out(EXPECTED)
    return name


def load_correction(ctx, tmp_path, name: str) -> None:
    p = devices_prefix(name)
    path = write(tmp_path / "correction.csv", CORRECTION_CSV.format(p=p))
    assert ingest_file(ctx, name, path, correction=True, reason=REASON).rows_loaded == 0


def revision_members(ctx, revision_id: int) -> dict[str, RevisionMember]:
    with ctx.session() as s:
        return {m.wallet: m for m in s.scalars(select(RevisionMember).where(RevisionMember.revision_id == revision_id))}


def plus(*amounts: dict[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for a in amounts:
        for wallet, value in a.items():
            total[wallet] = total.get(wallet, 0) + value
    return total


def test_a_correction_tops_up_the_higher_reward_and_the_next_epoch_deducts_the_lower(ctx, tmp_path):
    name = paid_community(ctx, tmp_path)
    load_correction(ctx, tmp_path, name)
    token = get_community(ctx, name).token_address
    reserve_before = ctx.chain.call(ctx.chain.token(token).functions.rewardReserve())

    revision = correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)

    assert (revision.number, revision.status) == (1, "done")
    assert int(revision.total_reward) == sum(CORRECTED.values())  # 1.949999 tokens recomputed
    assert int(revision.extra_reward) == 300_000 * E12
    members = revision_members(ctx, revision.id)
    assert {w: int(m.previous_reward) for w, m in members.items()} == EXPECTED
    assert {w: int(m.reward) for w, m in members.items()} == CORRECTED
    assert {w: int(m.top_up) for w, m in members.items() if m.top_up} == TOP_UP
    assert {w: int(m.debt) for w, m in members.items() if m.debt} == DEBT
    assert {w: m.leaf_index for w, m in members.items()} == INDEX
    # the shop got exactly 0.3 more; Anna keeps what she was paid (nothing is taken back)
    assert balances(ctx, name) == paid_out(plus(EXPECTED, TOP_UP))
    onchain = ctx.chain.revision(token, 1, 1)
    assert (onchain.extra_reward, onchain.paid_total, onchain.leaf_count) == (300_000 * E12, 300_000 * E12, 3)
    assert onchain.merkle_root_hex == revision.merkle_root
    assert ctx.chain.call(ctx.chain.token(token).functions.rewardReserve()) == reserve_before
    original = ctx.chain.epoch(token, 1)
    assert original.paid_total == sum(EXPECTED.values())  # the original stays as committed

    # the next hour: Anna's 0.5 pays off her 0.3 debt, her leaf pays 0.2
    epoch2 = _next_epoch(ctx, tmp_path, name)
    with ctx.session() as s:
        leaves = {m.wallet: m for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch2.id))}
    assert {w: int(m.amount) for w, m in leaves.items()} == {
        ANNA: 200_000 * E12,
        BRUNO: 883_333 * E12,
        SHOP: 566_666 * E12,
    }
    assert {w: int(m.debt_deducted) for w, m in leaves.items()} == {ANNA: 300_000 * E12, BRUNO: 0, SHOP: 0}
    assert int(epoch2.total_reward) == 1_649_999 * E12
    assert balances(ctx, name) == paid_out(
        plus(EXPECTED, TOP_UP, {ANNA: 200_000 * E12}, {BRUNO: 883_333 * E12}, {SHOP: 566_666 * E12})
    )
    # paid off: a third hour deducts nothing more
    epoch3 = _next_epoch(ctx, tmp_path, name, hour=3)
    with ctx.session() as s:
        third = {
            m.wallet: int(m.debt_deducted)
            for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch3.id))
        }
    assert third == {ANNA: 0, BRUNO: 0, SHOP: 0}


def _next_epoch(ctx, tmp_path, name: str, hour: int = 2):
    """The builders' readings again, `hour` - 1 hours later, run as the next epoch."""
    p = devices_prefix(name)
    shifted = READINGS_CSV.format(p=p).replace("T02:", f"T{hour + 1:02d}:")
    ingest_file(ctx, name, write(tmp_path / f"hour{hour}.csv", shifted))
    start, end = f"2026-10-01T{hour - 1:02d}:00:00+00:00", f"2026-10-01T{hour:02d}:00:00+00:00"
    return run_epoch(ctx, name, start, end, progress=False, log=quiet)


def test_a_debt_larger_than_the_next_reward_takes_all_of_it_and_carries_the_rest():
    assert deduct({"a": 5, "b": 7, "c": 0}, {"a": 8, "b": 3, "c": 4}) == {"a": 5, "b": 3}


def test_the_original_take_out_still_verifies_after_the_correction(ctx, tmp_path):
    """The corrected readings replaced the stored ones; the original epoch still reads what it committed."""
    name = paid_community(ctx, tmp_path)
    load_correction(ctx, tmp_path, name)
    correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    out = tmp_path / "anna-epoch1.json"
    export_takeout(ctx, name, 1, ANNA, out)
    readings = {
        (r["deviceid"].rsplit("-", 2)[-2], r["ts"]): r["energy"] for r in json.loads(out.read_text())["readings"]
    }
    assert readings[("A", "2026-10-01T00:00:00Z")] in (400, "400", "400.000")  # the value the epoch committed
    result = verify_takeout_file(ctx, out)
    assert result.ok, result.lines


CRASH_POINTS = ["after:select", "after:hash", "commit:sent", "after:commit", "pay:sent:1", "pay:mined:1", "after:pay"]


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_a_crash_anywhere_in_a_revision_resumes_and_pays_the_top_up_once(ctx, tmp_path, crash_at):
    ctx = context_with(ctx, batch_size=1)
    name = paid_community(ctx, tmp_path)
    load_correction(ctx, tmp_path, name)
    with pytest.raises(SimulatedCrash):
        correct_epoch(ctx, name, 1, REASON, crash_at=crash_at, progress=False, log=quiet)
    [state] = [e for e in unfinished_epochs(ctx) if e["community"] == name]  # `oracle status` names it
    assert (state["epoch"], state["revision"], state["state"]) == (1, 1, "interrupted")
    assert (
        state["next"]
        == f"oracle epoch correct --community {shlex.quote(name)} --epoch 1 --reason {shlex.quote(REASON)}"
    )
    with pytest.raises(OracleError, match="is not finished"):  # another reason cannot start a second one
        correct_epoch(ctx, name, 1, "something else", progress=False, log=quiet)
    revision = correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    assert (revision.number, revision.status) == (1, "done")
    assert balances(ctx, name) == paid_out(plus(EXPECTED, TOP_UP))
    token = get_community(ctx, name).token_address
    assert ctx.chain.revision(token, 1, 1).paid_total == 300_000 * E12
    assert ctx.chain.revision_count(token, 1) == 1
    with ctx.session() as s:
        kinds = dict(
            s.execute(
                select(ChainTransaction.kind, func.count())
                .where(ChainTransaction.kind.in_(("revision-commit", "revision-push")))
                .where(ChainTransaction.community_id == get_community(ctx, name).id)
                .group_by(ChainTransaction.kind)
            ).all()
        )
        steps = s.scalars(select(RevisionStep.step).where(RevisionStep.revision_id == revision.id)).all()
    assert kinds == {"revision-commit": 1, "revision-push": 1}  # never re-sent: the chain was asked first
    assert sorted(steps) == sorted(set(steps)) and len(steps) == 7


def test_refusals_before_anything_is_sent(ctx, tmp_path):
    name = paid_community(ctx, tmp_path)
    with pytest.raises(OracleError, match=r"nothing changed in epoch 1 of .*no reading of its members"):
        correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    with pytest.raises(OracleError, match="--reason is empty"):
        correct_epoch(ctx, name, 1, "  ", progress=False, log=quiet)
    with pytest.raises(OracleError, match="has no epoch 2"):
        correct_epoch(ctx, name, 2, REASON, progress=False, log=quiet)
    load_correction(ctx, tmp_path, name)
    correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    with pytest.raises(OracleError, match="nothing changed in epoch 1 .* since the data revision 1 used"):
        correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(EpochRevision)) >= 1


def test_a_correction_after_the_claim_window_is_refused(ctx, tmp_path):
    name = paid_community(ctx, tmp_path)
    load_correction(ctx, tmp_path, name)
    community = get_community(ctx, name)
    deadline = ctx.chain.epoch(community.token_address, 1).claim_deadline
    rpc = ctx.chain.w3.provider
    snapshot = rpc.make_request("evm_snapshot", [])["result"]
    try:  # a year later on this chain only for the check; the other tests keep their time
        rpc.make_request("evm_setNextBlockTimestamp", [deadline])
        rpc.make_request("evm_mine", [])
        with pytest.raises(OracleError, match="the claim window of epoch 1 of .* closed on"):
            correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    finally:
        assert rpc.make_request("evm_revert", [snapshot])["result"] is True
    with ctx.session() as s:
        revisions = s.scalar(
            select(func.count()).select_from(EpochRevision).join(Epoch).where(Epoch.community_id == community.id)
        )
    assert revisions == 0
