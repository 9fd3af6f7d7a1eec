"""A stuck epoch has a way out (issue 7): an epoch never committed can be abandoned (recorded, shown, its number
taken again by the next epoch, which commits on-chain under it and pays); a committed one cannot; and a resumed run
recomputes from select when the model that rules the period changed and nothing was committed."""

import pytest
from sqlalchemy import func, select

from oracle.cli import main as oracle_main
from oracle.communities import get_community
from oracle.db.schema import ChainTransaction, Epoch, EpochMember, EpochStep
from oracle.epochs.abandon import abandon_epoch
from oracle.epochs.report import epoch_report, format_report
from oracle.epochs.runner import SimulatedCrash, run_epoch, unfinished_epoch
from oracle.errors import OracleError
from oracle.model_registry import publish_model

from .builders import (
    ANNA,
    BRUNO,
    END,
    EXPECTED,
    SHOP,
    START,
    balances,
    challenge_window,
    paid_out,
    quiet,
    small_community,
)

# The hour before START: no readings, so an epoch over it rewards 0 to each of the three members.
BEFORE = ("2026-09-30T23:00:00+00:00", "2026-10-01T00:00:00+00:00")
# The hour after END: no readings either.
AFTER = ("2026-10-01T01:00:00+00:00", "2026-10-01T02:00:00+00:00")
REASON = "meter B-PV is to be imported again with its October data"


def rows(ctx, name: str) -> list[Epoch]:
    with ctx.session() as s:
        return list(
            s.scalars(select(Epoch).where(Epoch.community_id == get_community(ctx, name).id).order_by(Epoch.id))
        )


def steps(ctx, epoch_id: int) -> dict[str, dict | None]:
    with ctx.session() as s:
        return {st.step: st.detail for st in s.scalars(select(EpochStep).where(EpochStep.epoch_id == epoch_id))}


def commits(ctx, epoch_id: int) -> list[ChainTransaction]:
    with ctx.session() as s:
        return list(
            s.scalars(
                select(ChainTransaction).where(ChainTransaction.epoch_id == epoch_id, ChainTransaction.kind == "commit")
            )
        )


def show(ctx, name: str, number: int, capsys) -> str:
    capsys.readouterr()
    assert (
        oracle_main(["--home", str(ctx.settings.home), "epoch", "show", "--community", name, "--epoch", str(number)])
        == 0
    )
    return capsys.readouterr().out


