"""The environment of docker-compose.yml (DIR/.env, passed with --env-file), and reading it back.

Addresses: the compose network is SUBNET; node i has NODE<i>_IP = 172.16.239.(10+i), the host of its enode URL in
the static nodes and the nodes allowlist. Host ports are published by node 1 only (JSON-RPC HTTP and WebSocket on
RPC_BIND) plus each node's metrics on 127.0.0.1. Docker compose lets the shell's environment override any of these
values (RPC_HTTP_PORT=9545 network.sh start); network.sh reads them with the same precedence.
"""

from __future__ import annotations

from pathlib import Path

SUBNET = "172.16.239.0/24"
CONSENSUS_API = {"ibft2": "IBFT", "qbft": "QBFT"}
DEFAULTS = {
    "RPC_BIND": "127.0.0.1",
    "RPC_HTTP_PORT": "8545",
    "RPC_WS_PORT": "8546",
    "RPC_HOSTS": "localhost,127.0.0.1",
    "DAPP_ORIGIN": "http://localhost:5000",
}
METRICS_PORT_BASE = 9545  # node i publishes its metrics on 127.0.0.1:(9544 + i)


def node_ip(index: int) -> str:
    """1-based node index -> its address on the compose network."""
    return f"172.16.239.{10 + index}"


def env_file_text(network_dir: Path, consensus: str, node_count: int) -> str:
    lines = [
        "# Environment of besu-network/docker-compose.yml, written by network.sh generate.",
        "# The shell's environment overrides any value here (docker compose precedence).",
        f"NETWORK_DIR={network_dir.resolve()}",
        f"CONSENSUS_API={CONSENSUS_API[consensus]}",
        f"SUBNET={SUBNET}",
    ]
    lines += [f"NODE{i}_IP={node_ip(i)}" for i in range(1, node_count + 1)]
    lines += [f"{name}={value}" for name, value in DEFAULTS.items()]
    lines += [f"METRICS_PORT{i}={METRICS_PORT_BASE + i - 1}" for i in range(1, node_count + 1)]
    return "\n".join(lines) + "\n"


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values
