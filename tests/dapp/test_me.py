"""/api/me against the real chain: a member, a non-member, each admin role (the embedded setup's role keys),
an auditor granted by the Platform Admin; the role helpers for later blueprints (401, 403, 404)."""

from __future__ import annotations

import pytest
from eth_account import Account
from flask import jsonify

from dapp_backend.auth import current_address, require_role, require_signed_in
from dapp_backend.services.auditors import grant_auditor, revoke_auditor
from dapp_backend.services.errors import Forbidden, InvalidInput

from .conftest import WELCOME_STAKEHOLDER, signed_in


def me(client):
    response = client.get("/api/me")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def entry(body, token):
    [found] = [c for c in body["communities"] if c["token"] == token]
    return found


def test_without_a_session_me_is_401_json(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "sign in first (Sign-In with Ethereum: GET /api/auth/nonce, then POST /api/auth/login)",
        "field": None,
    }


def test_a_member_sees_membership_kind_profile_and_welcome_balance(client, community, member_account):
    name, token = community
    body = me(signed_in(client, member_account))
    assert body["address"] == member_account.address and body["roles"] == []
    # a stakeholder's welcome bonus is 500 tokens (create_community(welcome_stakeholder="500")), paid fee-free
    assert entry(body, token) == {
        "name": name,
        "token": token,
        "member": True,
        "kind": "stakeholder",
        "profile": "prostormer",
        "balance": str(WELCOME_STAKEHOLDER),
        "roles": [],
    }
    assert str(WELCOME_STAKEHOLDER) == "500000000000000000000"


def test_a_non_member_sees_every_community_as_not_a_member(client, community):
    stranger = Account.create()
    body = me(signed_in(client, stranger))
    assert body["roles"] == [] and body["communities"]
    assert all(
        c["member"] is False and c["kind"] is None and c["profile"] is None and c["balance"] == "0" and c["roles"] == []
        for c in body["communities"]
    )
    assert community[1] in {c["token"] for c in body["communities"]}


@pytest.mark.parametrize(
    "role, roles, community_roles",
    [
        ("platform_admin", ["platform_admin"], []),
        ("oracle_admin", ["oracle_admin"], []),
        ("community_admin", ["community_admin"], ["community_admin"]),
        ("token_admin", ["token_admin"], ["token_admin"]),
    ],
)
def test_each_admin_role_comes_from_the_chain(client, base_ctx, community, role, roles, community_roles):
    account = base_ctx.keyring.account(role)  # the embedded setup's key of that role
    body = me(signed_in(client, account))
    assert body["roles"] == roles
    assert entry(body, community[1])["roles"] == community_roles
    assert entry(body, community[1])["member"] is False


def test_an_auditor_is_granted_and_revoked_by_the_platform_admin_only(client, base_ctx, community):
    auditor, admin = Account.create(), base_ctx.keyring.address("platform_admin")
    with pytest.raises(Forbidden, match="is not a Platform Admin"):
        grant_auditor(base_ctx, auditor.address, by=base_ctx.keyring.address("community_admin"))
    with pytest.raises(InvalidInput, match="not an Ethereum address"):
        grant_auditor(base_ctx, "0x1234", by=admin)
    signed_in(client, auditor)
    assert me(client)["roles"] == []
    assert grant_auditor(base_ctx, auditor.address.lower(), by=admin) is True
    assert grant_auditor(base_ctx, auditor.address, by=admin) is False  # already one
    assert me(client)["roles"] == ["auditor"]
    with pytest.raises(Forbidden):
        revoke_auditor(base_ctx, auditor.address, by=auditor.address)
    assert revoke_auditor(base_ctx, auditor.address, by=admin) is True
    assert me(client)["roles"] == []
    assert revoke_auditor(base_ctx, auditor.address, by=admin) is False


# ------------------------------------------------------------------ helpers for later blueprints


@pytest.fixture
def guarded(app):
    """Routes guarded as later blueprints will guard theirs."""

    @require_signed_in
    def whoami():
        return jsonify({"address": current_address()})

    @require_role("community_admin")
    def admin_of(token):
        return jsonify({"token": token})

    @require_role("auditor", "community_admin")
    def audit(token):
        return jsonify({"ok": True})

    @require_role("platform_admin")
    def platform():
        return jsonify({"ok": True})

    app.add_url_rule("/api/test/whoami", view_func=whoami)
    app.add_url_rule("/api/test/<token>/admin", view_func=admin_of)
    app.add_url_rule("/api/test/<token>/audit", view_func=audit)
    app.add_url_rule("/api/test/platform", view_func=platform)
    return app.test_client()


def test_helpers_answer_401_without_a_session(guarded, community):
    for path in ("/api/test/whoami", f"/api/test/{community[1]}/admin", "/api/test/platform"):
        response = guarded.get(path)
        assert response.status_code == 401 and response.get_json()["error"].startswith("sign in first"), path


def test_helpers_answer_403_for_the_wrong_role_and_404_for_a_token_that_is_no_address(
    guarded, community, member_account
):
    token = community[1]
    signed_in(guarded, member_account)
    assert guarded.get("/api/test/whoami").get_json() == {"address": member_account.address}
    response = guarded.get(f"/api/test/{token}/admin")
    assert response.status_code == 403 and response.get_json() == {
        "error": f"{member_account.address} is not community_admin of community {token}",
        "field": None,
    }
    assert guarded.get("/api/test/platform").status_code == 403
    response = guarded.get("/api/test/not-a-token/admin")
    assert response.status_code == 404 and response.get_json()["field"] == "token"


def test_a_community_role_counts_on_its_own_token(guarded, base_ctx, community):
    signed_in(guarded, base_ctx.keyring.account("community_admin"))
    assert guarded.get(f"/api/test/{community[1].lower()}/admin").get_json() == {"token": community[1].lower()}
    other = "0x" + "12" * 20  # not a community: no role there
    assert guarded.get(f"/api/test/{other}/admin").status_code == 403
    assert guarded.get(f"/api/test/{community[1]}/audit").status_code == 200
    assert guarded.get("/api/test/platform").status_code == 403


def test_an_auditor_passes_a_route_for_auditors_or_community_admins(guarded, base_ctx, community):
    auditor = Account.create()
    grant_auditor(base_ctx, auditor.address, by=base_ctx.keyring.address("platform_admin"))
    signed_in(guarded, auditor)
    assert guarded.get(f"/api/test/{community[1]}/audit").status_code == 200
    assert guarded.get(f"/api/test/{community[1]}/admin").status_code == 403
