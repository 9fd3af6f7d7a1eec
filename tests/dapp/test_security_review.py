"""The security review of the dApp backend (issue 8): each test pins a finding that was fixed, or a behaviour an
attacker would probe that no other test pinned."""
from __future__ import annotations

import time

from eth_account import Account

from dapp_backend.app import create_app
from dapp_backend.context import EXTENSION

from .conftest import csrf_token, login, sign, signed_in, siwe_text
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
    for url in (f"/api/communities/{rewarded.token}/members/{rewarded.anna.address}/readings?{query}",
                f"/api/communities/{rewarded.token}/production?{query}"):
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
    return client.post("/api/auth/login", json={"message": message, "signature": sign(message, victim.key)},
                       **kwargs)


def test_a_message_signed_for_another_site_is_refused_whatever_host_header_comes_with_it(base_ctx, monkeypatch):
    client = app_with_env(base_ctx, monkeypatch, LEC_TRUSTED_HOSTS="localhost").test_client()
    response = phished_login(client, "evil.example", base_url="http://evil.example")
    assert response.status_code == 400, response.get_json()
    assert "evil.example" in response.get_json()["error"]
    assert login(client, Account.create()).status_code == 200  # the server's own host still signs in


def test_behind_a_proxy_a_forwarded_host_that_is_not_the_servers_is_refused(base_ctx, monkeypatch):
    client = app_with_env(base_ctx, monkeypatch, LEC_TRUSTED_HOSTS="dapp.example.org",
                          LEC_PROXY_HOPS="1").test_client()
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
