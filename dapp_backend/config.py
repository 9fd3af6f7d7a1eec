"""The Flask configuration of the dApp, from the oracle's settings (one configuration for both).

Environment read here beside the oracle's: LEC_SESSION_SECRET (required in a configured setup; the
embedded one generates home/secrets/session-secret, mode 0600), LEC_PROXY_HOPS (how many reverse proxies
in front of the server set X-Forwarded-For/-Proto/-Host; 0 by default), LEC_RATELIMIT_STORAGE (where
sign-in attempts are counted; memory:// by default, which counts per server process), LEC_TRUSTED_HOSTS (the
host names the dApp is served under, comma-separated, e.g. dapp.example.org: any other Host or X-Forwarded-Host
is a 400, so a sign-in message a phishing site had signed for its own domain cannot be replayed here with that
domain in the Host header; a configured setup signs nobody in without it, the embedded one answers any host).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from oracle.config import Settings
from oracle.errors import ConfigError


def session_secret(settings: Settings, env: dict) -> str:
    if env.get("LEC_SESSION_SECRET"):
        return env["LEC_SESSION_SECRET"]
    if settings.production:
        raise ConfigError(
            "LEC_SESSION_SECRET is not set: a configured setup needs the session secret from its "
            "environment (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return _read_or_create(settings.secrets_dir / "session-secret")


def _read_or_create(path: Path) -> str:
    """As oracle.secrets does for the embedded setup's secrets: created once, 0600, in a 0700 folder."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server process wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


def _int(env: dict, name: str, default: int) -> int:
    try:
        return int(env.get(name) or default)
    except ValueError:
        raise ConfigError(f"{name}={env[name]!r} is not an integer") from None


def trusted_hosts(env: dict) -> list[str] | None:
    names = [name.strip() for name in (env.get("LEC_TRUSTED_HOSTS") or "").split(",") if name.strip()]
    return names or None


def flask_config(settings: Settings, *, testing: bool, env: dict | None = None) -> dict:
    env = dict(os.environ if env is None else env)
    development = not settings.production
    return {
        "TESTING": testing,
        "SECRET_KEY": session_secret(settings, env),
        "SESSION_COOKIE_NAME": "lec_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # the embedded setup is served over plain http on 127.0.0.1; a configured one behind HTTPS
        "SESSION_COOKIE_SECURE": not (development or testing),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "PROXY_HOPS": _int(env, "LEC_PROXY_HOPS", 0),
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # a request body is read whole: 413 above 1 MiB, unread
        "TRUSTED_HOSTS": trusted_hosts(env),  # Flask refuses any other host (400) before a view runs
        # CSRF: X-CSRFToken header, token valid as long as the session
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "WTF_CSRF_TIME_LIMIT": None,
        # sign-in attempts (Flask-Limiter); memory:// counts per process: see the README for production
        "RATELIMIT_STORAGE_URI": env.get("LEC_RATELIMIT_STORAGE") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIGNIN_LIMIT_PER_ADDRESS": "10 per minute",
        "SIGNIN_LIMIT_PER_IP": "30 per minute",
        "NONCE_LIMIT_PER_IP": "60 per minute",
        "ERASURE_REQUEST_LIMIT": "5 per hour",  # a member's requests to be forgotten, per signed-in address
        # flask-smorest: the OpenAPI document at GET /api/openapi.json
        "API_TITLE": "LEC platform dApp",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
