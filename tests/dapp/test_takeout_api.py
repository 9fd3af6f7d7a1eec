"""GET /api/communities/<token>/epochs/<n>/takeout/<member>: exactly the file `oracle takeout` writes, for the
member themself, the community admin and auditors; it verifies against the chain with the oracle's verifier."""

from __future__ import annotations

import json

import pytest
from eth_utils import to_checksum_address

from oracle.communities import get_community
from oracle.epochs.runner import SimulatedCrash, run_epoch
from oracle.takeout import export_takeout, read_takeout
from oracle.takeout_verify import verify_takeout
from tests.oracle.builders import ANNA, END, SHOP, START, quiet, small_community

from .conftest import role_account, signed_in
from .test_communities_api import (
    AUDIENCES,
    PERSONAL_STATUS,
    UNKNOWN_TOKEN,
    auditor,  # noqa: F401 (a fixture)
    get_as,
    refused,
)


def takeout_url(token: str, member: str, number="1") -> str:
    return f"/api/communities/{token}/epochs/{number}/takeout/{member}"


@pytest.mark.parametrize("who", AUDIENCES)
def test_annas_takeout_by_audience(client, base_ctx, rewarded, auditor, who):  # noqa: F811
    anna = rewarded.anna.address
    response = get_as(client, who, takeout_url(rewarded.token, anna), base_ctx, rewarded, auditor)
    status = PERSONAL_STATUS[who]
    if status != 200:
        refused(response, status, None, "sign in first" if status == 401 else f"personal data of {anna}")
        return
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["format"] == "lec-takeout-v2" and body["member"] == anna and body["epoch"] == 1
    assert body["amount"] == str(rewarded.expected[anna]) and body["index"] == rewarded.index[anna]
    # Anna's meter, as ingested (00:45 has no reading)
    assert [(r["ts"], r["energy"]) for r in body["readings"]] == [
        ("2026-10-01T00:00:00Z", "400.000"),
        ("2026-10-01T00:15:00Z", "300.000"),
        ("2026-10-01T00:30:00Z", "100.000"),
    ]


def test_the_takeout_verifies_and_equals_what_oracle_takeout_writes(client, base_ctx, rewarded, tmp_path):
    bruno = rewarded.bruno.address
    signed_in(client, rewarded.bruno)
    body = client.get(takeout_url(rewarded.token, bruno)).get_json()
    (tmp_path / "api.json").write_text(json.dumps(body))
    result = verify_takeout(base_ctx, read_takeout(tmp_path / "api.json"))
    assert result.ok, result.lines
    written = export_takeout(base_ctx, rewarded.name, 1, bruno, tmp_path / "bruno.json").path
    assert json.loads(written.read_text()) == body


def test_a_tampered_takeout_from_the_api_fails_verification(client, base_ctx, rewarded, tmp_path):
    signed_in(client, rewarded.shop)
    body = client.get(takeout_url(rewarded.token, rewarded.shop.address)).get_json()
    body["readings"][0]["energy"] = "1.000"
    (tmp_path / "tampered.json").write_text(json.dumps(body))
    result = verify_takeout(base_ctx, read_takeout(tmp_path / "tampered.json"))
    assert not result.ok and result.failed_field


def test_the_community_admin_takes_out_any_member(client, base_ctx, rewarded):
    signed_in(client, role_account(base_ctx, "community_admin"))
    for account in rewarded.members.values():
        body = client.get(takeout_url(rewarded.token, account.address)).get_json()
        assert body["member"] == account.address and int(body["amount"]) == rewarded.expected[account.address]


@pytest.mark.parametrize(
    "url, status, field, words",
    [
        ("{token}/epochs/1/takeout/{outsider}", 404, "member", "has no leaf in epoch 1"),
        ("{token}/epochs/9/takeout/{anna}", 404, "epoch", "has no epoch 9"),
        ("{token}/epochs/zero/takeout/{anna}", 404, "epoch", "'zero' is not an epoch number"),
        ("{token}/epochs/1/takeout/0xnothing", 400, "member", "is not an Ethereum address"),
        (UNKNOWN_TOKEN + "/epochs/1/takeout/{anna}", 404, "token", UNKNOWN_TOKEN),
    ],
)
def test_what_cannot_be_taken_out(client, rewarded, auditor, url, status, field, words):  # noqa: F811
    signed_in(client, auditor)
    path = url.format(token=rewarded.token, anna=rewarded.anna.address, outsider=rewarded.outsider.address)
    refused(client.get(f"/api/communities/{path}"), status, field, words)


