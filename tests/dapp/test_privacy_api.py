"""My data and requests to be forgotten through the dApp's API, on the real PostgreSQL and anvil.

A community of these tests alone (a confirmed request erases a member's data for good): the oracle tests' hand-worked
hour (tests/oracle/builders.py) with epoch 1 paid. Anna (Anna Rossi, anna@example.org) has one meter with 3 readings
(00:00 400 Wh, 00:15 300 Wh, 00:30 100 Wh; none at 00:45); Bruno (Bruno Bianchi) two meters with 4 readings each,
8 in all; Bottega Verde (the shop) one meter with 4. The shop asks to be forgotten and the Community Admin confirms;
Anna's request is rejected; Bruno only downloads.
"""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from eth_utils import keccak

from tests.dapp.admin_helpers import other_admin, refused  # noqa: F401 (a fixture)
from tests.dapp.conftest import community, csrf_token, make_rewarded, member_account, role_account, signed_in  # noqa: F401

NOT_A_COMMUNITY = "0x" + "12" * 20


@pytest.fixture(scope="module")
def lec(base_ctx, tmp_path_factory):
    return make_rewarded(base_ctx, tmp_path_factory.mktemp("privacy-api"))


def data_url(lec, member: str) -> str:
    return f"/api/communities/{lec.token}/members/{member}/personal-data"


def request_url(lec, member: str) -> str:
    return f"/api/communities/{lec.token}/members/{member}/erasure-request"


def decide_url(lec, request_id, decision: str) -> str:
    return f"/api/communities/{lec.token}/erasure-requests/{request_id}/{decision}"


def post(client, url: str, body: dict | None = None):
    return client.post(url, json=body if body is not None else {}, headers={"X-CSRFToken": csrf_token(client)})


def ask(client, lec, account, reason: str = "I moved to another town"):
    signed_in(client, account)
    return post(client, request_url(lec, account.address), {"reason": reason})


def as_admin(client, ctx):
    return signed_in(client, role_account(ctx, "community_admin"))


# ------------------------------------------------------------------ download my data


def test_a_member_downloads_their_own_data_as_an_attachment_never_cached(client, lec):
    anna = lec.anna.address
    signed_in(client, lec.anna)
    response = client.get(data_url(lec, anna.lower()))
    assert response.status_code == 200, response.get_json()
    slug = lec.name.lower().replace(" ", "-")
    assert response.headers["Content-Disposition"] == f'attachment; filename="lec-my-data-{slug}-{anna}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    document = json.loads(text)
    assert [(p["name"], p["email"]) for p in document["person"]] == [("Anna Rossi", "anna@example.org")]
    assert readings_of(document) == 3  # 00:00, 00:15, 00:30 (no reading at 00:45)
    assert "Bruno Bianchi" not in text and "Bottega Verde" not in text


def test_bruno_gets_his_eight_readings_and_nobody_elses(client, lec):
    signed_in(client, lec.bruno)
    text = client.get(data_url(lec, lec.bruno.address)).get_data(as_text=True)
    assert "Bruno Bianchi" in text and readings_of(json.loads(text)) == 8  # two meters × 4 quarter-hours
    assert "Anna Rossi" not in text and lec.anna.address not in text


@pytest.mark.parametrize("who", ["anonymous", "another member", "community_admin", "outsider"])
def test_nobody_but_the_member_downloads_their_data(client, base_ctx, lec, who):
    accounts = {
        "another member": lec.bruno,
        "community_admin": role_account(base_ctx, "community_admin"),
        "outsider": lec.outsider,
    }
    if who != "anonymous":
        signed_in(client, accounts[who])
    response = client.get(data_url(lec, lec.anna.address))
    assert "Anna Rossi" not in response.get_data(as_text=True)
    if who == "anonymous":
        assert refused(response, 401)["error"].startswith("sign in first")
    else:
        body = refused(response, 403)
        assert body["error"] == (
            f"{accounts[who].address} may not act for {lec.anna.address}: only the member themself may, "
            "signed in with it"
        )


def test_a_bad_member_or_community_is_refused_naming_it(client, lec):
    signed_in(client, lec.anna)
    body = refused(client.get(data_url(lec, "0x1234")), 400, "member")
    assert body["error"] == "'0x1234' is not an Ethereum address (0x followed by 40 hex digits)"
    signed_in(client, lec.outsider)
    assert refused(client.get(data_url(lec, lec.outsider.address)), 404, "member")["error"] == (
        f"{lec.outsider.address} is not a member of community {lec.name!r}"
    )
    url = data_url(lec, lec.outsider.address).replace(lec.token, NOT_A_COMMUNITY)
    assert refused(client.get(url), 404, "token")["error"].startswith("no community of this platform has the token")


