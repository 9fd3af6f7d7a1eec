"""A node's HTTP surface: JSON-RPC POSTs and the GET /liveness, /readiness health endpoints (200 or 503 with
{"status": "UP"|"DOWN", "checks": {...}})."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

# Nodes are asked directly, never through an HTTP proxy of the environment (http_proxy, no_proxy).
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Unreachable(Exception):
    """Nothing answered at the URL (refused, timed out, not HTTP)."""


class RpcError(Exception):
    """The node answered the JSON-RPC call with an error."""


@dataclass(frozen=True)
class Health:
    status: str  # "UP" or "DOWN"
    checks: dict


def health(base_url: str, path: str, timeout: float) -> Health:
    try:
        with _opener.open(base_url.rstrip("/") + path, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:  # 503 carries the DOWN body
        if exc.code != 503:
            raise Unreachable(f"HTTP {exc.code} on {path}") from None
        body = exc.read()
    except (OSError, ValueError) as exc:
        raise Unreachable(_reason(exc)) from None
    try:
        data = json.loads(body)
        return Health(str(data["status"]), data.get("checks") or {})
    except (ValueError, KeyError, TypeError):
        raise Unreachable(f"{path} did not answer Besu's health JSON") from None


def call(url: str, method: str, params: list, timeout: float):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise Unreachable(f"HTTP {exc.code} on {method}") from None
    except (OSError, ValueError) as exc:
        raise Unreachable(_reason(exc)) from None
    if "error" in answer:
        error = answer["error"] or {}
        raise RpcError(f"{method}: {error.get('message', error)}")
    return answer.get("result")


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", exc)
    return str(reason) or type(exc).__name__
