"""Debts of corrected epochs read as an attacker would: a debt is deducted only once its revision stands for good.

A revision can be voided on-chain during its challenge window. Before that window is over (and the oracle has
finished the revision) its debts must not be deducted from the next epoch: the deduction would never come back.
The scenario is the one of test_epoch_corrections.py: the correction lowers Anna's 0.5 to 0.2 (a debt of 0.3) and
raises the shop's 0.566666 to 0.866666 (a top-up of 0.3); the next hour rewards Anna 0.5 again.
"""

from __future__ import annotations

from eth_utils import keccak
from sqlalchemy import select

from oracle.communities import get_community
from oracle.db.schema import EpochMember
from oracle.epochs.revisions import correct_epoch

from .builders import ANNA, BRUNO, EXPECTED, SHOP, balances, challenge_window, paid_out, quiet
from .test_epoch_corrections import REASON, TOP_UP, _next_epoch, load_correction, paid_community, plus

E12 = 10**12
WINDOW = 600


def deductions(ctx, epoch_id: int) -> dict[str, tuple[int, int]]:
    """(amount, debt_deducted) per wallet of an epoch."""
    with ctx.session() as s:
        return {
            m.wallet: (int(m.amount), int(m.debt_deducted))
            for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch_id))
        }


def undeducted() -> dict[str, tuple[int, int]]:
    return {ANNA: (500_000 * E12, 0), BRUNO: (883_333 * E12, 0), SHOP: (566_666 * E12, 0)}


def test_a_revision_voided_in_its_challenge_window_leaves_no_debt(ctx, tmp_path):
    name = paid_community(ctx, tmp_path)
    load_correction(ctx, tmp_path, name)
    with challenge_window(ctx, WINDOW):
        revision = correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet)
    assert revision.status == "waiting"
    chain, token = ctx.chain, get_community(ctx, name).token_address
    chain.send(chain.notary.functions.voidRevision(token, 1, 1, keccak(text="the DSO withdrew it")), "community_admin")
    # the next epoch pays Anna her whole 0.5: the voided correction's debt does not exist
    epoch2 = _next_epoch(ctx, tmp_path, name)
    assert deductions(ctx, epoch2.id) == undeducted()
    assert balances(ctx, name) == paid_out(plus(EXPECTED, {w: a for w, (a, _) in undeducted().items()}))


def test_a_debt_is_deducted_only_after_its_revision_stands(ctx, tmp_path):
    name = paid_community(ctx, tmp_path)
    load_correction(ctx, tmp_path, name)
    with challenge_window(ctx, WINDOW):
        assert correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet).status == "waiting"
    epoch2 = _next_epoch(ctx, tmp_path, name)  # the revision may still be voided: nothing deducted yet
    assert deductions(ctx, epoch2.id) == undeducted()
    rpc = ctx.chain.w3.provider
    rpc.make_request("evm_increaseTime", [WINDOW])
    rpc.make_request("evm_mine", [])
    assert correct_epoch(ctx, name, 1, REASON, progress=False, log=quiet).status == "done"  # the top-up is paid
    epoch3 = _next_epoch(ctx, tmp_path, name, hour=3)  # now it stands: Anna's next leaf pays off the 0.3
    assert deductions(ctx, epoch3.id) == {
        ANNA: (200_000 * E12, 300_000 * E12),
        BRUNO: (883_333 * E12, 0),
        SHOP: (566_666 * E12, 0),
    }
    second = {w: a for w, (a, _) in undeducted().items()}
    assert balances(ctx, name) == paid_out(
        plus(EXPECTED, second, TOP_UP, {ANNA: 200_000 * E12}, {BRUNO: 883_333 * E12}, {SHOP: 566_666 * E12})
    )
