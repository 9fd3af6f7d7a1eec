"""GET /api/communities and /api/communities/<token> against the real chain, and the audiences every test of
the communities API signs in as (imported by test_epochs_api, test_rewards_api, test_takeout_api,
test_readings_api)."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak

from dapp_backend.services.auditors import grant_auditor

from .conftest import WELCOME_CITIZEN, WELCOME_STAKEHOLDER, role_account, signed_in

ADMIN_ROLES = ("community_admin", "token_admin", "oracle_admin", "platform_admin")
# nobody: no session; outsider: a key nobody on the platform holds; anna: the member whose data is asked;
# bruno: another member of the same community
AUDIENCES = ("nobody", "outsider", "anna", "bruno", *ADMIN_ROLES, "auditor")
# who sees a community's aggregates (epochs, production) and who a member's personal data (rewards, take-out,
# readings): dapp_backend/services/access.py
AGGREGATE_STATUS = {
    "nobody": 401,
    "outsider": 403,
    "anna": 200,
    "bruno": 200,
    "community_admin": 200,
    "token_admin": 200,
    "oracle_admin": 200,
    "platform_admin": 200,
    "auditor": 200,
}
PERSONAL_STATUS = {
    "nobody": 401,
    "outsider": 403,
    "anna": 200,
    "bruno": 403,
    "community_admin": 200,
    "token_admin": 403,
    "oracle_admin": 403,
    "platform_admin": 403,
    "auditor": 200,
}
UNKNOWN_TOKEN = "0x000000000000000000000000000000000000dEaD"
# hand-worked in tests/oracle/builders.py: 0.5 + 0.883333 + 0.566666 tokens
EPOCH_TOTAL = (500_000 + 883_333 + 566_666) * 10**12


@pytest.fixture(scope="session")
def auditor(base_ctx):
    """A fresh key made an auditor by the Platform Admin."""
    account = Account.create()
    assert grant_auditor(base_ctx, account.address, by=role_account(base_ctx, "platform_admin").address)
    return account


def account_of(who: str, ctx, rewarded, auditor):
    if who in rewarded.members:
        return rewarded.members[who]
    if who == "outsider":
        return rewarded.outsider
    if who == "auditor":
        return auditor
    return role_account(ctx, who)


def get_as(client, who: str, url: str, ctx, rewarded, auditor):
    """GET `url` as `who` (nobody: without signing in)."""
    if who != "nobody":
        signed_in(client, account_of(who, ctx, rewarded, auditor))
    return client.get(url)


def refused(response, status: int, field: str | None, *words: str):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["field"] == field, body
    for word in words:
        assert word in body["error"], body
    return body["error"]


# ------------------------------------------------------------------ the tests of this module


def test_the_community_admin_key_administers_tokens_made_by_create_community(base_ctx, rewarded):
    token = base_ctx.chain.token(rewarded.token)
    for role in ("community_admin", "token_admin"):
        account = role_account(base_ctx, role)
        assert token.functions.hasRole(keccak(text=role.upper()), account.address).call()


@pytest.mark.parametrize("who", AUDIENCES)
def test_every_signed_in_address_lists_the_communities(client, base_ctx, rewarded, auditor, who):
    response = get_as(client, who, "/api/communities?per_page=200", base_ctx, rewarded, auditor)
    if who == "nobody":
        refused(response, 401, None, "sign in first")
        return
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["page"] == 1 and body["per_page"] == 200 and body["total"] >= 1
    [entry] = [c for c in body["items"] if c["token"] == rewarded.token]
    assert set(entry) == {
        "name",
        "token",
        "symbol",
        "decimals",
        "members",
        "treasury",
        "treasuryBalance",
        "feeBps",
        "activeModel",
    }
    assert entry["name"] == rewarded.name and entry["decimals"] == 18 and entry["members"] == 3
    assert entry["feeBps"] == 100  # create_community(fee_bps=100)
    assert entry["treasury"] == rewarded.token  # the token contract is its own treasury
    # endowment 10 000 tokens − welcome bonuses (100 + 100 + 500) − epoch 1 escrowed (1.949999)
    assert entry["treasuryBalance"] == str(10_000 * 10**18 - 700 * 10**18 - EPOCH_TOTAL) == "9298050001000000000000"
    assert entry["activeModel"] == {
        "id": "self_consumption",
        "version": 1,
        "effectiveFrom": entry["activeModel"]["effectiveFrom"],
        "params": {"alpha_consumer": 1.0, "alpha_producer": 0.5},
    }


def test_the_list_is_paginated_by_name(client, rewarded, community):
    signed_in(client, rewarded.anna)
    everything = client.get("/api/communities?per_page=200").get_json()
    names = [c["name"] for c in everything["items"]]
    assert names == sorted(names) and everything["total"] == len(names) >= 2
    second = client.get("/api/communities?page=2&per_page=1").get_json()
    assert second["page"] == 2 and second["per_page"] == 1 and second["total"] == everything["total"]
    assert [c["name"] for c in second["items"]] == names[1:2]
    beyond = client.get(f"/api/communities?page={len(names) + 1}&per_page=1").get_json()
    assert beyond["items"] == [] and beyond["total"] == len(names)


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
        ("page=abc", "page"),
        ("per_page=1.5", "per_page"),
    ],
)
def test_a_bad_page_is_400_naming_the_field(client, rewarded, query, field):
    signed_in(client, rewarded.anna)
    refused(client.get(f"/api/communities?{query}"), 400, field, field)


@pytest.mark.parametrize("who", AUDIENCES)
def test_one_community_with_bonuses_incentives_and_claim_window(client, base_ctx, rewarded, auditor, who):
    response = get_as(client, who, f"/api/communities/{rewarded.token}", base_ctx, rewarded, auditor)
    if who == "nobody":
        refused(response, 401, None, "sign in first")
        return
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token"] == rewarded.token and body["name"] == rewarded.name and body["members"] == 3
    assert body["welcomeBonus"] == {"citizen": str(WELCOME_CITIZEN), "stakeholder": str(WELCOME_STAKEHOLDER)}
    assert body["claimWindow"] == 365 * 24 * 3600  # ConsumptionNotary.claimWindow's default
    assert [i["category"] for i in body["incentives"]] == [1, 2, 3, 4, 5]
    assert body["incentives"][0] == {"category": 1, "name": "CitizenToCitizen", "bps": 0, "recipient": "payer"}


def test_an_incentive_set_by_the_token_admin_shows(client, base_ctx, community):
    _name, token = community
    chain = base_ctx.chain
    contract = chain.token(token)
    chain.send(contract.functions.setCategoryIncentive(3, 250, 1), "token_admin")
    try:
        signed_in(client, role_account(base_ctx, "token_admin"))
        incentives = client.get(f"/api/communities/{token}").get_json()["incentives"]
    finally:  # the session's community as other tests know it
        chain.send(contract.functions.setCategoryIncentive(3, 0, 0), "token_admin")
    assert incentives[2] == {"category": 3, "name": "CitizenToStakeholder", "bps": 250, "recipient": "provider"}


def test_a_community_without_a_model_has_no_active_model(client, base_ctx, community, member_account):
    _name, token = community  # create_community publishes no model
    signed_in(client, member_account)
    body = client.get(f"/api/communities/{token}").get_json()
    assert body["activeModel"] is None and body["members"] == 1


@pytest.mark.parametrize(
    "token, words",
    [
        (UNKNOWN_TOKEN, "no community of this platform has the token"),
        ("not-a-token", "is not the address of a community token"),
    ],
)
def test_an_unknown_token_is_404(client, rewarded, token, words):
    signed_in(client, rewarded.anna)
    refused(client.get(f"/api/communities/{token}"), 404, "token", words)


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/communities",
        "/api/communities/{token}",
        "/api/communities/{token}/epochs",
        "/api/communities/{token}/epochs/{number}",
        "/api/communities/{token}/epochs/{number}/rewards/{member}",
        "/api/communities/{token}/members/{member}/rewards",
        "/api/communities/{token}/epochs/{number}/takeout/{member}",
        "/api/communities/{token}/members/{member}/readings",
        "/api/communities/{token}/production",
    ):
        assert "get" in paths[path], path


def test_a_page_far_past_the_end_is_empty(client, rewarded):
    signed_in(client, rewarded.anna)
    body = client.get(f"/api/communities?page={10**30}").get_json()
    assert body["items"] == [] and body["page"] == 10**30 and body["total"] >= 1
