"""A process that dies at any point of an epoch: running the same command again finishes it, with every
member paid exactly once (batches of one member, so crashes fall between and inside payments too)."""

import pytest
from sqlalchemy import func, select

from oracle.communities import get_community
from oracle.db.schema import ChainTransaction, Epoch, EpochMember, EpochStep
from oracle.epochs.runner import SimulatedCrash, run_epoch

from .builders import ANNA, BRUNO, END, EXPECTED, INDEX, SHOP, START, balances, paid_out, quiet, small_community
from .conftest import context_with

CRASH_POINTS = [
    "after:select",
    "after:compute",
    "after:hash",
    "after:tree",
    "commit:sent",  # commit transaction sent, process dies before its receipt is recorded
    "after:commit",
    "pay:sent:1",  # first batch sent, not yet recorded as mined
    "pay:mined:1",  # first batch mined and recorded, its leaves not yet recorded as paid
    "pay:batch:1",  # first batch paid and recorded
    "pay:sent:2",
    "pay:mined:2",
    "pay:batch:2",
    "pay:sent:3",
    "pay:mined:3",
    "after:pay",
]


def epoch_of(ctx, name: str) -> Epoch:
    with ctx.session() as s:
        return s.scalar(select(Epoch).where(Epoch.community_id == get_community(ctx, name).id))


def transactions(ctx, epoch_id: int, kind: str) -> int:
    with ctx.session() as s:
        return s.scalar(
            select(func.count())
            .select_from(ChainTransaction)
            .where(ChainTransaction.epoch_id == epoch_id, ChainTransaction.kind == kind)
        )


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_resume_after_crash_pays_everyone_exactly_once(ctx, tmp_path, crash_at):
    ctx = context_with(ctx, batch_size=1)
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at=crash_at, progress=False, log=quiet)
    epoch = epoch_of(ctx, name)
    assert epoch.status == "running"
    root_before = epoch.merkle_root
    with ctx.session() as s:
        salts_before = {
            m.wallet: m.salt for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id))
        }

    resumed = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert resumed.id == epoch.id and resumed.number == 1 and resumed.status == "done"
    if root_before is not None:  # a tree already built is never rebuilt (salts are drawn once)
        assert resumed.merkle_root == root_before
    assert balances(ctx, name) == paid_out(EXPECTED)
    onchain = ctx.chain.epoch(get_community(ctx, name).token_address, 1)
    assert onchain.paid_total == sum(EXPECTED.values())
    with ctx.session() as s:
        members = list(s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id)))
        assert all(m.paid and m.skipped_tx is None for m in members)
        assert {m.wallet: m.leaf_index for m in members} == INDEX
        if salts_before and all(salts_before.values()):
            assert {m.wallet: m.salt for m in members} == salts_before
        steps = s.scalars(select(EpochStep.step).where(EpochStep.epoch_id == epoch.id)).all()
        assert sorted(steps) == sorted(set(steps))  # each step recorded once
    assert transactions(ctx, epoch.id, "commit") == 1  # never re-sent: the chain was asked first
    assert transactions(ctx, epoch.id, "push") == 3  # one per member, none repeated


def test_member_who_claimed_before_the_push_is_not_paid_again(ctx, tmp_path):
    """A member claims with their own proof between commit and payment: the runner sees it on-chain."""
    from oracle.merkle import StandardMerkleTree

    ctx = context_with(ctx, batch_size=2)
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    community = get_community(ctx, name)
    epoch = epoch_of(ctx, name)
    with ctx.session() as s:
        bruno = s.scalar(select(EpochMember).where(EpochMember.epoch_id == epoch.id, EpochMember.wallet == BRUNO))
    tree = StandardMerkleTree.load(epoch.tree_dump)
    chain = ctx.chain
    # anyone may send a claim; the tokens go to the member
    chain.send(
        chain.notary.functions.claim(
            community.token_address,
            1,
            bruno.leaf_index,
            BRUNO,
            int(bruno.amount),
            bytes(bruno.data_hash),
            tree.proof(bruno.leaf_index),
        ),
        "platform_admin",
    )
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert balances(ctx, name) == paid_out(EXPECTED)
    assert transactions(ctx, epoch.id, "push") == 1  # Anna and the shop in one batch of two; Bruno known paid
    with ctx.session() as s:
        bruno = s.scalar(select(EpochMember).where(EpochMember.epoch_id == epoch.id, EpochMember.wallet == BRUNO))
        assert bruno.paid and bruno.paid_tx is None  # paid by the claim, not by a push


@pytest.mark.parametrize("crash_at", ["pay:sent:1", "pay:mined:1", "pay:batch:1", "pay:sent:2"])
def test_resume_after_a_push_that_skipped_a_removed_member(ctx, tmp_path, crash_at):
    """Anna leaves the community on-chain after the commit: the first push (her leaf) skips her; a crash
    around it loses nothing — she is recorded as skipped once, the others are paid once."""
    ctx = context_with(ctx, batch_size=1)
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    chain = ctx.chain
    token = chain.token(get_community(ctx, name).token_address)
    chain.send(token.functions.removeMember(ANNA), "community_admin")
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at=crash_at, progress=False, log=quiet)
    resumed = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert resumed.status == "done"
    assert balances(ctx, name) == paid_out({BRUNO: EXPECTED[BRUNO], SHOP: EXPECTED[SHOP]})
    with ctx.session() as s:
        members = {m.wallet: m for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == resumed.id))}
    assert members[ANNA].skipped_tx is not None and not members[ANNA].paid
    assert members[BRUNO].paid and members[SHOP].paid
    assert transactions(ctx, resumed.id, "push") == 3  # Anna's (skipped), Bruno's, the shop's: none repeated
