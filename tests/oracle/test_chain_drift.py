"""The chain loses blocks the database recorded (an embedded anvil killed between two state dumps): `oracle doctor`,
`oracle up` and the next `epoch run` say what disagrees, the run resumes from the first step the chain does not show,
and every member ends up paid exactly once.

The lost blocks are made with anvil's own evm_snapshot / evm_revert, on a chain and database of this module's own
(a revert on the session's chain would take other tests' blocks with it, and the doctor checks every community of
its database). Each test reverts only to a snapshot it took itself."""

import shutil
import tempfile
from pathlib import Path

import pytest
from eth_utils import to_checksum_address
from sqlalchemy import select

from oracle.cli import main as oracle_main
from oracle.communities import get_community
from oracle.config import load_settings
from oracle.context import Context
from oracle.db.schema import ChainTransaction, Epoch, EpochMember
from oracle.doctor import check_agreement
from oracle.epochs.reconcile import reconcile_community
from oracle.epochs.runner import SimulatedCrash, run_epoch
from oracle.ingest.loader import ingest_file
from oracle.lifecycle import down, up
from oracle.members import import_members
from oracle.takeout import export_takeout, verify_takeout_file

from .builders import (
    ANNA,
    BRUNO,
    END,
    EXPECTED,
    MEMBERS_CSV,
    READINGS_CSV,
    SHOP,
    START,
    WELCOME,
    balances,
    devices_prefix,
    paid_out,
    quiet,
    small_community,
)
from .conftest import free_port, write

# The next hour, 01:00-02:00 UTC, with the same readings: the same rewards (self_consumption uses no baseline).
NEXT_READINGS_CSV = READINGS_CSV.replace("T02:", "T03:")
NEXT_START, NEXT_END = "2026-10-01T01:00:00+00:00", "2026-10-01T02:00:00+00:00"
DAVIDE = to_checksum_address("0x00000000000000000000000000000000000000d4")


@pytest.fixture(scope="module")
def drift_home():
    home = Path(tempfile.mkdtemp(prefix="lec-drift-home-"))
    home.chmod(0o755)  # the embedded PostgreSQL may run as another user (see conftest)
    ctx = Context(load_settings(home, env={"LEC_ANVIL_PORT": str(free_port())}))
    up(ctx, quiet=True)
    yield ctx
    down(ctx)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def dctx(drift_home):
    """A fresh Context on this module's own database and chain."""
    fresh = Context(drift_home.settings)
    fresh.__dict__["database_url"] = drift_home.database_url
    return fresh


def snapshot(ctx) -> str:
    return ctx.chain.w3.provider.make_request("evm_snapshot", [])["result"]


def lose_blocks_since(ctx, snapshot_id: str) -> None:
    """The chain forgets every block after the snapshot, as a killed anvil reloading an older state dump does."""
    assert ctx.chain.w3.provider.make_request("evm_revert", [snapshot_id])["result"] is True


def lines_about(report, name: str) -> list[str]:
    return [line for line in report.lines if repr(name) in line]


def transactions(ctx, name: str, kind: str) -> list[ChainTransaction]:
    with ctx.session() as s:
        return list(
            s.scalars(
                select(ChainTransaction)
                .where(ChainTransaction.community_id == get_community(ctx, name).id, ChainTransaction.kind == kind)
                .order_by(ChainTransaction.id)
            )
        )


def epoch_rows(ctx, name: str, number: int) -> tuple[Epoch, dict[str, EpochMember]]:
    with ctx.session() as s:
        epoch = s.scalar(select(Epoch).where(Epoch.community_id == get_community(ctx, name).id, Epoch.number == number))
        members = {m.wallet: m for m in s.scalars(select(EpochMember).where(EpochMember.epoch_id == epoch.id))}
    return epoch, members


