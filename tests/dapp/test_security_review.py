"""The security review of the dApp backend (issue 8): each test pins a finding that was fixed, or a behaviour an
attacker would probe that no other test pinned."""

from __future__ import annotations

import time

from eth_account import Account
from eth_utils import keccak

from dapp_backend.app import create_app
from dapp_backend.context import EXTENSION
from dapp_backend.services.auditors import grant_auditor, revoke_auditor

from .conftest import csrf_token, login, role_account, sign, signed_in, siwe_text
from .test_communities_api import refused

RANGE = "start={start}&end={end}"


# ------------------------------------------------------------------ sign-in: cost of a malformed message


def test_a_long_message_is_refused_before_the_eip4361_parser_spends_seconds_on_it(client):
    """The ABNF parser is quadratic: 10 000 characters without a line break took 27 s of CPU (unauthenticated, one
    request per sign-in attempt). A real message is a few hundred characters."""
    body = {"message": "x" * 20_000, "signature": "0x" + "11" * 65}
    started = time.monotonic()
    refused(client.post("/api/auth/login", json=body), 400, "message", "longer than")
    assert time.monotonic() - started < 2


def test_a_real_length_message_still_signs_in(client):
    account = Account.create()
    response = login(client, account)
    assert response.status_code == 200, response.get_json()


# ------------------------------------------------------------------ readings: an instant out of Python's range


def test_a_year_before_one_is_400_naming_the_field_not_500(client, rewarded):
    signed_in(client, rewarded.anna)
    query = RANGE.format(start="-2026-10-01T00:00:00Z", end="2026-10-01T00:00:00Z")
    for url in (
        f"/api/communities/{rewarded.token}/members/{rewarded.anna.address}/readings?{query}",
        f"/api/communities/{rewarded.token}/production?{query}",
    ):
        refused(client.get(url), 400, "start", "-2026-10-01T00:00:00Z")


# ------------------------------------------------------------------ sign-in: the domain is the server's, not the Host header's


