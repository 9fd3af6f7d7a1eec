"""A small HTTP stand-in for a Besu node on 127.0.0.1: GET /liveness and /readiness (200 UP or 503 DOWN with Besu's
checks) and JSON-RPC (net_peerCount, eth_blockNumber, <ibft|qbft>_getValidatorsByBlockNumber). Modes: "up",
"not_ready" (live, 0 peers, behind) and "down" (nothing listens)."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BesuStub:
    def __init__(self, mode: str, block: int, peers: int, validators: list[str], consensus_api: str):
        self.mode, self.block, self.peers = mode, block, peers
        self.validators, self.consensus_api = validators, consensus_api
        self.paths: list[str] = []
        self.methods: list[str] = []

    def health(self, path: str) -> tuple[int, dict]:
        if path == "/liveness" or self.mode == "up":
            return 200, {"status": "UP"}
        # Besu 26.8.0 ReadinessCheck: a node with no peer (1 required) and blocks to catch up
        return 503, {
            "status": "DOWN",
            "checks": {
                "peers": {"status": False, "currentPeers": 0, "requiredPeers": 1},
                "sync": {"status": False, "blocksBehind": 135, "maxBlocksBehind": 2},
            },
        }

    def rpc(self, method: str, params: list):
        if method == "net_peerCount":
            return hex(self.peers)
        if method == "eth_blockNumber":
            return hex(self.block)
        if method == f"{self.consensus_api}_getValidatorsByBlockNumber" and params == ["latest"]:
            return self.validators
        raise LookupError(method)

    @classmethod
    @contextmanager
    def serving(
        cls, port: int, mode: str, block: int = 0x98, peers: int = 3, validators=(), consensus_api: str = "ibft"
    ):
        """Yields the running stub (None in mode "down": nothing listens on `port`)."""
        if mode == "down":
            yield None
            return
        stub = cls(mode, block, peers, list(validators), consensus_api)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                stub.paths.append(self.path)
                if self.path not in ("/liveness", "/readiness"):
                    return self.answer(404, {"message": "not found"})
                self.answer(*stub.health(self.path))

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.methods.append(request["method"])
                try:
                    body = {
                        "jsonrpc": "2.0",
                        "id": request["id"],
                        "result": stub.rpc(request["method"], request["params"]),
                    }
                except LookupError:
                    body = {
                        "jsonrpc": "2.0",
                        "id": request["id"],
                        "error": {"code": -32601, "message": "Method not found"},
                    }
                self.answer(200, body)

            def answer(self, code: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield stub
        finally:
            server.shutdown()
            server.server_close()
