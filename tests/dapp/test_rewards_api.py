"""A member's rewards: GET /api/communities/<token>/epochs/<n>/rewards/<member> (with the Merkle proof) and
/members/<member>/rewards (every epoch, newest first). The member themself, the community admin and
auditors see them; other members and other roles 403."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from oracle.epochs.runner import SimulatedCrash, run_epoch
from oracle.merkle import REWARD_LEAF_ENCODING, StandardMerkleTree
from tests.oracle.builders import ANNA, BRUNO, END, EXPECTED, INDEX, SHOP, START, quiet, small_community

from .conftest import signed_in
from .test_communities_api import (
    AUDIENCES,
    PERSONAL_STATUS,
    UNKNOWN_TOKEN,
    auditor,  # noqa: F401 (a fixture)
    get_as,
    refused,
)

REWARD_FIELDS = {
    "epoch",
    "member",
    "index",
    "amount",
    "kpis",
    "paid",
    "paidTx",
    "skipped",
    "dataHash",
    "root",
    "claimable",
    "debtDeducted",
    "corrections",
}


def reward_url(rewarded, member: str, number: int = 1) -> str:
    return f"/api/communities/{rewarded.token}/epochs/{number}/rewards/{member}"


def check_proof(reward: dict) -> None:
    value = [reward["index"], reward["member"], int(reward["amount"]), reward["dataHash"]]
    root = bytes.fromhex(reward["root"][2:])
    assert StandardMerkleTree.verify_value(root, REWARD_LEAF_ENCODING, value, reward["proof"])


@pytest.mark.parametrize("who", AUDIENCES)
def test_annas_reward_by_audience(client, base_ctx, rewarded, auditor, who):  # noqa: F811
    anna = rewarded.anna.address
    response = get_as(client, who, reward_url(rewarded, anna), base_ctx, rewarded, auditor)
    status = PERSONAL_STATUS[who]
    if status != 200:
        refused(response, status, None, "sign in first" if status == 401 else f"personal data of {anna}")
        return
    body = response.get_json()
    assert response.status_code == 200, body
    assert set(body) == REWARD_FIELDS | {"proof"}
    assert body["epoch"] == 1 and body["member"] == anna
    assert body["amount"] == str(rewarded.expected[anna]) == "500000000000000000"  # 0.5 tokens, by hand
    assert body["index"] == rewarded.index[anna]
    assert body["paid"] is True and body["paidTx"].startswith("0x") and body["skipped"] is False
    assert body["claimable"] is False  # paid already
    assert body["root"] == base_ctx.chain.epoch(rewarded.token, 1).merkle_root_hex
    check_proof(body)


@pytest.mark.parametrize("name", ["anna", "bruno", "shop"])
def test_each_member_sees_the_amount_worked_out_by_hand(client, rewarded, name):
    account = rewarded.members[name]
    signed_in(client, account)
    body = client.get(reward_url(rewarded, account.address.lower())).get_json()  # any case of the address
    assert body["member"] == account.address
    assert int(body["amount"]) == rewarded.expected[account.address]
    assert body["index"] == rewarded.index[account.address]
    check_proof(body)
    # a prosumer's KPIs count its production; a consumer's do not
    assert (body["kpis"]["injected_kwh"] > 0) == (name == "bruno")


@pytest.mark.parametrize("who", AUDIENCES)
def test_annas_rewards_of_every_epoch_by_audience(client, base_ctx, rewarded, auditor, who):  # noqa: F811
    anna = rewarded.anna.address
    url = f"/api/communities/{rewarded.token}/members/{anna}/rewards"
    response = get_as(client, who, url, base_ctx, rewarded, auditor)
    status = PERSONAL_STATUS[who]
    if status != 200:
        refused(response, status, None)
        return
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 1)
    [item] = body["items"]
    assert set(item) == REWARD_FIELDS  # no proof in the list
    assert (item["epoch"], item["amount"], item["index"], item["paid"]) == (
        1,
        "500000000000000000",
        rewarded.index[anna],
        True,
    )


def test_an_address_never_a_member_is_404(client, rewarded, auditor):  # noqa: F811
    outsider = rewarded.outsider.address
    signed_in(client, rewarded.outsider)  # their own data: allowed to ask, nothing to see
    refused(
        client.get(f"/api/communities/{rewarded.token}/members/{outsider}/rewards"),
        404,
        "member",
        f"{outsider} is not a member of community",
    )
    refused(client.get(reward_url(rewarded, outsider)), 404, "member", f"{outsider} has no leaf in epoch 1")


@pytest.mark.parametrize(
    "url, status, field",
    [
        ("/api/communities/{token}/epochs/1/rewards/0x123", 400, "member"),
        ("/api/communities/{token}/members/not-an-address/rewards", 400, "member"),
        ("/api/communities/{token}/members/{anna}/rewards?page=0", 400, "page"),
        ("/api/communities/{token}/epochs/7/rewards/{anna}", 404, "epoch"),
        ("/api/communities/{token}/epochs/x/rewards/{anna}", 404, "epoch"),
        ("/api/communities/" + UNKNOWN_TOKEN + "/epochs/1/rewards/{anna}", 404, "token"),
        ("/api/communities/" + UNKNOWN_TOKEN + "/members/{anna}/rewards", 404, "token"),
    ],
)
def test_bad_requests(client, rewarded, url, status, field):
    signed_in(client, rewarded.anna)
    refused(client.get(url.format(token=rewarded.token, anna=rewarded.anna.address)), status, field)


# ------------------------------------------------------------------ an epoch committed but not paid yet


@pytest.fixture(scope="module")
def committed_unpaid(base_ctx, tmp_path_factory):
    """The hand-worked hour in a community of its own, committed on-chain, the process gone before paying."""
    name = small_community(base_ctx, tmp_path_factory.mktemp("unpaid"))
    with pytest.raises(SimulatedCrash):
        run_epoch(base_ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    from oracle.communities import get_community

    return name, to_checksum_address(get_community(base_ctx, name).token_address)


def test_an_unpaid_leaf_is_claimable_with_its_proof_and_paid_once_claimed(client, base_ctx, committed_unpaid, auditor):  # noqa: F811
    _name, token = committed_unpaid
    signed_in(client, auditor)
    url = f"/api/communities/{token}/epochs/1/rewards/{SHOP}"
    before = client.get(url).get_json()
    assert (before["amount"], before["index"]) == (str(EXPECTED[SHOP]), INDEX[SHOP])
    assert before["paid"] is False and before["paidTx"] is None and before["claimable"] is True
    assert client.get(f"/api/communities/{token}/epochs/1").get_json()["paidCount"] == 0
    chain = base_ctx.chain  # anyone may send a claim; the reward goes to the leaf's member
    chain.send(
        chain.notary.functions.claim(
            token,
            1,
            before["index"],
            SHOP,
            int(before["amount"]),
            bytes.fromhex(before["dataHash"][2:]),
            [bytes.fromhex(p[2:]) for p in before["proof"]],
        ),
        "platform_admin",
    )
    after = client.get(url).get_json()
    assert after["paid"] is True and after["claimable"] is False and after["paidTx"] is None  # not the oracle's push
    assert client.get(f"/api/communities/{token}/epochs/1").get_json()["paidCount"] == 1
    listed = client.get(f"/api/communities/{token}/members/{ANNA}/rewards").get_json()["items"]
    assert [(r["epoch"], r["paid"], r["claimable"]) for r in listed] == [(1, False, True)]


def test_a_removed_member_cannot_claim(client, base_ctx, committed_unpaid, auditor):  # noqa: F811
    _name, token = committed_unpaid
    chain = base_ctx.chain
    chain.send(chain.token(token).functions.removeMember(BRUNO), "community_admin")
    signed_in(client, auditor)
    body = client.get(f"/api/communities/{token}/epochs/1/rewards/{BRUNO}").get_json()
    assert body["paid"] is False and body["claimable"] is False  # the token pays active members only


def test_a_proof_the_stored_tree_does_not_support_is_refused(base_ctx, rewarded):
    from sqlalchemy import select

    from dapp_backend.services.rewards import leaf_proof
    from oracle.db.schema import Epoch, EpochMember
    from oracle.errors import OracleError

    anna = rewarded.anna.address
    with base_ctx.session() as s:
        epoch, row = s.execute(
            select(Epoch, EpochMember)
            .join(EpochMember, EpochMember.epoch_id == Epoch.id)
            .where(EpochMember.wallet == anna)
        ).one()
        s.expunge_all()
    proof = leaf_proof(epoch, row)  # three leaves: a tree of five nodes, a leaf one or two levels down
    assert 1 <= len(proof) <= 2
    check_proof(
        {
            "index": row.leaf_index,
            "member": anna,
            "amount": str(row.amount),
            "proof": proof,
            "dataHash": "0x" + bytes(row.data_hash).hex(),
            "root": epoch.merkle_root,
        }
    )
    epoch.tree_dump = {**epoch.tree_dump, "tree": ["0x" + "00" * 32 for _ in epoch.tree_dump["tree"]]}
    with pytest.raises(OracleError, match=f"does not prove the leaf of {anna}"):
        leaf_proof(epoch, row)
