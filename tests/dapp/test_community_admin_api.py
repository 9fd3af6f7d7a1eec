"""The Community Admin's API against the real chain and database: members, work requests, activity per day, a
member's token history — every route × every audience, and the numbers worked out by hand.

The `moves` community (tests/dapp/admin_helpers.py): fee 1 % (fee_bps=100), welcome 100 tokens to a citizen,
500 to a stakeholder. A sends B 10 tokens: fee 10 * 1 % = 0.1 token, B receives 9.9. A pays S 20 tokens for a
service: fee 0.2, S receives 19.8. Work: B asks 5 (pending), S asks 7 (rejected), A asks 3 (approved, paid by
the treasury fee-free). A's balance: 100 - 10 - 20 + 3 = 73 tokens.
"""

from __future__ import annotations

import pytest

from .admin_helpers import AUDIENCES, NOT_A_COMMUNITY, TOKEN, as_audience, moves, other_admin, refused  # noqa: F401
from .conftest import role_account, signed_in

ADMINS = {"community_admin", "token_admin"}


def routes(m):
    """route name -> (path, audiences let in, the member who asks as "member")."""
    return {
        "members": (f"/api/communities/{m.token}/members", ADMINS, m.a),
        "work-requests": (f"/api/communities/{m.token}/work-requests", ADMINS, m.a),
        "activity": (f"/api/communities/{m.token}/activity?days=2", ADMINS | {"member"}, m.a),
        # "member" is B asking for A's history: another member's is refused
        "history": (f"/api/communities/{m.token}/members/{m.a.address}/history", ADMINS, m.b),
    }


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("route", ["members", "work-requests", "activity", "history"])
def test_every_route_answers_each_audience(client, base_ctx, moves, other_admin, route, audience):  # noqa: F811
    path, allowed, asking = routes(moves)[route]
    as_audience(client, base_ctx, audience, member=asking, other_admin=other_admin)
    response = client.get(path)
    if audience == "anonymous":
        assert refused(response, 401)["error"].startswith("sign in first")
    elif audience in allowed:
        assert response.status_code == 200, response.get_json()
    else:
        assert "is not a Community Admin or Token Admin" in refused(response, 403)["error"]


@pytest.mark.parametrize("route", ["members", "work-requests", "activity", "history"])
def test_a_token_that_is_no_community_is_404(client, base_ctx, moves, route):  # noqa: F811
    path = routes(moves)[route][0].replace(moves.token, NOT_A_COMMUNITY)
    signed_in(client, role_account(base_ctx, "community_admin"))
    body = refused(client.get(path), 404, "token")
    assert body["error"] == f"{NOT_A_COMMUNITY} is not the token of a community of this platform"
    refused(client.get(path.replace(NOT_A_COMMUNITY, "not-a-token")), 404, "token")


@pytest.mark.parametrize(
    "path, field, words",
    [
        (
            "members?per_page=0",
            "per_page",
            "per_page: must be greater than or equal to 1 and less than or equal to 200",
        ),
        ("members?page=x", "page", "page: not a valid integer"),
        ("work-requests?status=done", "status", "status: must be one of: pending, approved, rejected"),
        ("activity?days=0", "days", "days: must be greater than or equal to 1 and less than or equal to 366"),
        ("activity?days=367", "days", "days: must be greater than or equal to 1 and less than or equal to 366"),
        (
            "members/0x1234/history",
            "member",
            "'0x1234' is not an Ethereum address: expected 0x and 40 hexadecimal digits",
        ),
    ],
)
def test_a_bad_query_is_400_naming_the_field(client, base_ctx, moves, path, field, words):  # noqa: F811
    signed_in(client, role_account(base_ctx, "community_admin"))
    assert refused(client.get(f"/api/communities/{moves.token}/{path}"), 400, field)["error"] == words


