"""The notary's challenge window and voids: a run stops cleanly before the epoch is payable and resumes
after it (by hand or by the scheduler); a voided epoch pays nothing and its period runs again as the next
epoch number."""

import time
from datetime import UTC, datetime

import pytest
from eth_utils import keccak
from sqlalchemy import func, select

from oracle.chain.client import EpochStatus
from oracle.cli import main as oracle_main
from oracle.communities import get_community
from oracle.db.schema import ChainTransaction, Epoch, EpochStep
from oracle.epochs.runner import EpochVoided, SimulatedCrash, run_epoch
from oracle.errors import OracleError
from oracle.instants import from_unix
from oracle.scheduler import RESUME_DELAY, run_job

from .builders import END, EXPECTED, START, balances, challenge_window, paid_out, quiet, small_community

HOUR = 3600


def advance_chain(ctx, seconds: int) -> None:
    """Moves the anvil chain's clock forward and mines a block at the new time."""
    provider = ctx.chain.w3.provider
    provider.make_request("evm_increaseTime", [seconds])
    provider.make_request("evm_mine", [])


def epochs_of(ctx, name: str) -> list[Epoch]:
    with ctx.session() as s:
        return list(
            s.scalars(select(Epoch).where(Epoch.community_id == get_community(ctx, name).id).order_by(Epoch.number))
        )


def transactions(ctx, epoch_id: int, kind: str) -> list[ChainTransaction]:
    with ctx.session() as s:
        return list(
            s.scalars(
                select(ChainTransaction).where(ChainTransaction.epoch_id == epoch_id, ChainTransaction.kind == kind)
            )
        )