@pytest.fixture(scope="module")
def uncommitted(base_ctx, tmp_path_factory):
    """The hand-worked hour in a community of its own, its tree built but never committed on-chain."""
    name = small_community(base_ctx, tmp_path_factory.mktemp("uncommitted"))
    with pytest.raises(SimulatedCrash):
        run_epoch(base_ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    return name, to_checksum_address(get_community(base_ctx, name).token_address)


def test_an_epoch_not_committed_is_refused_with_the_oracles_sentence(client, uncommitted, auditor):  # noqa: F811
    name, token = uncommitted
    signed_in(client, auditor)
    sentence = refused(client.get(takeout_url(token, ANNA)), 400, "epoch")
    assert sentence.startswith(f"epoch 1 of {name!r} is computed but not committed on-chain")
    epoch = client.get(f"/api/communities/{token}/epochs/1").get_json()
    assert epoch["status"] == "running" and epoch["paidCount"] is None and epoch["root"] is not None
    reward = client.get(f"/api/communities/{token}/epochs/1/rewards/{ANNA}").get_json()
    assert reward["paid"] is False and reward["claimable"] is False and reward["proof"]


@pytest.fixture(scope="module")
def corrected(base_ctx, tmp_path_factory):
    """The hand-worked hour paid, then corrected (tests/oracle/test_epoch_corrections.py): revision 1 tops the
    shop up by 0.3 token and leaves Anna a debt of 0.3."""
    from oracle.epochs.revisions import correct_epoch
    from oracle.ingest.loader import ingest_file
    from tests.oracle.builders import devices_prefix
    from tests.oracle.conftest import write
    from tests.oracle.test_epoch_corrections import CORRECTION_CSV, REASON

    folder = tmp_path_factory.mktemp("corrected")
    name = small_community(base_ctx, folder)
    run_epoch(base_ctx, name, START, END, progress=False, log=quiet)
    fix = write(folder / "fix.csv", CORRECTION_CSV.format(p=devices_prefix(name)))
    ingest_file(base_ctx, name, fix, correction=True, reason=REASON)
    correct_epoch(base_ctx, name, 1, REASON, progress=False, log=quiet)
    return name, to_checksum_address(get_community(base_ctx, name).token_address)


def test_a_revisions_takeout_is_what_oracle_takeout_writes_and_verifies(client, base_ctx, corrected, auditor, tmp_path):  # noqa: F811
    name, token = corrected
    signed_in(client, auditor)
    body = client.get(takeout_url(token, SHOP) + "?revision=1").get_json()
    assert body["revision"]["number"] == 1 and body["amount"] == str(300_000 * 10**12)  # the shop's top-up
    assert (body["revision"]["topUp"], body["revision"]["debt"]) == (str(300_000 * 10**12), "0")
    (tmp_path / "api.json").write_text(json.dumps(body))
    result = verify_takeout(base_ctx, read_takeout(tmp_path / "api.json"))
    assert result.ok, result.lines
    written = export_takeout(base_ctx, name, 1, SHOP, tmp_path / "shop.json", revision=1).path
    assert json.loads(written.read_text()) == body
    assert "revision" not in client.get(takeout_url(token, SHOP)).get_json()  # without it: the epoch's own


@pytest.mark.parametrize("revision", ["0", "-1", "x", "4294967296"])
def test_a_bad_revision_number_is_refused(client, corrected, auditor, revision):  # noqa: F811
    _name, token = corrected
    signed_in(client, auditor)
    refused(client.get(takeout_url(token, SHOP) + f"?revision={revision}"), 400, "revision")


def test_a_revision_the_epoch_does_not_have_is_refused_with_the_oracles_sentence(client, corrected, auditor):  # noqa: F811
    _name, token = corrected
    signed_in(client, auditor)
    refused(client.get(takeout_url(token, SHOP) + "?revision=2"), 400, "revision", "revision 2")


def test_the_members_rewards_show_the_corrections_and_the_debt(client, base_ctx, corrected, auditor):  # noqa: F811
    """Revision 1 of the corrected hour: Anna 0.5 → 0.2 (a debt of 0.3), the shop 0.566666 → 0.866666 (top-up 0.3)."""
    _name, token = corrected
    signed_in(client, auditor)
    e12 = 10**12

    def epoch1(member):
        body = client.get(f"/api/communities/{token}/members/{member}/rewards").get_json()
        [item] = [i for i in body["items"] if i["epoch"] == 1]
        return item

    anna, shop = epoch1(ANNA), epoch1(SHOP)
    assert anna["corrections"] == [
        {
            "revision": 1,
            "previousReward": str(500_000 * e12),
            "reward": str(200_000 * e12),
            "topUp": "0",
            "debt": str(300_000 * e12),
            "paid": True,
        }
    ]
    assert shop["corrections"][0]["topUp"] == str(300_000 * e12) and shop["corrections"][0]["paid"] is True
    assert anna["debtDeducted"] == "0" and anna["amount"] == str(500_000 * e12)  # epoch 1 itself is unchanged