def test_members_joins_the_oracles_records_with_the_chain(client, base_ctx, moves):  # noqa: F811
    signed_in(client, role_account(base_ctx, "token_admin"))
    body = client.get(f"/api/communities/{moves.token}/members").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 4)
    by_wallet = {m["wallet"]: m for m in body["items"]}
    assert by_wallet[moves.a.address] == {
        "wallet": moves.a.address,
        "kind": "citizen",
        "profile": "consumer",
        "active": True,
        "balance": str(73 * TOKEN),
        "name": "Alba Neri",
    }
    # B: 100 welcome + 9.9 received; S: 500 welcome + 19.8 from the service
    assert by_wallet[moves.b.address]["balance"] == str(100 * TOKEN + 99 * TOKEN // 10)
    assert by_wallet[moves.s.address] == {
        "wallet": moves.s.address,
        "kind": "stakeholder",
        "profile": "consumer",
        "active": True,
        "balance": str(500 * TOKEN + 198 * TOKEN // 10),
        "name": "Sala Civica",
    }
    # added on-chain only (by the Community Admin's wallet): no name; the citizen's welcome bonus
    assert by_wallet[moves.n.address] == {
        "wallet": moves.n.address,
        "kind": "citizen",
        "profile": "consumer",
        "active": True,
        "balance": str(100 * TOKEN),
        "name": None,
    }
    assert [m["wallet"] for m in body["items"]] == sorted(by_wallet, key=lambda w: int(w, 16))
    second = client.get(f"/api/communities/{moves.token}/members?page=2&per_page=3").get_json()
    assert second["total"] == 4 and [m["wallet"] for m in second["items"]] == [body["items"][3]["wallet"]]


def test_work_requests_come_from_the_chain_newest_first(client, base_ctx, moves):  # noqa: F811
    signed_in(client, role_account(base_ctx, "community_admin"))
    body = client.get(f"/api/communities/{moves.token}/work-requests").get_json()
    assert body["total"] == 3
    assert [(r["id"], r["member"], r["amount"], r["description"], r["status"]) for r in body["items"]] == [
        (3, moves.a.address, str(3 * TOKEN), "cleanup", "approved"),
        (2, moves.s.address, str(7 * TOKEN), "repair", "rejected"),
        (1, moves.b.address, str(5 * TOKEN), "garden", "pending"),
    ]
    assert body["items"][2]["category"] == "citizen_to_community"
    assert body["items"][2]["ref"] == "0x" + b"garden".ljust(32, b"\0").hex()
    pending = client.get(f"/api/communities/{moves.token}/work-requests?status=pending").get_json()
    assert pending["total"] == 1 and pending["items"][0]["id"] == 1


def test_activity_counts_transfers_services_volume_and_fees_per_day(client, base_ctx, moves):  # noqa: F811
    signed_in(client, moves.b)  # a member may see the community's activity
    body = client.get(f"/api/communities/{moves.token}/activity?days=2").get_json()
    assert len(body["days"]) == 2
    yesterday, today = body["days"]
    # today: the transfer (10, fee 0.1) and the service (20, fee 0.2); welcome bonuses and work are the treasury's
    assert today == {
        "date": today["date"],
        "transfers": 1,
        "volume": str(30 * TOKEN),
        "fees": str(3 * TOKEN // 10),
        "services": 1,
    }
    assert yesterday == {"date": yesterday["date"], "transfers": 0, "volume": "0", "fees": "0", "services": 0}
    month = client.get(f"/api/communities/{moves.token}/activity").get_json()["days"]  # 30 days by default
    year = client.get(f"/api/communities/{moves.token}/activity?days=366").get_json()["days"]
    assert (len(month), len(year)) == (30, 366) and month[-1] == year[-1] == today
    assert sum(d["transfers"] for d in year) == 1 and sum(d["services"] for d in year) == 1


def test_history_shows_each_movement_with_its_fee(client, base_ctx, moves):  # noqa: F811
    signed_in(client, moves.a)  # the member themself
    body = client.get(f"/api/communities/{moves.token}/members/{moves.a.address}/history").get_json()
    assert body["total"] == 4
    rows = [(r["kind"], r["from"], r["to"], r["amount"], r["fee"]) for r in body["items"]]
    assert rows == [
        ("work", moves.token, moves.a.address, str(3 * TOKEN), "0"),
        ("service", moves.a.address, moves.s.address, str(20 * TOKEN), str(2 * TOKEN // 10)),
        ("transfer", moves.a.address, moves.b.address, str(10 * TOKEN), str(TOKEN // 10)),
        ("welcome", moves.token, moves.a.address, str(100 * TOKEN), "0"),
    ]
    assert [r["tx"] for r in body["items"][:3]] == [moves.txs["work"], moves.txs["service"], moves.txs["transfer"]]
    blocks = [r["block"] for r in body["items"]]
    assert blocks == sorted(blocks, reverse=True)
    assert all(r["time"].endswith("+00:00") for r in body["items"])
    page = client.get(f"/api/communities/{moves.token}/members/{moves.a.address}/history?page=2&per_page=3")
    assert [r["kind"] for r in page.get_json()["items"]] == ["welcome"]


def test_history_of_a_reward_and_of_the_receiving_side(client, base_ctx, moves, rewarded):  # noqa: F811
    signed_in(client, role_account(base_ctx, "community_admin"))
    received = client.get(f"/api/communities/{moves.token}/members/{moves.b.address}/history").get_json()
    assert [(r["kind"], r["from"], r["amount"], r["fee"]) for r in received["items"]] == [
        ("transfer", moves.a.address, str(10 * TOKEN), str(TOKEN // 10)),
        ("welcome", moves.token, str(100 * TOKEN), "0"),
    ]
    anna = client.get(f"/api/communities/{rewarded.token}/members/{rewarded.anna.address}/history").get_json()
    # epoch 1 pushed anna's 0.5 token from the notary's escrow (builders.EXPECTED)
    assert [(r["kind"], r["from"], r["amount"]) for r in anna["items"]] == [
        ("reward", base_ctx.chain.notary.address, str(rewarded.expected[rewarded.anna.address])),
        ("welcome", rewarded.token, str(100 * TOKEN)),
    ]


def test_members_of_the_rewarded_community_carry_their_decrypted_names(client, base_ctx, rewarded):
    signed_in(client, role_account(base_ctx, "community_admin"))
    body = client.get(f"/api/communities/{rewarded.token}/members").get_json()
    names = {m["wallet"]: m["name"] for m in body["items"]}
    # tests/oracle/builders.py MEMBERS_CSV, stored encrypted (users.name_enc)
    assert names == {
        rewarded.anna.address: "Anna Rossi",
        rewarded.bruno.address: "Bruno Bianchi",
        rewarded.shop.address: "Bottega Verde",
    }


def test_the_administrators_routes_are_in_the_openapi_document(client):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. apispec's "Multiple schemas resolved to the name …"
        paths = client.get("/api/openapi.json").get_json()["paths"]
    documented = {
        "/api/communities/{token}/members": ("get", {"200", "400", "401", "403", "404"}),
        "/api/communities/{token}/work-requests": ("get", {"200", "400", "401", "403", "404"}),
        "/api/communities/{token}/activity": ("get", {"200", "400", "401", "403", "404"}),
        "/api/communities/{token}/members/{member}/history": ("get", {"200", "400", "401", "403", "404"}),
        "/api/oracle/communities/{token}/models": ("get", {"200", "401", "403", "404"}),
        "/api/oracle/communities/{token}/models/preview": ("post", {"200", "400", "401", "403", "404"}),
        "/api/platform-admin/auditors": ("post", {"200", "201", "400", "401", "403"}),
        "/api/platform-admin/auditors/{address}": ("delete", {"204", "400", "401", "403", "404"}),
    }
    for path, (method, statuses) in documented.items():
        responses = set(paths[path][method]["responses"])
        assert statuses <= responses and "422" not in responses, (path, responses)
    assert "get" in paths["/api/platform-admin/auditors"]