def test_a_finished_epoch_the_chain_lost_is_reported_then_committed_and_paid_again(dctx, tmp_path, capsys):
    name = small_community(dctx, tmp_path)
    before_commit = snapshot(dctx)
    first = run_epoch(dctx, name, START, END, progress=False, log=quiet)
    assert first.status == "done" and balances(dctx, name) == paid_out(EXPECTED)
    old_takeout = export_takeout(dctx, name, 1, BRUNO, tmp_path / "bruno-before.json").path

    lose_blocks_since(dctx, before_commit)
    # the finding: the database says done and paid, the chain has neither the epoch nor the payments
    assert balances(dctx, name) == paid_out({})
    assert dctx.chain.epoch_count(get_community(dctx, name).token_address) == 0
    assert not verify_takeout_file(dctx, old_takeout).ok

    report = check_agreement(dctx)
    assert not report.ok
    [line] = lines_about(report, name)
    assert line.startswith(
        f"DISAGREE epoch 1 of {name!r} is recorded committed and paid, but the chain has no "
        "epoch 1 (the chain lost blocks?)"
    )
    assert f"--start {START} --end {END}" in line
    assert epoch_rows(dctx, name, 1)[0].status == "done"  # the doctor only reads

    up(dctx)  # services already running: `up` only checks, says what disagrees, and does not fail
    out = capsys.readouterr().out
    assert f"DISAGREE epoch 1 of {name!r}" in out and "`oracle doctor` checks again" in out
    assert oracle_main(["--home", str(dctx.settings.home), "doctor"]) == 1
    captured = capsys.readouterr()
    assert f"DISAGREE epoch 1 of {name!r}" in captured.out
    assert captured.err.startswith("error: ") and "disagreement" in captured.err and "Traceback" not in captured.err
    assert oracle_main(["--home", str(dctx.settings.home), "status", "--check"]) == 1
    assert f"DISAGREE epoch 1 of {name!r}" in capsys.readouterr().out

    said = []
    again = run_epoch(dctx, name, START, END, progress=False, log=said.append)
    assert any(
        s.startswith(f"epoch 1 of {name!r} was recorded committed and paid, but the chain has no epoch 1")
        and "the database was set back to before its commit" in s
        for s in said
    )
    assert "epoch 1: commit" in said and "epoch 1: pay" in said and "epoch 1: select" not in said
    assert again.id == first.id and again.status == "done" and again.merkle_root == first.merkle_root

    # every member holds the hand-computed reward once, and the database rows say the same
    _epoch, members = epoch_rows(dctx, name, 1)
    assert {w: int(m.amount) for w, m in members.items()} == EXPECTED
    assert all(m.paid for m in members.values())
    assert balances(dctx, name) == paid_out(EXPECTED)
    onchain = dctx.chain.epoch(get_community(dctx, name).token_address, 1)
    assert onchain.paid_total == sum(EXPECTED.values()) and onchain.merkle_root_hex == first.merkle_root
    # sent again from the same state, a transaction is the same one (same nonce, same data): recorded once, mined
    assert all(t.status == "mined" for t in transactions(dctx, name, "commit") + transactions(dctx, name, "push"))
    assert verify_takeout_file(dctx, export_takeout(dctx, name, 1, BRUNO, tmp_path / "bruno-after.json").path).ok

    # the next period runs, and the doctor finds the community in agreement
    ingest_file(dctx, name, write(tmp_path / "next.csv", NEXT_READINGS_CSV.format(p=devices_prefix(name))))
    following = run_epoch(dctx, name, NEXT_START, NEXT_END, progress=False, log=quiet)
    assert following.number == 2 and following.status == "done"
    assert balances(dctx, name) == {w: WELCOME[w] + 2 * EXPECTED[w] for w in WELCOME}
    assert lines_about(check_agreement(dctx), name) == [f"ok community {name!r}: 2 epochs, the chain agrees"]


