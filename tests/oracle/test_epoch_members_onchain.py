"""Membership on-chain decides who holds a leaf and who is paid: a member removed before the epoch selects
its members is left out; one removed after the commit is skipped by the push (the epoch still completes)
and, once re-admitted, claims the reward herself."""

import json

from sqlalchemy import select

from oracle.cli import main as oracle_main
from oracle.communities import get_community
from oracle.db.schema import EpochStep, Membership, User
from oracle.epochs.runner import SimulatedCrash, run_epoch
from oracle.merkle import StandardMerkleTree

from .builders import (
    ANNA,
    BRUNO,
    END,
    EXPECTED,
    EXPECTED_WITHOUT_ANNA,
    INDEX,
    SHOP,
    START,
    balances,
    paid_out,
    quiet,
    small_community,
)

CITIZEN, CONSUMER = 1, 1


def remove_on_chain(ctx, name: str, wallet: str) -> None:
    token = ctx.chain.token(get_community(ctx, name).token_address)
    ctx.chain.send(token.functions.removeMember(wallet), "community_admin")


def show_json(ctx, name: str, number: int, capsys) -> dict:
    capsys.readouterr()
    assert (
        oracle_main(
            ["--home", str(ctx.settings.home), "epoch", "show", "--community", name, "--epoch", str(number), "--json"]
        )
        == 0
    )
    return json.loads(capsys.readouterr().out)


def test_a_member_removed_on_chain_before_select_is_left_out(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    # a platform contract as a member, as an import before the wallet checks could write it (today's import
    # refuses it): active in the database, yet never a leaf
    registry = ctx.chain.registry.address
    with ctx.session() as s:
        user = User(name_enc=ctx.cipher.encrypt("Registry"), email_hmac=ctx.cipher.email_hmac("registry@example.org"))
        s.add(user)
        s.flush()
        s.add(
            Membership(
                user_id=user.id,
                community_id=get_community(ctx, name).id,
                wallet=registry,
                kind="citizen",
                profile="consumer",
                active=True,
            )
        )
    remove_on_chain(ctx, name, ANNA)  # still active in the database
    logs: list[str] = []
    epoch = run_epoch(ctx, name, START, END, progress=False, log=logs.append)
    assert epoch.status == "done" and epoch.leaf_count == 2
    assert int(epoch.total_reward) == sum(EXPECTED_WITHOUT_ANNA.values()) == 1_349_999 * 10**12
    assert balances(ctx, name) == paid_out(EXPECTED_WITHOUT_ANNA)
    with ctx.session() as s:
        detail = s.scalar(select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "select"))
    assert detail["members"] == [BRUNO, SHOP]
    assert detail["leftOut"] == {"platformAddress": [registry], "notActiveOnChain": [ANNA]}
    assert f"epoch 1: left out (notActiveOnChain): {ANNA}" in logs
    report = show_json(ctx, name, 1, capsys)
    assert report["leftOut"] == detail["leftOut"]
    assert {m["wallet"]: (m["leafIndex"], int(m["amount"])) for m in report["members"]} == {
        BRUNO: (0, EXPECTED_WITHOUT_ANNA[BRUNO]),
        SHOP: (1, EXPECTED_WITHOUT_ANNA[SHOP]),
    }


def test_a_member_removed_after_the_commit_is_skipped_and_claims_after_readmission(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    try:
        run_epoch(ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    except SimulatedCrash:
        pass
    remove_on_chain(ctx, name, ANNA)
    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert epoch.status == "done"  # the skip does not stop the epoch
    assert balances(ctx, name) == paid_out({BRUNO: EXPECTED[BRUNO], SHOP: EXPECTED[SHOP]})
    chain = ctx.chain
    token_address = get_community(ctx, name).token_address
    token = chain.token(token_address)
    assert chain.paid_flags(token_address, 1, [0, 1, 2]) == [False, True, True]
    # Anna's reward stays in escrow, claimable
    assert token.functions.rewardReserve().call() == EXPECTED[ANNA]

    report = show_json(ctx, name, 1, capsys)
    members = {m["wallet"]: m for m in report["members"]}
    [push] = [t for t in report["transactions"] if t["kind"] == "push"]
    assert members[ANNA]["skipped"] and not members[ANNA]["paid"] and members[ANNA]["skippedTx"] == push["hash"]
    assert all(members[w]["paid"] and not members[w]["skipped"] for w in (BRUNO, SHOP))
    with ctx.session() as s:
        detail = s.scalar(select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "pay"))
    assert detail["skipped"] == 1
    assert oracle_main(["--home", str(ctx.settings.home), "epoch", "show", "--community", name, "--epoch", "1"]) == 0
    assert "skipped (not an active member at payment; still claimable)" in capsys.readouterr().out

    # re-admitted (no second welcome bonus), Anna's leaf is claimed — by anyone, the tokens go to her
    chain.send(token.functions.addMember(ANNA, CITIZEN, CONSUMER), "community_admin")
    tree = StandardMerkleTree.load(epoch.tree_dump)
    index, member, amount, data_hash = tree.values()[INDEX[ANNA]]
    assert (index, member, amount) == (0, ANNA, EXPECTED[ANNA])
    chain.send(
        chain.notary.functions.claim(token_address, 1, index, member, amount, data_hash, tree.proof(index)),
        "token_admin",
    )
    assert balances(ctx, name) == paid_out(EXPECTED)
    assert token.functions.rewardReserve().call() == 0
    assert chain.paid_flags(token_address, 1, [0, 1, 2]) == [True, True, True]
