"""A process that dies at any point of an epoch: running the same command again finishes it, with every
member paid exactly once (batches of one member, so crashes fall between and inside payments too)."""
import pytest
from sqlalchemy import func, select

from oracle.communities import get_community
from oracle.db.schema import ChainTransaction, Epoch, EpochMember, EpochStep
from oracle.epochs.runner import SimulatedCrash, run_epoch

from .builders import ANNA, BRUNO, END, EXPECTED, SHOP, START, small_community
from .conftest import context_with

WELCOME = {ANNA: 100 * 10**18, BRUNO: 100 * 10**18, SHOP: 500 * 10**18}
CRASH_POINTS = [
    "after:select", "after:compute", "after:hash", "after:tree",
    "commit:sent",          # commit transaction sent, process dies before its receipt is recorded
    "after:commit",
    "pay:sent:1",           # first batch sent, not yet recorded as paid
    "pay:batch:1",          # first batch paid and recorded
    "pay:sent:2", "pay:batch:2", "pay:sent:3",
    "after:pay",
]


def quiet(*_):
    pass


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_resume_after_crash_pays_everyone_exactly_once(ctx, tmp_path, crash_at):
    ctx = context_with(ctx, batch_size=1)
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at=crash_at, progress=False, log=quiet)
    with ctx.session() as s:
        epoch = s.scalar(select(Epoch).where(Epoch.community_id == get_community(ctx, name).id))
        assert epoch.status == "running"
        root_before = epoch.merkle_root
        salts_before = {m.wallet: m.salt for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id))}

    resumed = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert resumed.id == epoch.id and resumed.number == 1 and resumed.status == "done"
    if root_before is not None:  # a tree already built is never rebuilt (salts are drawn once)
        assert resumed.merkle_root == root_before
    community = get_community(ctx, name)
    token = ctx.chain.token(community.token_address)
    assert {w: token.functions.balanceOf(w).call() for w in WELCOME} == {w: WELCOME[w] + EXPECTED[w] for w in WELCOME}
    _, _, paid_count, _, paid_total = ctx.chain.notary.functions.getEpoch(community.token_address, 1).call()
    assert paid_count == 3 and paid_total == sum(EXPECTED.values())
    with ctx.session() as s:
        members = list(s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id)))
        assert all(m.paid for m in members)
        if salts_before and all(salts_before.values()):
            assert {m.wallet: m.salt for m in members} == salts_before
        steps = s.scalars(select(EpochStep.step).where(EpochStep.epoch_id == epoch.id)).all()
        assert sorted(steps) == sorted(set(steps))  # each step recorded once
        commits = s.scalar(select(func.count()).select_from(ChainTransaction).where(
            ChainTransaction.epoch_id == epoch.id, ChainTransaction.kind == "commit"))
        assert commits == 1  # never re-sent: the chain was asked first
        pushes = s.scalar(select(func.count()).select_from(ChainTransaction).where(
            ChainTransaction.epoch_id == epoch.id, ChainTransaction.kind == "push"))
        assert pushes == 3  # one per member, none repeated


def test_member_who_claimed_before_the_push_is_not_paid_again(ctx, tmp_path):
    """A member claims with their own proof between commit and payment: the runner sees it on-chain."""
    from oracle.merkle import StandardMerkleTree

    ctx = context_with(ctx, batch_size=2)
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    community = get_community(ctx, name)
    with ctx.session() as s:
        epoch = s.scalar(select(Epoch).where(Epoch.community_id == community.id))
        bruno = s.scalar(select(EpochMember).where(EpochMember.epoch_id == epoch.id, EpochMember.wallet == BRUNO))
        tree = StandardMerkleTree.load(epoch.tree_dump)
    proof = tree.proof(tree.index_of(lambda v: v[0] == BRUNO))
    chain = ctx.chain
    chain.send(chain.notary.functions.claim(community.token_address, 1, BRUNO, int(bruno.amount),
                                            bytes(bruno.data_hash), proof), "oracle")
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    token = chain.token(community.token_address)
    assert token.functions.balanceOf(BRUNO).call() == WELCOME[BRUNO] + EXPECTED[BRUNO]
    assert token.functions.balanceOf(ANNA).call() == WELCOME[ANNA] + EXPECTED[ANNA]
    with ctx.session() as s:
        pushes = s.scalars(select(ChainTransaction).where(ChainTransaction.epoch_id == epoch.id,
                                                         ChainTransaction.kind == "push")).all()
        assert len(pushes) == 1  # Anna and the shop in one batch of two; Bruno skipped before sending
