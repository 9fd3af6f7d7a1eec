"""An epoch end to end on PostgreSQL and anvil: amounts worked out by hand, paid on-chain, reported."""
import json

from sqlalchemy import select

from oracle.cli import main as oracle_main
from oracle.communities import get_community
from oracle.db.schema import EpochStep
from oracle.epochs.runner import STEPS, run_epoch

from .builders import ANNA, BRUNO, END, EXPECTED, SHOP, START, small_community

WELCOME = {ANNA: 100 * 10**18, BRUNO: 100 * 10**18, SHOP: 500 * 10**18}


def quiet(*_):
    pass


def balances(ctx, name):
    chain = ctx.chain
    token = chain.token(get_community(ctx, name).token_address)
    return {w: token.functions.balanceOf(w).call() for w in (ANNA, BRUNO, SHOP)}


def test_epoch_pays_hand_computed_rewards(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    assert balances(ctx, name) == WELCOME
    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert epoch.number == 1 and epoch.status == "done"
    assert int(epoch.total_reward) == sum(EXPECTED.values()) == 1_949_999 * 10**12
    assert balances(ctx, name) == {w: WELCOME[w] + EXPECTED[w] for w in WELCOME}
    with ctx.session() as s:
        steps = list(s.scalars(select(EpochStep.step).where(EpochStep.epoch_id == epoch.id).order_by(EpochStep.id)))
    assert steps == list(STEPS)

    # the chain holds what the oracle recorded
    community = get_community(ctx, name)
    notary = ctx.chain.notary
    commitment, _at, paid_count, released, paid_total = notary.functions.getEpoch(community.token_address, 1).call()
    assert "0x" + commitment[2].hex() == epoch.merkle_root
    assert commitment[6] == 3 and commitment[7] == sum(EXPECTED.values())
    assert paid_count == 3 and paid_total == sum(EXPECTED.values()) and not released


def test_epoch_show_json(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert oracle_main(["--home", str(ctx.settings.home), "epoch", "show", "--community", name, "--epoch", "1",
                        "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["epoch"] == 1 and report["status"] == "done"
    assert report["period"]["start"].startswith("2026-10-01T00:00:00")
    # the version the registry applied to epoch 1 (other tests publish versions of the same model)
    model_key = b"self_consumption".ljust(32, b"\0")
    applied = ctx.chain.registry.functions.versionForEpoch(model_key, 1).call()
    assert report["model"] == {"id": "self_consumption", "version": applied,
                               "params": {"alpha_consumer": 1.0, "alpha_producer": 0.5}}
    assert {m["wallet"]: int(m["amount"]) for m in report["members"]} == EXPECTED
    assert report["totalReward"] == str(sum(EXPECTED.values()))
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
    assert balances(ctx, name) == {w: WELCOME[w] + EXPECTED[w] for w in WELCOME}
