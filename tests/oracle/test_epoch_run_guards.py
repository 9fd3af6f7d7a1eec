"""What `oracle epoch run` refuses, and how it says it (issue 7): a second run of the same community while one
is in progress (a PostgreSQL advisory lock), a total above the community's reward ceiling or the treasury's
available balance (before any transaction, naming both figures), a period before an earlier epoch (said as
"before epoch N", an overlap only when quarter-hours are shared)."""

import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from oracle.chain.client import EpochStatus
from oracle.chain.encoding import to_bytes32
from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import ChainTransaction, Epoch
from oracle.epochs.runner import run_epoch
from oracle.errors import AlreadyRunning, OracleError
from oracle.instants import parse_instant, to_unix
from oracle.units import tokens_to_base

from .builders import END, EXPECTED, START, balances, paid_out, quiet, small_community
from .conftest import context_with

TOTAL = "1.949999"  # tokens: the builders' hour under self_consumption 1 / 0.5 (0.5 + 0.883333 + 0.566666)


def epochs_of(ctx, name: str) -> list[Epoch]:
    with ctx.session() as s:
        return list(
            s.scalars(select(Epoch).where(Epoch.community_id == get_community(ctx, name).id).order_by(Epoch.number))
        )


def commits_sent(ctx, name: str) -> int:
    with ctx.session() as s:
        return s.scalar(
            select(func.count())
            .select_from(ChainTransaction)
            .where(ChainTransaction.community_id == get_community(ctx, name).id, ChainTransaction.kind == "commit")
        )


def error_line(stderr: str) -> str:
    """The one sentence of a refusal (the progress bars of the steps before it go to stderr too)."""
    assert "Traceback" not in stderr
    [line] = [line for line in stderr.splitlines() if line.startswith("error: ")]
    return line


# ------------------------------------------------------------------ two runs at once


class PausedRun(threading.Thread):
    """`run_epoch` in a thread of its own (its own Context: its own connections), stopped before its compute
    step until released."""

    def __init__(self, ctx, name: str):
        super().__init__(daemon=True)
        self.ctx, self.name = context_with(ctx), name
        self.paused, self.release = threading.Event(), threading.Event()
        self.result = self.error = None

    def log(self, line: str) -> None:
        if line.endswith(": compute"):
            self.paused.set()
            assert self.release.wait(120), "never released"

    def run(self) -> None:
        try:
            self.result = run_epoch(self.ctx, self.name, START, END, progress=False, log=self.log)
        except BaseException as exc:  # reported by the test
            self.error = exc
            self.paused.set()