def app_with_env(base_ctx, monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app(base_ctx.settings, testing=True)
    app.extensions[EXTENSION].__dict__["database_url"] = base_ctx.database_url
    return app


def phished_login(client, host: str, nonce_headers: dict | None = None, **kwargs):
    """A message a phishing site at `host` had the victim sign, with a nonce of this server, replayed to this
    server with `host` in the Host header (or X-Forwarded-Host behind a proxy)."""
    victim = Account.create()
    nonce = client.get("/api/auth/nonce", headers=nonce_headers or {}).get_json()["nonce"]
    message = siwe_text(victim.address, nonce, domain=host, uri=f"http://{host}/")
    return client.post("/api/auth/login", json={"message": message, "signature": sign(message, victim.key)}, **kwargs)


def test_a_message_signed_for_another_site_is_refused_whatever_host_header_comes_with_it(base_ctx, monkeypatch):
    client = app_with_env(base_ctx, monkeypatch, LEC_TRUSTED_HOSTS="localhost").test_client()
    response = phished_login(client, "evil.example", base_url="http://evil.example")
    assert response.status_code == 400, response.get_json()
    assert "evil.example" in response.get_json()["error"]
    assert login(client, Account.create()).status_code == 200  # the server's own host still signs in


def test_behind_a_proxy_a_forwarded_host_that_is_not_the_servers_is_refused(base_ctx, monkeypatch):
    client = app_with_env(base_ctx, monkeypatch, LEC_TRUSTED_HOSTS="dapp.example.org", LEC_PROXY_HOPS="1").test_client()
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http", "X-Forwarded-For": "10.9.0.2"}
    ours = {**forwarded, "X-Forwarded-Host": "dapp.example.org"}
    response = phished_login(client, "evil.example", nonce_headers=ours, headers=forwarded)
    assert response.status_code == 400, response.get_json()


def test_a_configured_setup_without_lec_trusted_hosts_signs_nobody_in(base_ctx, monkeypatch):
    from oracle.config import Settings

    client = app_with_env(base_ctx, monkeypatch).test_client()
    monkeypatch.setattr(Settings, "production", property(lambda self: True))
    response = phished_login(client, "evil.example", base_url="http://evil.example")
    body = response.get_json()
    assert response.status_code == 503 and "LEC_TRUSTED_HOSTS" in body["error"], body


# ------------------------------------------------------------------ a stolen session cookie


def test_a_session_cookie_copied_before_sign_out_is_dead_after_it(app, client):
    signed_in(client, Account.create())
    stolen = client.get_cookie("lec_session").value
    response = client.post("/api/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200, response.get_json()
    thief = app.test_client()
    thief.set_cookie("lec_session", stolen, domain="localhost")
    refused(thief.get("/api/me"), 401, None, "sign in first")


def test_a_session_is_not_kept_alive_past_12_hours_after_its_sign_in(client):
    """Each request renews the cookie: without an absolute limit a stolen one would live for ever."""
    signed_in(client, Account.create())
    assert client.get("/api/me").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= 12 * 3600 + 1
    refused(client.get("/api/me"), 401, None, "sign in first")


# ------------------------------------------------------------------ roles lost in the middle of a session


def test_an_auditor_revoked_mid_session_is_refused_on_the_next_request(client, base_ctx, rewarded):
    auditor = Account.create()
    admin = role_account(base_ctx, "platform_admin").address
    takeout = f"/api/communities/{rewarded.token}/epochs/1/takeout/{rewarded.anna.address}"
    assert grant_auditor(base_ctx, auditor.address, by=admin)
    signed_in(client, auditor)
    assert client.get(takeout).status_code == 200
    assert revoke_auditor(base_ctx, auditor.address, by=admin)
    refused(client.get(takeout), 403, None, f"personal data of {rewarded.anna.address}")


def test_a_platform_admin_who_lost_the_role_on_chain_is_refused_with_the_session_still_open(client, base_ctx):
    chain, former = base_ctx.chain, Account.create()
    role = keccak(text="PLATFORM_ADMIN")
    chain.send(chain.factory.functions.grantRole(role, former.address), "platform_admin")
    signed_in(client, former)
    assert client.get("/api/platform-admin/auditors").status_code == 200
    chain.send(chain.factory.functions.revokeRole(role, former.address), "platform_admin")
    refused(client.get("/api/platform-admin/auditors"), 403, None, "is not platform_admin")
    token = csrf_token(client)
    grant = client.post(
        "/api/platform-admin/auditors", json={"address": Account.create().address}, headers={"X-CSRFToken": token}
    )
    refused(grant, 403, None, "is not platform_admin")


def test_a_community_admin_who_lost_the_role_no_longer_reads_a_members_readings(client, base_ctx, rewarded):
    chain, former = base_ctx.chain, Account.create()
    role, token = keccak(text="COMMUNITY_ADMIN"), chain.token(rewarded.token)
    readings = (
        f"/api/communities/{rewarded.token}/members/{rewarded.anna.address}/readings?"
        "start=2026-10-01T00:00:00Z&end=2026-10-01T01:00:00Z"
    )
    chain.send(token.functions.grantRole(role, former.address), "platform_admin")
    signed_in(client, former)
    assert client.get(readings).status_code == 200
    chain.send(token.functions.revokeRole(role, former.address), "platform_admin")
    refused(client.get(readings), 403, None, f"personal data of {rewarded.anna.address}")


# ------------------------------------------------------------------ bodies and headers


def test_a_body_over_one_mebibyte_is_refused_unread(client):
    """/api/auth/login is open to anyone (no session, no CSRF token): an unbounded body was read and parsed as JSON
    whole, twice (the rate limiter's key reads it too)."""
    body = b'{"message": "' + b"x" * (2 * 1024 * 1024) + b'", "signature": "0x"}'
    response = client.post("/api/auth/login", data=body, content_type="application/json")
    assert response.status_code == 413, response.get_data(as_text=True)[:200]
    assert "1 MiB" in response.get_json()["error"]


def test_api_answers_and_errors_carry_the_security_headers_and_no_internals(client):
    for response in (
        client.get("/api/me"),
        client.get("/api/communities/0x12/epochs/x"),
        client.post("/api/auth/login", json={"message": "x", "signature": "0x"}),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        text = response.get_data(as_text=True)
        assert response.is_json and "Traceback" not in text and "/work" not in text and "SELECT" not in text


def test_an_outage_answer_names_no_host_port_or_database_user(app):
    """The driver's text (host, port, user) goes to the log, not to whoever asked: /api/auth/nonce is open."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from dapp_backend.errors import handle_unexpected

    driver = psycopg.OperationalError(
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
        'FATAL:  password authentication failed for user "lec_oracle"'
    )
    with app.test_request_context("/api/auth/nonce"):
        response = handle_unexpected(OperationalError("SELECT 1", {}, driver))
    text = response.get_data(as_text=True)
    assert response.status_code == 503, text
    for internal in ("10.0.0.5", "5432", "lec_oracle", "SELECT"):
        assert internal not in text, text


# ------------------------------------------------------------------ CSRF on every state-changing route


def test_every_state_changing_route_but_login_needs_the_csrf_token(app, client, base_ctx, rewarded):
    """Walks the URL map, so a route added later is covered too; a session of the Platform Admin (who may do
    most) sends each without X-CSRFToken, then with another session's token."""
    values = {"token": rewarded.token, "address": rewarded.anna.address, "member": rewarded.anna.address, "number": "1"}
    routes = [
        (method, rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods)
        if method in ("POST", "PUT", "PATCH", "DELETE") and rule.rule != "/api/auth/login"
    ]
    assert {
        ("POST", "/api/auth/logout"),
        ("POST", "/api/platform-admin/auditors"),
        ("DELETE", "/api/platform-admin/auditors/<address>"),
    } <= {(m, r.rule) for m, r in routes}
    other = app.test_client()
    signed_in(other, Account.create())
    foreign = csrf_token(other)
    signed_in(client, role_account(base_ctx, "platform_admin"))
    for method, rule in routes:
        url = rule.build(values, append_unknown=False)[1]
        for headers in ({}, {"X-CSRFToken": foreign}):
            response = client.open(url, method=method, json={"address": Account.create().address}, headers=headers)
            refused(response, 400, "X-CSRFToken", "CSRF")
    assert client.get("/api/me").status_code == 200  # none of them signed the session out


# ------------------------------------------------------------------ malformed bodies


def test_json_nested_too_deeply_is_400_naming_the_body_not_500(client, base_ctx, rewarded):
    """Python's json parser gives up with RecursionError (not a ValueError) past ~1000 levels: it was a 500 with a
    logged traceback, on the open /api/auth/login too."""
    deep = b"[" * 100_000 + b"]" * 100_000
    in_a_field = b'{"message": ' + deep + b', "signature": "0x"}'
    for body in (deep, in_a_field):
        refused(
            client.post("/api/auth/login", data=body, content_type="application/json"),
            400,
            None,
            "the body: invalid json body",
        )
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    response = client.post(
        f"/api/oracle/communities/{rewarded.token}/models/preview",
        data=deep,
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client)},
    )
    refused(response, 400, None, "the body: invalid json body")
