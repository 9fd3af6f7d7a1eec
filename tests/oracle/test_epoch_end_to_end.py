"""An epoch end to end on PostgreSQL and anvil: amounts worked out by hand, paid on-chain, reported;
and what is refused before any transaction (a period not over, a total above the ceiling or the treasury)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from oracle.chain.client import EpochStatus
from oracle.chain.encoding import to_bytes32
from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import ChainTransaction, Epoch, EpochStep
from oracle.epochs.runner import STEPS, run_epoch
from oracle.errors import OracleError
from oracle.instants import to_unix

from .builders import (
    BRUNO,
    END,
    EXPECTED,
    INDEX,
    START,
    balances,
    paid_out,
    quiet,
    small_community,
)


def test_epoch_pays_hand_computed_rewards(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    assert balances(ctx, name) == paid_out({})
    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert epoch.number == 1 and epoch.status == "done"
    assert int(epoch.total_reward) == sum(EXPECTED.values()) == 1_949_999 * 10**12
    assert balances(ctx, name) == paid_out(EXPECTED)
    with ctx.session() as s:
        steps = list(s.scalars(select(EpochStep.step).where(EpochStep.epoch_id == epoch.id).order_by(EpochStep.id)))
    assert steps == list(STEPS)

    # the chain holds what the oracle recorded
    token = get_community(ctx, name).token_address
    onchain = ctx.chain.epoch(token, 1)
    assert onchain.status == EpochStatus.COMMITTED and onchain.merkle_root_hex == epoch.merkle_root
    assert onchain.leaf_count == 3 and onchain.total_reward == onchain.paid_total == sum(EXPECTED.values())
    assert (onchain.period_start, onchain.period_end) == (to_unix(epoch.period_start), to_unix(epoch.period_end))
    assert ctx.chain.notary.functions.paidCount(token, 1).call() == 3
    assert ctx.chain.paid_flags(token, 1, [0, 1, 2]) == [True, True, True]
    # the escrow is spent: nothing stays reserved
    assert ctx.chain.token(token).functions.rewardReserve().call() == 0


def test_commit_is_signed_by_the_oracle_and_pushes_by_the_reward_payer(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    keys = ctx.keyring
    with ctx.session() as s:
        txs = {
            t.kind: t.tx_hash for t in s.scalars(select(ChainTransaction).where(ChainTransaction.epoch_id == epoch.id))
        }
    sender = {kind: ctx.chain.w3.eth.get_transaction(h)["from"] for kind, h in txs.items()}
    assert sender == {"commit": keys.address("oracle"), "push": keys.address("reward_payer")}


def test_epoch_show_json(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert (
        oracle_main(["--home", str(ctx.settings.home), "epoch", "show", "--community", name, "--epoch", "1", "--json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["epoch"] == 1 and report["status"] == "done"
    assert report["period"]["start"].startswith("2026-10-01T00:00:00")
    # the version the registry says rules a period starting at the epoch's start, and its effective time
    token = get_community(ctx, name).token_address
    model_key = to_bytes32("self_consumption")
    period_start = to_unix(datetime.fromisoformat(START))
    applied = ctx.chain.registry.functions.versionForPeriod(token, model_key, period_start).call()
    effective = ctx.chain.model_version(token, model_key, applied).effective_from
    assert report["model"] == {
        "id": "self_consumption",
        "version": applied,
        "effectiveFrom": datetime.fromtimestamp(effective, UTC).isoformat(),
        "params": {"alpha_consumer": 1.0, "alpha_producer": 0.5},
    }
    assert {m["wallet"]: int(m["amount"]) for m in report["members"]} == EXPECTED
    assert {m["wallet"]: m["leafIndex"] for m in report["members"]} == INDEX
    assert all(m["paid"] and not m["skipped"] for m in report["members"])
    assert report["totalReward"] == str(sum(EXPECTED.values())) and report["leftOut"] == {}
    assert [t["kind"] for t in report["transactions"]] == ["commit", "push"]
    assert all(t["status"] == "mined" and t["hash"].startswith("0x") for t in report["transactions"])
    bruno = report["members"][[m["wallet"] for m in report["members"]].index(BRUNO)]["kpis"]
    # Bruno: withdrawn 0.4 kWh, injected 1.8 kWh, own self-consumption min(L,P) = 200+100+0+0 = 300 Wh
    assert abs(bruno["withdrawn_kwh"] - 0.4) < 1e-9 and abs(bruno["injected_kwh"] - 1.8) < 1e-9
    assert abs(bruno["self_consumption_pct"] - 300 / 1800 * 100) < 1e-9
    community = report["communityKpis"]
    # community: ΣS = 1300 Wh, ΣP = 1800, ΣL = 2000
    assert abs(community["self_consumption_pct"] - 1300 / 1800 * 100) < 1e-9
    assert abs(community["self_sufficiency_pct"] - 1300 / 2000 * 100) < 1e-9


def test_rerunning_a_finished_epoch_changes_nothing(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    first = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    again = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert again.id == first.id and again.merkle_root == first.merkle_root
    assert balances(ctx, name) == paid_out(EXPECTED)


def chain_and_db_untouched(ctx, name: str) -> None:
    """No epoch on-chain, no transaction recorded for the community's epochs."""
    community = get_community(ctx, name)
    assert ctx.chain.epoch_count(community.token_address) == 0
    with ctx.session() as s:
        sent = s.scalar(
            select(func.count())
            .select_from(ChainTransaction)
            .join(Epoch, Epoch.id == ChainTransaction.epoch_id)
            .where(Epoch.community_id == community.id)
        )
    assert sent == 0