def test_a_second_run_of_the_same_community_stops_at_once_with_a_sentence(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    first = PausedRun(ctx, name)
    first.start()
    try:
        assert first.paused.wait(120) and first.error is None
        # the same community from another connection of this process: refused, nothing written
        with pytest.raises(AlreadyRunning, match="an epoch run for this community is already in progress"):
            run_epoch(context_with(ctx), name, START, END, progress=False, log=quiet)
        # and from another process, through the command line: exit 1, one sentence, no traceback
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "oracle.cli",
                "--home",
                str(ctx.settings.home),
                "epoch",
                "run",
                "--community",
                name,
                "--start",
                START,
                "--end",
                END,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=os.environ.copy(),
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("error: an epoch run for this community is already in progress")
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert done.stdout == ""
        # another community is not held up
        other = small_community(ctx, tmp_path)
        assert run_epoch(context_with(ctx), other, START, END, progress=False, log=quiet).status == "done"
    finally:
        first.release.set()
        first.join(120)
    assert first.error is None and first.result.status == "done"
    [epoch] = epochs_of(ctx, name)
    assert epoch.number == 1 and commits_sent(ctx, name) == 1
    assert balances(ctx, name) == paid_out(EXPECTED)  # paid once
    # the lock went with the run: the same command now says the epoch is done
    assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "done"


def test_a_run_that_fails_lets_go_of_the_lock(ctx, tmp_path):
    """The first run holds the lock until it fails (a total above the ceiling); then the next run is not refused
    as "in progress" but runs, and says the same refusal."""
    name = small_community(ctx, tmp_path, reward_ceiling="1")
    first = PausedRun(ctx, name)
    first.start()
    try:
        assert first.paused.wait(120) and first.error is None
        with pytest.raises(AlreadyRunning):
            run_epoch(context_with(ctx), name, START, END, progress=False, log=quiet)
    finally:
        first.release.set()
        first.join(120)
    assert isinstance(first.error, OracleError) and "above the community's per-epoch reward ceiling" in str(first.error)
    with pytest.raises(OracleError, match="above the community's per-epoch reward ceiling") as again:
        run_epoch(context_with(ctx), name, START, END, progress=False, log=quiet)
    assert not isinstance(again.value, AlreadyRunning)


# ------------------------------------------------------------------ ceiling and treasury


def run_cli(ctx, name: str) -> int:
    return oracle_main(
        ["--home", str(ctx.settings.home), "epoch", "run", "--community", name, "--start", START, "--end", END]
    )


@pytest.mark.parametrize("ceiling", ["1.949998", "1"])
def test_a_total_above_the_ceiling_is_refused_before_commit_naming_both(ctx, tmp_path, capsys, ceiling):
    name = small_community(ctx, tmp_path, reward_ceiling=ceiling)
    assert run_cli(ctx, name) == 2
    err = error_line(capsys.readouterr().err)
    assert f"rewards {TOTAL} tokens, above the community's per-epoch reward ceiling of {ceiling}: raise it" in err
    assert commits_sent(ctx, name) == 0 and ctx.chain.epoch_count(get_community(ctx, name).token_address) == 0
    assert [e.status for e in epochs_of(ctx, name)] == ["running"]  # resumable once the ceiling is raised
    # raised to exactly the total (the token admin, through the same command): committed and paid
    create_community(ctx, name, reward_ceiling=TOTAL)
    assert run_cli(ctx, name) == 0
    assert commits_sent(ctx, name) == 1 and balances(ctx, name) == paid_out(EXPECTED)


# 700 tokens of the endowment go to the welcome bonuses (100 + 100 + 500): the treasury can spend the rest.
@pytest.mark.parametrize("endowment,available", [("701.949998", "1.949998"), ("700", "0")])
def test_a_total_above_the_treasury_is_refused_before_commit_naming_both(ctx, tmp_path, capsys, endowment, available):
    name = small_community(ctx, tmp_path, endowment=endowment)
    token = ctx.chain.token(get_community(ctx, name).token_address)
    assert token.functions.treasuryAvailable().call() == tokens_to_base(available)
    assert run_cli(ctx, name) == 2
    err = error_line(capsys.readouterr().err)
    assert f"rewards {TOTAL} tokens but the treasury can spend only {available}: the token admin funds it" in err
    assert commits_sent(ctx, name) == 0 and ctx.chain.epoch_count(token.address) == 0
    # funded up to exactly the total: committed and paid, the treasury left with nothing
    missing = tokens_to_base(TOTAL) - tokens_to_base(available)
    ctx.chain.send(token.functions.fundTreasury(missing, to_bytes32("test")), "token_admin")
    assert run_cli(ctx, name) == 0
    assert token.functions.treasuryAvailable().call() == 0 and balances(ctx, name) == paid_out(EXPECTED)


def test_a_version_on_chain_outside_the_ranges_is_computed_and_bounded_by_the_ceiling(ctx, tmp_path):
    """alpha_consumer 1000 tokens/kWh, published on the registry directly (as an older oracle could have): read,
    computed as published with a warning, and refused by the ceiling before any commit.
    Worked out by hand from the builders' hour: consumer kWh Anna 0.5, Bruno 0.2333333…, Shop 0.5666666…,
    producer kWh Bruno 1.3. Anna 1000 * 0.5 = 500; Bruno 233.333333… + 0.5 * 1.3 = 233.983333… -> 233.983333;
    Shop 566.666666… -> 566.666666; total 1300.649999 tokens."""
    name = small_community(ctx, tmp_path, reward_ceiling="1000")
    chain = ctx.chain
    token = get_community(ctx, name).token_address
    chain.send(
        chain.registry.functions.publishVersion(
            token,
            to_bytes32("self_consumption"),
            [to_bytes32("alpha_consumer"), to_bytes32("alpha_producer")],
            [1000 * 10**6, 500_000],
            to_unix(parse_instant(START, "start")),
        ),
        "oracle_admin",
    )
    said = []
    with pytest.raises(
        OracleError,
        match=r"rewards 1300\.649999 tokens, above the community's per-epoch reward "
        r"ceiling of 1000",
    ):
        run_epoch(ctx, name, START, END, progress=False, log=said.append)
    assert any(
        "warning: self_consumption v2 on-chain: parameter 'alpha_consumer' = 1000.0 is outside its "
        "plausible range 0 to 100 (tokens per kWh of shared consumption); it rules the period and is used as "
        "published" in line
        for line in said
    )
    assert commits_sent(ctx, name) == 0


# ------------------------------------------------------------------ periods in order


def test_a_period_before_an_earlier_epoch_is_said_to_be_before_it_not_an_overlap(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)  # epoch 1: 00:00-01:00
    # epoch 2 leaves a gap: 02:00-03:00
    run_epoch(ctx, name, "2026-10-01T02:00:00+00:00", "2026-10-01T03:00:00+00:00", progress=False, log=quiet)
    cases = [
        # wholly before epoch 1
        (
            "2026-09-30T22:00:00+00:00",
            "2026-09-30T23:00:00+00:00",
            r"the period 2026-09-30T22:00:00\+00:00 to 2026-09-30T23:00:00\+00:00 is before epoch 1 "
            r"\(2026-10-01T00:00:00\+00:00 to 2026-10-01T01:00:00\+00:00\): epochs follow one another in time, so the "
            r"next period starts at or after 2026-10-01T03:00:00\+00:00, the end of epoch 2",
        ),
        # in the gap: before epoch 2, overlapping nothing
        (
            "2026-10-01T01:00:00+00:00",
            "2026-10-01T02:00:00+00:00",
            r"the period 2026-10-01T01:00:00\+00:00 to 2026-10-01T02:00:00\+00:00 is before epoch 2 \(2026-10-01T02:00",
        ),
        # ending where epoch 1 starts: before it (half-open periods share no quarter-hour)
        ("2026-09-30T23:00:00+00:00", "2026-10-01T00:00:00+00:00", r"is before epoch 1 "),
        # real overlaps
        (
            "2026-10-01T00:45:00+00:00",
            "2026-10-01T01:15:00+00:00",
            r"the period 2026-10-01T00:45:00\+00:00 to 2026-10-01T01:15:00\+00:00 overlaps epoch 1 "
            r"\(2026-10-01T00:00:00\+00:00 to 2026-10-01T01:00:00\+00:00\): nobody may be rewarded twice",
        ),
        ("2026-10-01T01:00:00+00:00", "2026-10-01T02:15:00+00:00", r"overlaps epoch 2 "),
        ("2026-10-01T02:30:00+00:00", "2026-10-01T04:00:00+00:00", r"overlaps epoch 2 "),
    ]
    for start, end, message in cases:
        with pytest.raises(OracleError, match=message):
            run_epoch(ctx, name, start, end, progress=False, log=quiet)
    assert [e.number for e in epochs_of(ctx, name)] == [1, 2]
    # right after the last epoch: fine
    assert (
        run_epoch(ctx, name, "2026-10-01T03:00:00+00:00", "2026-10-01T04:00:00+00:00", progress=False, log=quiet).number
        == 3
    )


# ------------------------------------------------------------------ the other writers of a community wait their turn


DARIO = "0x00000000000000000000000000000000000000d4"


def test_a_member_import_or_removal_while_another_is_in_progress_stops_with_a_sentence(ctx, tmp_path, capsys):
    from oracle.db.schema import Membership
    from oracle.locks import community_members_lock

    name = small_community(ctx, tmp_path)
    community = get_community(ctx, name)
    more = tmp_path / "more.csv"
    more.write_text(
        f"wallet,name,email,kind,profile,deviceid\n{DARIO},Dario Neri,dario@example.org,citizen,consumer,{name}-D-M\n"
    )
    home = str(ctx.settings.home)
    with community_members_lock(context_with(ctx), community):  # another import holds the community
        capsys.readouterr()
        assert oracle_main(["--home", home, "members", "import", "--community", name, str(more)]) == 1
        assert error_line(capsys.readouterr().err) == (
            f"error: a member import or removal for {name!r} is already in progress (in another process): wait for "
            "it to end, then run the same command again"
        )
        assert (
            oracle_main(["--home", home, "members", "remove", "--community", name, "--reason", "left", EXPECTED_WALLET])
            == 1
        )
        assert "already in progress" in error_line(capsys.readouterr().err)
    with ctx.session() as s:
        members = {
            m.wallet: m.active for m in s.scalars(select(Membership).where(Membership.community_id == community.id))
        }
    assert DARIO not in members and members[EXPECTED_WALLET] is True
    # the lock let go: the same commands now go through
    assert oracle_main(["--home", home, "members", "import", "--community", name, str(more)]) == 0
    assert (
        oracle_main(["--home", home, "members", "remove", "--community", name, "--reason", "left", EXPECTED_WALLET])
        == 0
    )


EXPECTED_WALLET = next(iter(EXPECTED))


def test_a_void_while_an_epoch_run_is_in_progress_stops_with_a_sentence(ctx, tmp_path, capsys):
    from oracle.epochs.runner import SimulatedCrash
    from oracle.locks import community_run_lock

    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    home = str(ctx.settings.home)
    with community_run_lock(context_with(ctx), get_community(ctx, name)):
        capsys.readouterr()
        assert (
            oracle_main(
                ["--home", home, "epoch", "void", "--community", name, "--epoch", "1", "--reason", "wrong data"]
            )
            == 1
        )
        assert error_line(capsys.readouterr().err).startswith(
            f"error: an epoch run for this community is already in progress ({name!r}, in another process): wait for "
            "it to end, then void the epoch if it still needs it"
        )
    assert ctx.chain.epoch(get_community(ctx, name).token_address, 1).status == EpochStatus.COMMITTED
    assert (
        oracle_main(["--home", home, "epoch", "void", "--community", name, "--epoch", "1", "--reason", "wrong data"])
        == 0
    )


def test_a_scheduled_run_that_finds_the_lock_taken_logs_one_line(ctx, tmp_path, caplog):
    import logging

    from oracle.locks import community_run_lock
    from oracle.scheduler import run_period

    name = small_community(ctx, tmp_path)
    with community_run_lock(context_with(ctx), get_community(ctx, name)), caplog.at_level(logging.INFO, "oracle.serve"):
        assert run_period(context_with(ctx), name, START, END) is None
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is None and "already in progress" in record.getMessage()
    assert epochs_of(ctx, name) == []