def test_a_run_stops_cleanly_before_payable_at_and_resumes_after(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    home = str(ctx.settings.home)
    run = ["--home", home, "epoch", "run", "--community", name, "--start", START, "--end", END]
    with challenge_window(ctx, HOUR):
        assert oracle_main(run) == 0  # not an error: the epoch is committed and waits
    out = capsys.readouterr().out
    assert "payable from" in out and "run the same command then to pay" in out
    [epoch] = epochs_of(ctx, name)
    token = get_community(ctx, name).token_address
    onchain = ctx.chain.epoch(token, 1)
    assert onchain.payable_at == onchain.committed_at + HOUR
    assert epoch.status == "waiting" and epoch.payable_at == from_unix(onchain.payable_at)
    assert transactions(ctx, epoch.id, "push") == [] and balances(ctx, name) == paid_out({})
    # the rewards sit in escrow meanwhile
    assert ctx.chain.token(token).functions.rewardReserve().call() == sum(EXPECTED.values())

    # again before payableAt: still waiting, nothing sent
    assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    assert transactions(ctx, epoch.id, "push") == []
    # a new period waits for this one
    with pytest.raises(OracleError, match="epoch 1 .* is unfinished"):
        run_epoch(ctx, name, END, "2026-10-01T02:00:00+00:00", progress=False, log=quiet)

    advance_chain(ctx, HOUR)
    done = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert done.id == epoch.id and done.status == "done"
    assert balances(ctx, name) == paid_out(EXPECTED)
    assert len(transactions(ctx, epoch.id, "commit")) == 1 and len(transactions(ctx, epoch.id, "push")) == 1
    with ctx.session() as s:
        steps = s.scalars(select(EpochStep.step).where(EpochStep.epoch_id == epoch.id)).all()
    assert sorted(steps) == sorted(set(steps))


def test_an_idle_chain_pays_once_the_clock_passes_payable_at(ctx, tmp_path):
    """Anvil mines only when a transaction comes: after the commit no newer block exists, yet the block that
    includes the push carries the clock's time, so the run pays once the clock has passed payableAt."""
    name = small_community(ctx, tmp_path)
    with challenge_window(ctx, 2):
        epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert epoch.status == "waiting"
    latest = ctx.chain.w3.eth.block_number
    time.sleep(3)
    assert ctx.chain.w3.eth.block_number == latest  # nothing mined meanwhile
    assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "done"
    assert balances(ctx, name) == paid_out(EXPECTED)


def test_the_scheduler_resumes_a_waiting_epoch_when_it_becomes_payable(ctx, tmp_path):
    from apscheduler.schedulers.background import BackgroundScheduler

    name = small_community(ctx, tmp_path)
    scheduler = BackgroundScheduler(timezone="UTC")  # never started: its jobs are only listed here
    job = {"community": name, "cron": "30 2 * * *", "period": "previous_day", "timezone": "UTC"}
    with challenge_window(ctx, HOUR):
        run_job(ctx, job, now=datetime(2026, 10, 2, 2, 30, tzinfo=UTC), scheduler=scheduler)
    [epoch] = epochs_of(ctx, name)
    assert epoch.status == "waiting"
    [resume] = scheduler.get_jobs()
    assert resume.trigger.run_date == epoch.payable_at + RESUME_DELAY
    # the same period as the cron run, not "the day before" the resume time
    assert resume.args[1:4] == (name, "2026-10-01T00:00:00+00:00", "2026-10-02T00:00:00+00:00")
    advance_chain(ctx, HOUR)
    resume.func(*resume.args)
    assert epochs_of(ctx, name)[0].status == "done"
    assert balances(ctx, name) == paid_out(EXPECTED)


def test_the_next_cron_run_finishes_an_epoch_whose_resume_was_lost(ctx, tmp_path):
    """`oracle serve` restarted during the challenge window (its one-off resume gone): the next daily run
    pays the waiting epoch first, then runs its own day."""
    name = small_community(ctx, tmp_path)
    job = {"community": name, "cron": "30 2 * * *", "period": "previous_day", "timezone": "UTC"}
    with challenge_window(ctx, HOUR):
        run_job(ctx, job, now=datetime(2026, 10, 2, 2, 30, tzinfo=UTC))  # no scheduler: no resume
    assert [e.status for e in epochs_of(ctx, name)] == ["waiting"]
    run_job(ctx, job, now=datetime(2026, 10, 3, 2, 30, tzinfo=UTC))  # still in the window
    assert [e.status for e in epochs_of(ctx, name)] == ["waiting"]
    advance_chain(ctx, HOUR)
    run_job(ctx, job, now=datetime(2026, 10, 3, 2, 30, tzinfo=UTC))
    first, second = epochs_of(ctx, name)
    assert (first.status, second.status) == ("done", "done")
    assert second.period_start == datetime(2026, 10, 2, tzinfo=UTC)
    assert int(second.total_reward) == 0  # no readings on 2 October
    assert balances(ctx, name) == paid_out(EXPECTED)


def test_void_then_the_same_period_runs_again_as_the_next_epoch(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    home = str(ctx.settings.home)
    with challenge_window(ctx, HOUR):
        assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    token_address = get_community(ctx, name).token_address
    token = ctx.chain.token(token_address)
    total = sum(EXPECTED.values())
    available = token.functions.treasuryAvailable().call()
    reason = "meter B-PV was mapped to the wrong member"
    assert oracle_main(["--home", home, "epoch", "void", "--community", name, "--epoch", "1", "--reason", reason]) == 0
    assert "voided on-chain" in capsys.readouterr().out
    onchain = ctx.chain.epoch(token_address, 1)
    assert onchain.status == EpochStatus.VOIDED and onchain.paid_total == 0
    # the escrow went back to the treasury
    assert token.functions.rewardReserve().call() == 0
    assert token.functions.treasuryAvailable().call() == available + total
    [first] = epochs_of(ctx, name)
    assert first.status == "voided"
    [void] = transactions(ctx, first.id, "void")
    assert void.detail == {"reason": reason, "reasonHash": "0x" + keccak(text=reason).hex()}
    assert ctx.chain.w3.eth.get_transaction(void.tx_hash)["from"] == ctx.keyring.address("community_admin")

    second = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert second.number == 2 and second.status == "done" and second.period_start == first.period_start
    assert balances(ctx, name) == paid_out(EXPECTED)
    assert ctx.chain.epoch_count(token_address) == 2
    assert ctx.chain.epoch(token_address, 2).paid_total == total

    assert oracle_main(["--home", home, "epoch", "show", "--community", name, "--epoch", "1"]) == 0
    shown = capsys.readouterr().out
    assert "epoch 1 (voided)" in shown and f"voided    {reason}" in shown
    # voiding again changes nothing; a paid epoch cannot be voided
    assert oracle_main(["--home", home, "epoch", "void", "--community", name, "--epoch", "1", "--reason", "again"]) == 0
    assert "already voided on-chain" in capsys.readouterr().out
    assert len(transactions(ctx, first.id, "void")) == 1
    assert oracle_main(["--home", home, "epoch", "void", "--community", name, "--epoch", "2", "--reason", "no"]) == 2
    assert "has already paid 1.949999 tokens: a paid epoch cannot be voided" in capsys.readouterr().err


def test_an_epoch_voided_on_chain_stops_the_run_and_its_period_runs_again(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    chain = ctx.chain
    token = get_community(ctx, name).token_address
    # the Community Admin voids it directly on the notary, not through the oracle
    chain.send(chain.notary.functions.voidEpoch(token, 1, keccak(text="by hand")), "community_admin")
    with pytest.raises(
        EpochVoided, match="was voided on-chain and pays nothing: run `oracle epoch run` for the same period again"
    ):
        run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert [e.status for e in epochs_of(ctx, name)] == ["voided"]
    again = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert (again.number, again.status) == (2, "done")
    assert balances(ctx, name) == paid_out(EXPECTED)


def test_an_epoch_not_on_chain_cannot_be_voided(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    from oracle.epochs.void import void_epoch

    with pytest.raises(OracleError, match="is not committed on-chain: there is nothing to void"):
        void_epoch(ctx, name, 1, "nothing")
    with pytest.raises(OracleError, match="--reason is required"):
        void_epoch(ctx, name, 1, "  ")
    with ctx.session() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(ChainTransaction)
                .where(ChainTransaction.kind == "void", ChainTransaction.epoch_id == epochs_of(ctx, name)[0].id)
            )
            == 0
        )