def test_a_period_that_ends_in_the_future_is_refused_before_anything(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=2)
    with pytest.raises(OracleError, match=r"the period ends .* which is in the future .*run it after its end"):
        run_epoch(ctx, name, start.isoformat(), end.isoformat(), progress=False, log=quiet)
    chain_and_db_untouched(ctx, name)
    with ctx.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(Epoch).where(Epoch.community_id == get_community(ctx, name).id))
            == 0
        )
    assert (
        oracle_main(
            [
                "--home",
                str(ctx.settings.home),
                "epoch",
                "run",
                "--community",
                name,
                "--start",
                start.isoformat(),
                "--end",
                end.isoformat(),
            ]
        )
        == 2
    )


@pytest.mark.parametrize(
    "setup,message",
    [
        # 1.949999 tokens in all: above a ceiling of 1.9 tokens
        (
            {"reward_ceiling": "1.9"},
            r"rewards 1\.949999 tokens, above the community's per-epoch reward ceiling of 1\.9: "
            r"raise it \(`oracle community create .* --reward-ceiling TOKENS`",
        ),
        # 701 tokens minted, 700 paid as welcome bonuses (100 + 100 + 500): 1 token left to spend
        ({"endowment": "701"}, r"rewards 1\.949999 tokens but the treasury can spend only 1: the token admin funds it"),
    ],
)
def test_a_total_the_community_cannot_commit_is_refused_before_any_transaction(ctx, tmp_path, setup, message):
    name = small_community(ctx, tmp_path, **setup)
    with pytest.raises(OracleError, match=message):
        run_epoch(ctx, name, START, END, progress=False, log=quiet)
    chain_and_db_untouched(ctx, name)
    assert balances(ctx, name) == paid_out({})
    if "reward_ceiling" in setup:
        # the token admin raises the ceiling (the same command, idempotent otherwise); the epoch resumes
        create_community(ctx, name, reward_ceiling="2")
        token = ctx.chain.token(get_community(ctx, name).token_address)
        assert token.functions.epochRewardCeiling().call() == 2 * 10**18
        epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
        assert epoch.number == 1 and epoch.status == "done"
        assert balances(ctx, name) == paid_out(EXPECTED)


def test_community_creation_sets_the_reward_ceiling_once(ctx, capsys):
    from .conftest import unique_name

    name = unique_name("Ceiling LEC")
    home = str(ctx.settings.home)
    assert oracle_main(["--home", home, "community", "create", name, "--endowment", "0"]) == 0
    token = ctx.chain.token(get_community(ctx, name).token_address)
    assert token.functions.epochRewardCeiling().call() == 100_000 * 10**18  # the default
    assert "reward ceiling 100000 tokens per epoch" in capsys.readouterr().out
    community_id = get_community(ctx, name).id

    def ceiling_txs():
        with ctx.session() as s:
            return s.scalar(
                select(func.count())
                .select_from(ChainTransaction)
                .where(ChainTransaction.community_id == community_id, ChainTransaction.kind == "set_reward_ceiling")
            )

    assert ceiling_txs() == 1
    assert oracle_main(["--home", home, "community", "create", name]) == 0
    assert ceiling_txs() == 1  # unchanged: nothing sent
    assert oracle_main(["--home", home, "community", "create", name, "--reward-ceiling", "2500.5"]) == 0
    assert token.functions.epochRewardCeiling().call() == 2500_500_000_000_000_000_000 and ceiling_txs() == 2
