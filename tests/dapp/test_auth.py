"""Sign-In with Ethereum against the real database and chain: the nonce, every refusal, the session cookie,
CSRF, rate limits, JSON errors, the OpenAPI document and the factory's configuration."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import stat

import pytest
from eth_account import Account
from sqlalchemy import select, text

from dapp_backend.config import flask_config
from oracle.db.schema import DappNonce
from oracle.errors import ConfigError

from .conftest import CHAIN_ID, csrf_token, in_minutes, login, new_nonce, sign, siwe_text


def refused(response, status: int, words: str, field=None):
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"error", "field"} and body["field"] == field, body
    assert re.search(words, body["error"]), body["error"]


# ------------------------------------------------------------------ nonce


def test_a_nonce_is_fresh_each_time_and_only_its_hash_is_stored(client, ctx):
    first, second = new_nonce(client), new_nonce(client)
    assert first != second and re.fullmatch(r"[0-9a-f]{32}", first)
    with ctx.session() as s:
        row = s.scalar(select(DappNonce).where(DappNonce.nonce_hash == hashlib.sha256(first.encode()).digest()))
        assert row.used_at is None
        lifetime = s.scalar(text("SELECT expires_at - created_at FROM dapp_nonces WHERE id = :id"), {"id": row.id})
        stored = s.execute(
            text("SELECT count(*) FROM dapp_nonces WHERE nonce_hash = convert_to(:n, 'UTF8')"), {"n": first}
        ).scalar()
    assert lifetime.total_seconds() == 600 and stored == 0


# ------------------------------------------------------------------ sign-in


def test_a_signed_message_signs_in_with_an_httponly_samesite_cookie(client):
    account = Account.create()
    response = login(client, account)
    assert response.status_code == 200 and response.get_json() == {"address": account.address}
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lec_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing (and the embedded setup) runs over plain http
    assert client.get("/api/me").get_json()["address"] == account.address


def test_a_nonce_signs_in_once(client):
    account = Account.create()
    nonce = new_nonce(client)
    message = siwe_text(account.address, nonce)
    body = {"message": message, "signature": sign(message, account.key)}
    assert client.post("/api/auth/login", json=body).status_code == 200
    refused(client.post("/api/auth/login", json=body), 401, "nonce has already been used")


def test_a_nonce_the_server_never_issued_is_refused(client):
    refused(login(client, Account.create(), nonce="0123456789abcdef0123456789abcdef"), 401, "not issued by this server")


def test_an_expired_nonce_is_refused(client, ctx):
    account = Account.create()
    nonce = new_nonce(client)
    with ctx.session() as s:
        s.execute(
            text("UPDATE dapp_nonces SET expires_at = now() - interval '1 second' WHERE nonce_hash = :h"),
            {"h": hashlib.sha256(nonce.encode()).digest()},
        )
    refused(login(client, account, nonce=nonce), 401, r"nonce has expired \(nonces last 10 minutes\)")


def test_a_signature_by_another_key_is_refused_and_leaves_the_nonce_usable(client):
    account, other = Account.create(), Account.create()
    nonce = new_nonce(client)
    refused(
        login(client, account, signer=other, nonce=nonce), 401, f"signed by {other.address}, not by {account.address}"
    )
    assert login(client, account, nonce=nonce).status_code == 200


def test_another_domain_is_refused(client):
    refused(
        login(client, Account.create(), domain="evil.example", uri="http://evil.example/"),
        401,
        r"signs in to evil.example, not to this server \(localhost\)",
    )


def test_a_uri_on_another_host_is_refused(client):
    refused(
        login(client, Account.create(), uri="https://evil.example/login"),
        401,
        "URI https://evil.example/login is not on this server",
    )


def test_another_chain_is_refused(client):
    refused(
        login(client, Account.create(), chain_id=1), 401, f"for chain 1, but this platform runs on chain {CHAIN_ID}"
    )


def test_an_expired_message_is_refused(client):
    refused(
        login(client, Account.create(), expiration=in_minutes(-1), issued_at=in_minutes(-5)), 401, "message expired at"
    )


def test_a_message_not_yet_valid_is_refused(client):
    refused(login(client, Account.create(), not_before=in_minutes(5)), 401, "not valid before")


def test_a_message_valid_until_later_signs_in(client):
    assert login(client, Account.create(), expiration=in_minutes(5)).status_code == 200


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"message": "hello", "signature": "0x" + "11" * 65}, "message", "not an EIP-4361 sign-in message"),
        ("bad-signature", "signature", "not 65 bytes in hex"),
        ("unrecoverable", "signature", "cannot be recovered"),
        ({"message": "x"}, "signature", "signature: missing data for required field"),
        ({"message": "x", "signature": "0x", "remember": True}, "remember", "remember: unknown field"),
        ({"message": 5, "signature": "0x"}, "message", "message: not a valid string"),
    ],
)
def test_malformed_logins_are_400_naming_the_field(client, body, field, words):
    account = Account.create()
    if body in ("bad-signature", "unrecoverable"):
        message = siwe_text(account.address, new_nonce(client))
        body = {"message": message, "signature": "0x1234" if body == "bad-signature" else "0x" + "00" * 65}
    refused(client.post("/api/auth/login", json=body), 400, words, field)


def test_a_message_whose_address_is_not_checksummed_is_400(client):
    account = Account.create()
    message = siwe_text(account.address, new_nonce(client)).replace(account.address, account.address.lower())
    refused(
        client.post("/api/auth/login", json={"message": message, "signature": sign(message, account.key)}),
        400,
        "not an EIP-4361 sign-in message",
        "message",
    )


# ------------------------------------------------------------------ session, CSRF, logout


def test_logout_needs_the_csrf_token_and_ends_the_session(client):
    account = Account.create()
    assert login(client, account).status_code == 200
    refused(client.post("/api/auth/logout"), 400, "CSRF token is missing", "X-CSRFToken")
    refused(
        client.post("/api/auth/logout", headers={"X-CSRFToken": "forged"}),
        400,
        "CSRF session token is missing",
        "X-CSRFToken",
    )
    token = csrf_token(client)
    refused(
        client.post("/api/auth/logout", headers={"X-CSRFToken": "forged"}), 400, "CSRF token is invalid", "X-CSRFToken"
    )
    assert client.get("/api/me").status_code == 200
    response = client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json() == {"signed_out": True}
    refused(client.get("/api/me"), 401, "sign in first")


def test_a_csrf_token_of_another_session_is_refused(app, client):
    assert login(client, Account.create()).status_code == 200
    stranger = app.test_client()
    refused(client.post("/api/auth/logout", headers={"X-CSRFToken": csrf_token(stranger)}), 400, "CSRF", "X-CSRFToken")


# ------------------------------------------------------------------ rate limits


def test_sign_in_attempts_are_limited_per_address(app, client):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "2 per minute"
    account = Account.create()
    for n, ip in enumerate(["10.8.1.1", "10.8.1.2"]):  # other IPs: only the address counts
        assert login(client, account, environ={"REMOTE_ADDR": ip}).status_code == 200, n
    refused(
        login(client, account, environ={"REMOTE_ADDR": "10.8.1.3"}),
        429,
        r"too many attempts \(at most 2 per 1 minute\)",
    )
    assert login(client, Account.create(), environ={"REMOTE_ADDR": "10.8.1.3"}).status_code == 200


def test_sign_in_attempts_are_limited_per_ip(app, client):
    app.config["SIGNIN_LIMIT_PER_IP"] = "3 per minute"
    ip = {"REMOTE_ADDR": "10.8.2.1"}
    for _ in range(3):
        assert login(client, Account.create(), environ=ip).status_code == 200
    refused(login(client, Account.create(), environ=ip), 429, r"too many attempts \(at most 3 per 1 minute\)")
    assert login(client, Account.create(), environ={"REMOTE_ADDR": "10.8.2.2"}).status_code == 200


def test_refused_attempts_count_too(app, client):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "2 per minute"
    account = Account.create()
    ip = {"REMOTE_ADDR": "10.8.3.1"}
    for _ in range(2):
        assert login(client, account, chain_id=1, environ=ip).status_code == 401
    refused(login(client, account, environ=ip), 429, r"too many attempts \(at most 2 per 1 minute\)")


# ------------------------------------------------------------------ JSON errors, OpenAPI, factory


def test_unknown_api_paths_and_methods_are_json(client):
    refused(client.get("/api/nowhere"), 404, "nothing at this address")
    refused(client.delete("/api/auth/nonce"), 405, "method is not allowed")


def test_the_openapi_document_describes_the_routes(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.get_json()["paths"]
    assert {"/api/auth/nonce", "/api/auth/login", "/api/auth/logout", "/api/auth/csrf", "/api/me"} <= set(paths)
    responses = paths["/api/auth/login"]["post"]["responses"]
    assert {"200", "400", "401", "429"} <= set(responses) and "422" not in responses


def test_the_embedded_setup_generates_its_session_secret_0600(base_ctx):
    path = base_ctx.settings.secrets_dir / "session-secret"
    config = flask_config(base_ctx.settings, testing=False, env={})
    assert path.read_text().strip() == config["SECRET_KEY"] and len(config["SECRET_KEY"]) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and config["SESSION_COOKIE_SECURE"] is False


def test_a_configured_setup_needs_lec_session_secret_and_sends_secure_cookies(base_ctx):
    configured = dataclasses.replace(base_ctx.settings, database_url="postgresql://db.example/lec")
    with pytest.raises(ConfigError, match="LEC_SESSION_SECRET is not set"):
        flask_config(configured, testing=False, env={})
    config = flask_config(configured, testing=False, env={"LEC_SESSION_SECRET": "s" * 40})
    assert config["SECRET_KEY"] == "s" * 40 and config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_two_logins_racing_with_one_nonce_sign_in_once(app):
    from concurrent.futures import ThreadPoolExecutor

    account = Account.create()
    message = siwe_text(account.address, new_nonce(app.test_client()))
    body = {"message": message, "signature": sign(message, account.key)}

    def attempt(_):
        return app.test_client().post("/api/auth/login", json=body).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(attempt, range(4)))
    assert statuses == [200, 401, 401, 401]


def test_behind_a_reverse_proxy_the_forwarded_host_and_scheme_are_the_servers(base_ctx, monkeypatch):
    from dapp_backend.app import create_app
    from dapp_backend.context import EXTENSION

    monkeypatch.setenv("LEC_PROXY_HOPS", "1")
    app = create_app(base_ctx.settings, testing=True)
    app.extensions[EXTENSION].__dict__["database_url"] = base_ctx.database_url
    client = app.test_client()
    forwarded = {"X-Forwarded-Host": "dapp.example.org", "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.0.1"}
    account = Account.create()
    nonce = client.get("/api/auth/nonce", headers=forwarded).get_json()["nonce"]
    message = siwe_text(account.address, nonce, domain="dapp.example.org", uri="https://dapp.example.org/")
    body = {"message": message, "signature": sign(message, account.key)}
    refused(client.post("/api/auth/login", json=body), 401, "signs in to dapp.example.org, not to this server")
    response = client.post("/api/auth/login", json=body, headers=forwarded)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "data, content_type, words, field",
    [
        (b"\x00", "application/json", "the body: invalid json body", None),
        (b"\xff\xfe{", "application/json", "the body: invalid json body", None),
        (b"[1, 2]", "application/json", "the body: invalid input type", None),  # JSON, but not an object
        (b"not json", "text/plain", "message: missing data for required field", "message"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400_naming_it(client, data, content_type, words, field):
    response = client.post("/api/auth/login", data=data, content_type=content_type)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json() == {"error": words, "field": field}
