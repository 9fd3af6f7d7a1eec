"""The Platform Admin's API: auditors granted, listed and revoked — every route × audience, the CSRF refusal,
addresses checked (EIP-55 when mixed case, not zero), and the grant seen by /api/me."""

from __future__ import annotations

import pytest
from eth_account import Account

from .admin_helpers import as_audience, other_admin, refused  # noqa: F401
from .conftest import csrf_token, role_account, signed_in

AUDITORS = "/api/platform-admin/auditors"


def grant(client, address, *, csrf=True):
    headers = {"X-CSRFToken": csrf_token(client)} if csrf else {}
    return client.post(AUDITORS, json={"address": address}, headers=headers)


def revoke(client, address, *, csrf=True):
    headers = {"X-CSRFToken": csrf_token(client)} if csrf else {}
    return client.delete(f"{AUDITORS}/{address}", headers=headers)


def roles_of(client, account):
    signed_in(client, account)
    return client.get("/api/me").get_json()["roles"]


@pytest.mark.parametrize(
    "audience",
    [
        "anonymous",
        "member",
        "outsider",
        "other_admin",
        "oracle_admin",
        "community_admin",
        "token_admin",
        "platform_admin",
    ],
)
@pytest.mark.parametrize("route", ["list", "grant", "revoke"])
def test_every_route_answers_each_audience(
    client,
    base_ctx,
    community,
    member_account,
    other_admin,  # noqa: F811
    route,
    audience,
):
    as_audience(client, base_ctx, audience, member=member_account, other_admin=other_admin)
    someone = Account.create().address
    if route == "revoke":  # an auditor to revoke (granted beforehand, outside the request under test)
        from dapp_backend.services.auditors import grant_auditor

        grant_auditor(base_ctx, someone, by=base_ctx.keyring.address("platform_admin"))
    response = {
        "list": lambda: client.get(AUDITORS),
        "grant": lambda: grant(client, someone),
        "revoke": lambda: revoke(client, someone),
    }[route]()
    if audience == "anonymous":
        assert refused(response, 401)["error"].startswith("sign in first")  # with a CSRF token, without a session
    elif audience == "platform_admin":
        assert response.status_code == {"list": 200, "grant": 201, "revoke": 204}[route], response.get_json()
    else:
        assert refused(response, 403)["error"].endswith("is not platform_admin")


def test_an_auditor_granted_sees_the_role_in_me_and_loses_it_when_revoked(client, base_ctx):
    auditor, admin = Account.create(), role_account(base_ctx, "platform_admin")
    signed_in(client, admin)
    response = grant(client, auditor.address.lower())  # all lowercase: no checksum to check
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["address"], body["grantedBy"]) == (auditor.address, admin.address)
    assert body["grantedAt"].endswith("+00:00")
    again = grant(client, auditor.address)
    assert again.status_code == 200 and again.get_json() == body  # already one: the grant in force
    listed = client.get(f"{AUDITORS}?per_page=200").get_json()
    assert body in listed["items"] and listed["total"] >= 1
    assert roles_of(client, auditor) == ["auditor"]

    signed_in(client, admin)
    response = revoke(client, auditor.address)
    assert response.status_code == 204 and response.data == b""
    assert body not in client.get(f"{AUDITORS}?per_page=200").get_json()["items"]
    assert roles_of(client, auditor) == []
    signed_in(client, admin)
    body = refused(revoke(client, auditor.address), 404, "address")
    assert body["error"] == f"{auditor.address} is not an auditor: nothing to revoke"


@pytest.mark.parametrize(
    "address, words",
    [
        ("0x1234", "'0x1234' is not an Ethereum address"),
        ("0x" + "00" * 20, "the zero address cannot be an auditor"),
        ("not an address", "'not an address' is not an Ethereum address"),
    ],
)
def test_a_bad_address_is_400_naming_it(client, base_ctx, address, words):
    signed_in(client, role_account(base_ctx, "platform_admin"))
    assert words in refused(grant(client, address), 400, "address")["error"]
    assert words in refused(revoke(client, address), 400, "address")["error"]


def test_a_mixed_case_address_with_a_wrong_checksum_is_400(client, base_ctx):
    good = Account.create().address
    flipped = good[:2] + "".join(c.swapcase() if c.isalpha() else c for c in good[2:])
    if flipped in (flipped.lower(), flipped.upper()) or not any(c.isalpha() for c in good[2:]):
        pytest.skip("an address without mixed case letters")
    signed_in(client, role_account(base_ctx, "platform_admin"))
    assert "has a wrong checksum (mixed case)" in refused(grant(client, flipped), 400, "address")["error"]


def test_a_grant_without_an_address_is_400(client, base_ctx):
    signed_in(client, role_account(base_ctx, "platform_admin"))
    response = client.post(AUDITORS, json={}, headers={"X-CSRFToken": csrf_token(client)})
    assert refused(response, 400, "address")["error"] == "address: missing data for required field"


def test_grant_and_revoke_without_the_csrf_token_are_refused(client, base_ctx):
    someone = Account.create().address
    signed_in(client, role_account(base_ctx, "platform_admin"))
    assert "X-CSRFToken" in refused(grant(client, someone, csrf=False), 400, "X-CSRFToken")["error"]
    assert refused(revoke(client, someone, csrf=False), 400, "X-CSRFToken")
    assert client.get(f"{AUDITORS}?per_page=200").status_code == 200


def test_a_bad_page_is_400(client, base_ctx):
    signed_in(client, role_account(base_ctx, "platform_admin"))
    refused(client.get(f"{AUDITORS}?per_page=500"), 400, "per_page")