# ------------------------------------------------------------------ ask to be forgotten: refusals


def test_asking_unsigned_without_csrf_without_reason_or_for_another_wallet_is_refused(client, lec):
    bruno = lec.bruno.address  # Bruno never asks: every refusal below must leave him without a request
    url = request_url(lec, bruno)
    assert refused(post(client, url, {"reason": "x"}), 401)["error"].startswith("sign in first")
    signed_in(client, lec.bruno)
    no_csrf = client.post(url, json={"reason": "x"})
    assert refused(no_csrf, 400, "X-CSRFToken")["error"].endswith(
        "send the token of GET /api/auth/csrf in the X-CSRFToken header"
    )
    assert refused(post(client, url, {}), 400, "reason")["error"] == "reason: missing data for required field"
    assert refused(post(client, url, {"reason": "   "}), 400, "reason")["error"] == (
        "reason: say why you ask to be forgotten (the Community Admin reads it)"
    )
    assert refused(post(client, url, {"reason": "x" * 2001}), 400, "reason")["error"] == (
        "reason: at most 2000 characters, not 2001"
    )
    signed_in(client, lec.anna)
    assert refused(post(client, url, {"reason": "x"}), 403)["error"].startswith(f"{lec.anna.address} may not act")
    refused(client.get(url), 403)  # nor see where another member's request stands
    signed_in(client, lec.bruno)
    assert client.get(url).get_json() == {"request": None}


def test_someone_who_was_never_a_member_cannot_ask_and_a_flood_is_429(app, client, lec):
    app.config["ERASURE_REQUEST_LIMIT"] = "2 per hour"
    outsider = lec.outsider.address
    assert refused(ask(client, lec, lec.outsider), 404, "member")["error"] == (
        f"{outsider} is not a member of community {lec.name!r}"
    )
    refused(post(client, request_url(lec, outsider), {"reason": "again"}), 404, "member")
    body = refused(post(client, request_url(lec, outsider), {"reason": "again"}), 429)
    assert body["error"] == "too many attempts (at most 2 per 1 hour): wait a minute and try again"


# ------------------------------------------------------------------ rejected: nothing erased, may ask again


def test_a_second_pending_request_is_409_and_a_rejected_one_may_be_asked_again(client, base_ctx, lec):
    anna = lec.anna.address
    first = ask(client, lec, lec.anna, "Please erase me")
    assert first.status_code == 201, first.get_json()
    request = first.get_json()
    assert (request["wallet"], request["reason"], request["status"]) == (anna, "Please erase me", "pending")
    assert request["decidedAt"] is None and request["note"] is None
    body = refused(post(client, request_url(lec, anna), {"reason": "again"}), 409)
    assert body["error"] == (
        f"{anna} already has a request to be forgotten in {lec.name!r} waiting for the Community Admin: "
        "wait for the decision"
    )
    assert client.get(request_url(lec, anna)).get_json()["request"]["id"] == request["id"]

    as_admin(client, base_ctx)
    url = decide_url(lec, request["id"], "reject")
    assert refused(post(client, url, {}), 400, "note")["error"] == "note: missing data for required field"
    assert refused(post(client, url, {"note": " "}), 400, "note")["error"] == (
        "note: say why the request is rejected (the member reads it)"
    )
    rejected = post(client, url, {"note": "You still have an unpaid reward"})
    assert rejected.status_code == 200, rejected.get_json()
    decided = rejected.get_json()["request"]
    admin = role_account(base_ctx, "community_admin").address
    assert (decided["status"], decided["note"], decided["decidedBy"]) == (
        "rejected",
        "You still have an unpaid reward",
        admin,
    )
    assert "erased" not in rejected.get_json()
    assert refused(post(client, url, {"note": "twice"}), 409)["error"].startswith(
        f"request {request['id']} was already rejected on "
    )

    signed_in(client, lec.anna)
    assert client.get(request_url(lec, anna)).get_json()["request"]["status"] == "rejected"
    assert "Anna Rossi" in client.get(data_url(lec, anna)).get_data(as_text=True)  # nothing erased
    again = post(client, request_url(lec, anna), {"reason": "I insist"})
    assert again.status_code == 201 and again.get_json()["id"] != request["id"]


