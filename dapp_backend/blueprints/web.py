"""The static frontend (dapp_frontend/): pages, scripts, styles and the vendored libraries, served by Flask.

Every answer carries a strict Content-Security-Policy: scripts only from this server (no inline script, no
eval), connections to this server and to the platform's public RPC URL (the one /api/platform hands wallets:
a wallet injected into the page, as the browser tests' is, reads the chain from the page itself).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, send_from_directory

from dapp_backend.context import lec
from dapp_backend.services.platform import public_rpc_url

FRONTEND = Path(__file__).resolve().parents[2] / "dapp_frontend"
PAGE_NAME = re.compile(r"[a-z][a-z0-9-]*")
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'{rpc}",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
MIME_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
}

blp = Blueprint("web", __name__)


def _send(folder: Path, path: str):
    """send_from_directory refuses paths leaving `folder` (404); the MIME type is set from the suffix so
    module scripts load whatever the system's mimetypes table says."""
    response = send_from_directory(folder, path)
    mime = MIME_TYPES.get(Path(path).suffix)
    if mime:
        response.headers["Content-Type"] = mime
    return response


def content_security_policy(rpc_url: str | None) -> str:
    parts = urlsplit(rpc_url or "")
    rpc = f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""
    return "; ".join(POLICY).format(rpc=rpc)


@blp.after_app_request
def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", content_security_policy(public_rpc_url(lec())))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@blp.route("/")
def index():
    return _send(FRONTEND, "index.html")


@blp.route("/<page>.html")
def page(page: str):
    if not PAGE_NAME.fullmatch(page):
        abort(404)
    return _send(FRONTEND, f"{page}.html")


@blp.route("/js/<path:path>")
def scripts(path: str):
    return _send(FRONTEND / "js", path)


@blp.route("/css/<path:path>")
def styles(path: str):
    return _send(FRONTEND / "css", path)


@blp.route("/vendor/<path:path>")
def vendor(path: str):
    return _send(FRONTEND / "vendor", path)