def test_payments_the_chain_lost_after_the_commit_are_paid_again_once(dctx, tmp_path):
    name = small_community(dctx, tmp_path)
    with pytest.raises(SimulatedCrash):
        run_epoch(dctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    committed = snapshot(dctx)
    assert run_epoch(dctx, name, START, END, progress=False, log=quiet).status == "done"
    lose_blocks_since(dctx, committed)
    assert balances(dctx, name) == paid_out({})

    [line] = lines_about(check_agreement(dctx), name)
    assert line.startswith(f"DISAGREE epoch 1 of {name!r} has 3 leaves recorded paid that the chain shows unpaid")

    said = []
    again = run_epoch(dctx, name, START, END, progress=False, log=said.append)
    assert any(
        s.startswith(f"epoch 1 of {name!r} has 3 leaves recorded paid that the chain shows unpaid")
        and "recorded as owed again" in s
        for s in said
    )
    assert "epoch 1: pay" in said and "epoch 1: commit" not in said  # resumed at the first step the chain lacks
    assert again.status == "done"
    assert balances(dctx, name) == paid_out(EXPECTED)
    assert dctx.chain.epoch(get_community(dctx, name).token_address, 1).paid_total == sum(EXPECTED.values())
    assert len(transactions(dctx, name, "commit")) == 1  # the commit stood: never sent again
    assert all(t.status == "mined" for t in transactions(dctx, name, "push"))
    assert lines_about(check_agreement(dctx), name) == [f"ok community {name!r}: 1 epoch, the chain agrees"]


def test_a_transaction_recorded_sent_whose_receipt_exists_is_recorded_mined(dctx, tmp_path):
    """A process killed while it waited for a receipt (here: the reward ceiling, which no epoch step looks at)."""
    from oracle.chain.transactions import send_recorded

    name = small_community(dctx, tmp_path)
    community = get_community(dctx, name)
    token = dctx.chain.token(community.token_address)
    ceiling = dctx.chain.call(token.functions.epochRewardCeiling())

    def killed(_tx_hash):
        raise SimulatedCrash("waiting for the receipt")

    with pytest.raises(SimulatedCrash):
        send_recorded(
            dctx,
            token.functions.setEpochRewardCeiling(ceiling),
            "token_admin",
            "set_reward_ceiling",
            community_id=community.id,
            after_sent=killed,
        )
    tx = transactions(dctx, name, "set_reward_ceiling")[-1]
    assert tx.status == "sent" and tx.block_number is None  # as found after the kill
    receipt = dctx.chain.receipt_or_none(tx.tx_hash)
    assert receipt is not None

    [line] = lines_about(check_agreement(dctx), name)
    found = (
        f"transaction {tx.tx_hash} (set_reward_ceiling) of {name!r} is recorded as sent, but the chain has it "
        f"mined in block {receipt['blockNumber']}"
    )
    assert line.startswith(f"DISAGREE {found}")
    said = []
    run_epoch(dctx, name, START, END, progress=False, log=said.append)
    assert f"{found}: recorded as mined" in said
    tx = transactions(dctx, name, "set_reward_ceiling")[-1]
    assert tx.status == "mined" and tx.block_number == receipt["blockNumber"] and tx.gas_used == receipt["gasUsed"]
    assert reconcile_community(dctx, get_community(dctx, name), log=quiet) == []


def test_members_whose_addition_the_chain_lost_are_reported_until_imported_again(dctx, tmp_path):
    name = small_community(dctx, tmp_path)
    p = devices_prefix(name)
    bigger = write(
        tmp_path / "more.csv",
        MEMBERS_CSV.format(p=p) + f"{DAVIDE},Davide Verdi,davide@example.org,citizen,consumer,{p}D-M\n",
    )
    before = snapshot(dctx)
    import_members(dctx, name, bigger)
    lose_blocks_since(dctx, before)
    community = get_community(dctx, name)
    assert dctx.chain.members_active(community.token_address, [ANNA, BRUNO, SHOP, DAVIDE]) == [True] * 3 + [False]

    [line] = lines_about(check_agreement(dctx), name)
    assert (
        line.startswith(f"DISAGREE 1 member of {name!r} active in the database is not a member on-chain")
        and DAVIDE in line
        and "oracle members import" in line
    )
    found = reconcile_community(dctx, community, log=quiet)  # records the lost addition as dropped, says it again
    assert len(found) == 1 and DAVIDE in found[0]
    assert [t.status for t in transactions(dctx, name, "add_members")] == ["mined", "dropped"]
    [line] = lines_about(check_agreement(dctx), name)  # still missing, still said
    assert DAVIDE in line

    import_members(dctx, name, bigger)
    assert dctx.chain.members_active(community.token_address, [DAVIDE]) == [True]
    assert lines_about(check_agreement(dctx), name) == [f"ok community {name!r}: 0 epochs, the chain agrees"]