def test_an_abandoned_epoch_frees_its_period_and_the_next_run_commits_its_number_and_pays(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    home = str(ctx.settings.home)
    first = run_epoch(ctx, name, *BEFORE, progress=False, log=quiet)
    assert (first.number, first.status, int(first.total_reward)) == (1, "done", 0)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    [_, stuck] = rows(ctx, name)
    assert (stuck.number, stuck.status) == (2, "running")
    # the finding: every other period is refused while epoch 2 is unfinished
    with pytest.raises(OracleError, match=r"epoch 2 .* is unfinished: .*abandon it: `oracle epoch abandon`"):
        run_epoch(ctx, name, *AFTER, progress=False, log=quiet)

    capsys.readouterr()
    assert (
        oracle_main(["--home", home, "epoch", "abandon", "--community", name, "--epoch", "2", "--reason", REASON]) == 0
    )
    said = capsys.readouterr().out
    assert "epoch 2 of" in said and "abandoned; it was never committed on-chain" in said
    assert "commits its epoch as number 2" in said
    [_, abandoned] = rows(ctx, name)
    assert abandoned.id == stuck.id and abandoned.status == "abandoned"
    assert abandoned.number == -abandoned.id  # moved aside: number 2 is free for the chain
    record = steps(ctx, stuck.id)
    assert record["abandon"]["reason"] == REASON and record["abandon"]["number"] == 2
    assert "@" in record["abandon"]["by"]
    assert {"select", "compute", "hash", "tree"} <= set(record)  # what it computed stays, for the record
    assert unfinished_epoch(ctx, get_community(ctx, name)) is None
    shown = show(ctx, name, 2, capsys)
    assert "epoch 2 (abandoned)" in shown and f": {REASON}: never committed" in shown
    assert ctx.chain.epoch_count(get_community(ctx, name).token_address) == 1

    again = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert (again.number, again.status) == (2, "done") and again.id != stuck.id
    token = get_community(ctx, name).token_address
    assert ctx.chain.epoch_count(token) == 2
    onchain = ctx.chain.epoch(token, 2)
    assert onchain.merkle_root_hex == again.merkle_root and onchain.paid_total == sum(EXPECTED.values())
    assert balances(ctx, name) == paid_out(EXPECTED)
    shown = show(ctx, name, 2, capsys)
    assert "epoch 2 (done)" in shown
    assert (
        f"earlier   attempt 2026-10-01T00:00:00+00:00 .. 2026-10-01T01:00:00+00:00 (root {stuck.merkle_root}) abandoned"
        in shown
        and shown.rstrip().count(REASON) == 1
    )
    report = epoch_report(ctx, name, 2)
    assert [a["reason"] for a in report["abandonedAttempts"]] == [REASON] and report["abandoned"] is None
    # the next epoch is 3, after the abandoned number was used
    assert run_epoch(ctx, name, *AFTER, progress=False, log=quiet).number == 3


def test_the_first_epoch_abandoned_its_number_1_is_used_again(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:select", progress=False, log=quiet)
    abandon_epoch(ctx, name, 1, "wrong period")
    # another period now: the abandoned one does not block it, and its number is 1 again
    epoch = run_epoch(ctx, name, *BEFORE, progress=False, log=quiet)
    assert (epoch.number, epoch.status) == (1, "done")
    assert ctx.chain.epoch(get_community(ctx, name).token_address, 1).merkle_root_hex == epoch.merkle_root


def test_abandon_asks_for_a_reason_and_an_epoch_that_exists(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    home = str(ctx.settings.home)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    for reason in ("", "   "):
        assert (
            oracle_main(["--home", home, "epoch", "abandon", "--community", name, "--epoch", "1", "--reason", reason])
            == 2
        )
        assert "--reason is required: say why the epoch is abandoned" in capsys.readouterr().err
    assert oracle_main(["--home", home, "epoch", "abandon", "--community", name, "--epoch", "7", "--reason", "x"]) == 2
    assert "has no epoch 7" in capsys.readouterr().err
    assert [e.status for e in rows(ctx, name)] == ["running"]
    # abandoning twice says so and changes nothing; void and take-out name the abandonment
    abandon_epoch(ctx, name, 1, REASON)
    assert "was already abandoned on" in abandon_epoch(ctx, name, 1, "again")
    assert len([e for e in rows(ctx, name) if e.status == "abandoned"]) == 1
    from oracle.epochs.void import void_epoch

    with pytest.raises(
        OracleError, match=f"epoch 1 of .* was abandoned before its commit \\({REASON}\\): it has nothing on-chain"
    ):
        void_epoch(ctx, name, 1, "x")


def test_a_committed_epoch_cannot_be_abandoned_and_void_is_named(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    home = str(ctx.settings.home)
    with challenge_window(ctx, 3600):
        assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "waiting"
    assert (
        oracle_main(
            ["--home", home, "epoch", "abandon", "--community", name, "--epoch", "1", "--reason", "changed my mind"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "epoch 1 of" in err and "is committed on-chain (root 0x" in err
    assert "only an epoch never committed can be abandoned; `oracle epoch void --community" in err
    assert err.count("\n") == 1
    [epoch] = rows(ctx, name)
    assert (epoch.number, epoch.status) == (1, "waiting") and "abandon" not in steps(ctx, epoch.id)


def test_a_commit_mined_but_not_recorded_is_found_and_the_epoch_is_not_abandoned(ctx, tmp_path):
    """The process died after sending the commit: the chain mined it, the database says "sent"."""
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="commit:sent", progress=False, log=quiet)
    [epoch] = rows(ctx, name)
    assert [tx.status for tx in commits(ctx, epoch.id)] == ["sent"]
    with pytest.raises(OracleError, match="is committed on-chain .*`oracle epoch void"):
        abandon_epoch(ctx, name, 1, "stuck?")
    assert [tx.status for tx in commits(ctx, epoch.id)] == ["mined"]  # recorded from its receipt
    assert rows(ctx, name)[0].status == "running"
    assert run_epoch(ctx, name, START, END, progress=False, log=quiet).status == "done"
    assert balances(ctx, name) == paid_out(EXPECTED)


def test_a_pending_commit_blocks_abandon_and_a_dropped_one_does_not(ctx, tmp_path):
    """Automining off: the commit waits in the chain's pool. While it may be mined, abandon refuses; once the
    chain dropped it, abandon records it dropped and the next run commits epoch 1 anew."""
    name = small_community(ctx, tmp_path)
    provider = ctx.chain.w3.provider
    provider.make_request("evm_setAutomine", [False])
    try:
        with pytest.raises(SimulatedCrash):
            run_epoch(ctx, name, START, END, crash_at="commit:sent", progress=False, log=quiet)
        [epoch] = rows(ctx, name)
        [sent] = commits(ctx, epoch.id)
        with pytest.raises(
            OracleError,
            match=f"the commit of epoch 1 of .* \\({sent.tx_hash}\\) was sent and may "
            "still be mined: wait until the chain mines it",
        ):
            abandon_epoch(ctx, name, 1, "stuck?")
        assert rows(ctx, name)[0].status == "running"
        provider.make_request("anvil_dropTransaction", [sent.tx_hash])
    finally:
        provider.make_request("evm_setAutomine", [True])
    abandon_epoch(ctx, name, 1, "its commit was dropped by the node")
    assert [tx.status for tx in commits(ctx, epoch.id)] == ["dropped"]
    again = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert (again.number, again.status) == (1, "done") and len(commits(ctx, again.id)) == 1
    assert balances(ctx, name) == paid_out(EXPECTED)


# ------------------------------------------------------------------ recompute from select


# self_consumption v2 with alpha_consumer = 2, alpha_producer = 0.5 over the builders' hour (their worked numbers,
# the consumer part doubled): Anna 2 * 0.5 = 1.0; Bruno 2 * 0.2333333… + 0.65 = 1.1166666… -> 1.116666;
# Shop 2 * 0.5666666… = 1.1333333… -> 1.133333.
EXPECTED_V2 = {ANNA: 1_000_000 * 10**12, BRUNO: 1_116_666 * 10**12, SHOP: 1_133_333 * 10**12}


def test_a_resumed_run_recomputes_from_select_when_a_new_version_rules_the_period(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:select", progress=False, log=quiet)
    said = []  # the model that rules the period has not changed: the resumed run goes on as selected
    with pytest.raises(SimulatedCrash):
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=said.append)
    assert not any("recomputing" in line for line in said)
    [epoch] = rows(ctx, name)
    assert (epoch.model_id, epoch.model_version) == ("self_consumption", 1) and epoch.merkle_root is not None

    # a version published meanwhile for this period rules it (the notary accepts only that one): the run used
    # to refuse "cannot be committed as computed", for ever
    publish_model(
        ctx, "self_consumption", {"alpha_consumer": "2", "alpha_producer": "0.5"}, community=name, effective_from=START
    )
    said = []
    done = run_epoch(ctx, name, START, END, progress=False, log=said.append)
    assert (done.id, done.number, done.status) == (epoch.id, 1, "done")
    assert (done.model_id, done.model_version) == ("self_consumption", 2)
    assert any(
        "recomputing from select: the period is now ruled by self_consumption v2, not self_consumption v1 "
        "as computed, and nothing of the epoch was committed on-chain" in line
        for line in said
    )
    assert done.merkle_root != epoch.merkle_root
    assert balances(ctx, name) == paid_out(EXPECTED_V2)
    token = get_community(ctx, name).token_address
    onchain = ctx.chain.epoch(token, 1)
    assert (onchain.model_id, onchain.model_version) == ("self_consumption", 2)
    assert onchain.merkle_root_hex == done.merkle_root and onchain.paid_total == sum(EXPECTED_V2.values())
    assert steps(ctx, epoch.id)["select"]["recomputed"] == {
        "model": "self_consumption",
        "version": 1,
        "root": epoch.merkle_root,
        "total": str(sum(EXPECTED.values())),
    }
    with ctx.session() as s:  # one leaf per member, of the new computation only
        assert s.scalar(select(func.count()).select_from(EpochMember).where(EpochMember.epoch_id == epoch.id)) == 3
    shown = format_report(epoch_report(ctx, name, 1))
    assert f"recomputed from select: first computed with self_consumption v1 (root {epoch.merkle_root})" in shown