# ------------------------------------------------------------------ confirmed: the member's data is gone


def test_the_admin_lists_confirms_and_the_members_download_says_nothing_is_left(
    client,
    base_ctx,
    lec,
    other_admin,  # noqa: F811
):
    shop = lec.shop.address
    asked = ask(client, lec, lec.shop, "I closed the shop")
    assert asked.status_code == 201, asked.get_json()
    request_id = asked.get_json()["id"]

    as_admin(client, base_ctx)
    listed = client.get(f"/api/communities/{lec.token}/erasure-requests").get_json()
    mine = [r for r in listed["items"] if r["id"] == request_id]
    assert len(mine) == 1 and (mine[0]["wallet"], mine[0]["reason"], mine[0]["status"]) == (
        shop,
        "I closed the shop",
        "pending",
    )
    assert all(r["status"] == "pending" for r in listed["items"])

    refusals = {
        "a member": lec.bruno,
        "the Token Admin": role_account(base_ctx, "token_admin"),
        "another community's admin": other_admin,
    }
    for _who, account in refusals.items():
        signed_in(client, account)
        body = refused(post(client, decide_url(lec, request_id, "confirm")), 403)
        assert body["error"].startswith(f"{account.address} is not the Community Admin of {lec.name!r}")
        refused(client.get(f"/api/communities/{lec.token}/erasure-requests"), 403)

    # a Community Admin who asked themself does not decide their own request
    grant = base_ctx.chain.token(lec.token).functions.grantRole(keccak(text="COMMUNITY_ADMIN"), shop)
    base_ctx.chain.send(grant, "platform_admin")
    signed_in(client, lec.shop)
    body = refused(post(client, decide_url(lec, request_id, "confirm")), 403)
    assert body["error"] == f"{shop} asked to be forgotten in request {request_id}: another Community Admin decides it"

    as_admin(client, base_ctx)
    assert refused(post(client, decide_url(lec, 999_999, "confirm")), 404, "number")["error"] == (
        f"no request to be forgotten number 999999 in {lec.name!r}"
    )
    confirmed = post(client, decide_url(lec, request_id, "confirm"))
    assert confirmed.status_code == 200, confirmed.get_json()
    answer = confirmed.get_json()
    assert answer["request"]["status"] == "confirmed"
    assert erased_readings(answer["erased"]) == 4  # the shop's meter: 0, 200, 100, 500 Wh
    assert refused(post(client, decide_url(lec, request_id, "confirm")), 409)["error"].startswith(
        f"request {request_id} was already confirmed on "
    )
    pending = client.get(f"/api/communities/{lec.token}/erasure-requests").get_json()["items"]
    assert request_id not in [r["id"] for r in pending]

    signed_in(client, lec.shop)
    text = client.get(data_url(lec, shop)).get_data(as_text=True)
    assert "Bottega Verde" not in text and "shop@example.org" not in text
    assert says_nothing_left(json.loads(text))
    assert client.get(request_url(lec, shop)).get_json()["request"]["status"] == "confirmed"
    signed_in(client, lec.bruno)  # another member's data is untouched
    assert "Bruno Bianchi" in client.get(data_url(lec, lec.bruno.address)).get_data(as_text=True)


def test_the_admins_list_is_paginated_and_filtered_by_status(client, base_ctx, lec):
    as_admin(client, base_ctx)
    url = f"/api/communities/{lec.token}/erasure-requests"
    body = refused(client.get(url + "?status=done"), 400, "status")
    assert body["error"] == "status: must be one of: pending, confirmed, rejected"
    refused(client.get(url + "?per_page=0"), 400, "per_page")
    page = client.get(url + "?status=rejected&per_page=1").get_json()
    assert page["per_page"] == 1 and len(page["items"]) <= 1
    assert all(r["status"] == "rejected" for r in page["items"])
    signed_in(client, Account.create())
    refused(client.get(url), 403)


# ------------------------------------------------------------------ the oracle's export, read by hand


def readings_of(document: dict) -> int:
    return sum(d["readingCount"] for m in document["memberships"] for d in m["devices"])


def says_nothing_left(document: dict) -> bool:
    return document["nothingLeft"] is True and document["message"].startswith("nothing left: the personal data")


def erased_readings(erased: dict) -> int:
    return erased["counts"]["readings_deleted"]
