"""`network.sh status`: each node's liveness, readiness, peers and head block, the latest block and the validators
(ibft_getValidatorsByBlockNumber or qbft_getValidatorsByBlockNumber), over each node's HTTP port.

Node 1 answers on the published RPC port (127.0.0.1:RPC_HTTP_PORT); the other nodes publish nothing and answer on
their address in the compose network (NODE<i>_IP:8545, reachable from a Linux host). BESU_NODE_URLS
(comma-separated, node 1 first) replaces those URLs, e.g. where containers are not reachable by address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import rpc
from .compose_env import CONSENSUS_API, DEFAULTS, read_env_file
from .errors import NetworkError
from .extradata import CONSENSUS_NAMES

CONTAINER_RPC_PORT = 8545


@dataclass
class NodeStatus:
    name: str
    url: str
    live: str | None = None  # "UP", "DOWN", None when nothing answered
    ready: str | None = None
    why_not_ready: str = ""
    peers: int | None = None
    block: int | None = None
    error: str = ""

    @property
    def answered(self) -> bool:
        return self.live is not None


def network_facts(network_dir: Path) -> tuple[str, int, list[str]]:
    """(consensus, chain id, node addresses from nodes/*/address) of a generated network."""
    genesis_file = network_dir / "genesis.json"
    if not genesis_file.exists():
        raise NetworkError(f"there is no network in {network_dir} (no genesis.json): start one with network.sh start")
    config = json.loads(genesis_file.read_text())["config"]
    consensus = "qbft" if "qbft" in config else "ibft2"
    settings = (
        json.loads((network_dir / "network.json").read_text())
        if (network_dir / "network.json").exists()
        else {"nodes": []}
    )
    return consensus, config["chainId"], [node["address"] for node in settings["nodes"]]


def node_urls(network_dir: Path, env: dict) -> list[tuple[str, str]]:
    values = read_env_file(network_dir / ".env")
    values.update({k: v for k, v in env.items() if k in values or k in DEFAULTS})  # compose precedence
    ips = sorted((int(k[4:-3]), v) for k, v in values.items() if k.startswith("NODE") and k.endswith("_IP"))
    override = [u.strip() for u in env.get("BESU_NODE_URLS", "").split(",") if u.strip()]
    urls = []
    for index, ip in ips:
        if index <= len(override):
            url = override[index - 1]
        elif index == 1:
            bind = values.get("RPC_BIND", DEFAULTS["RPC_BIND"])
            host = "127.0.0.1" if bind in ("0.0.0.0", "") else bind
            url = f"http://{host}:{values.get('RPC_HTTP_PORT', DEFAULTS['RPC_HTTP_PORT'])}"
        else:
            url = f"http://{ip}:{CONTAINER_RPC_PORT}"
        urls.append((f"node{index}", url))
    return urls


def probe(name: str, url: str, timeout: float) -> NodeStatus:
    status = NodeStatus(name, url)
    try:
        status.live = rpc.health(url, "/liveness", timeout).status
        readiness = rpc.health(url, "/readiness", timeout)
        status.ready = readiness.status
        status.why_not_ready = "" if readiness.status == "UP" else not_ready_reason(readiness.checks)
        status.peers = int(rpc.call(url, "net_peerCount", [], timeout), 16)
        status.block = int(rpc.call(url, "eth_blockNumber", [], timeout), 16)
    except rpc.Unreachable as exc:
        status.error = f"no answer ({exc})" if status.live is None else str(exc)
    except rpc.RpcError as exc:
        status.error = str(exc)
    return status


def not_ready_reason(checks: dict) -> str:
    reasons = []
    peers = checks.get("peers") or {}
    if peers.get("status") is False:
        reasons.append(f"{peers.get('currentPeers')} peers of {peers.get('requiredPeers')} required")
    sync = checks.get("sync") or {}
    if sync.get("status") is False:
        reasons.append(f"{sync.get('blocksBehind')} blocks behind (at most {sync.get('maxBlocksBehind')})")
    return "; ".join(reasons) or "readiness DOWN"


def validators_line(nodes: list[NodeStatus], consensus: str, known: list[str], timeout: float) -> list[str]:
    method = f"{CONSENSUS_API[consensus].lower()}_getValidatorsByBlockNumber"
    source = next((n for n in nodes if n.block is not None), None)
    if source is None:
        return [f"validators: unknown (no node answered {method})"]
    try:
        validators = rpc.call(source.url, method, ["latest"], timeout)
    except (rpc.Unreachable, rpc.RpcError) as exc:
        return [f"validators: {source.name} did not answer {method}: {exc}"]
    names = {address.lower(): f"node{i}" for i, address in enumerate(known, start=1)}
    lines = [f"validators at block {source.block} ({method} on {source.name}): {len(validators)}"]
    lines += [f"  {v}  {names.get(v.lower(), 'not a node of this directory')}" for v in validators]
    return lines


def table(nodes: list[NodeStatus]) -> list[str]:
    rows = [("node", "url", "live", "ready", "peers", "block", "")]
    for n in nodes:
        note = n.error or n.why_not_ready
        rows.append(
            (
                n.name,
                n.url,
                n.live or "-",
                n.ready or "-",
                "-" if n.peers is None else str(n.peers),
                "-" if n.block is None else str(n.block),
                note,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:6], widths)) + ("  " + row[6] if row[6] else "") for row in rows
    ]


def report(network_dir: Path, env: dict, timeout: float = 3.0) -> tuple[list[str], int]:
    """The status lines and the exit status: 0 when every node is ready, 1 otherwise."""
    consensus, chain_id, known = network_facts(network_dir)
    nodes = [probe(name, url, timeout) for name, url in node_urls(network_dir, env)]
    lines = [f"Besu network in {network_dir}: {CONSENSUS_NAMES[consensus]}, chain {chain_id}, {len(nodes)} nodes"]
    lines += table(nodes)
    if not any(n.answered for n in nodes):
        lines.append("no node answers: the network is not running here (start it with network.sh start)")
        return lines, 1
    head = max((n for n in nodes if n.block is not None), key=lambda n: n.block, default=None)
    if head is not None:
        lines.append(f"latest block {head.block} ({head.name})")
    lines += validators_line(nodes, consensus, known, timeout)
    not_ready = [n for n in nodes if n.ready != "UP"]
    if not_ready:
        lines.append(
            f"{len(not_ready)} of {len(nodes)} nodes not ready: "
            + ", ".join(f"{n.name} ({n.why_not_ready or n.error or 'not ready'})" for n in not_ready)
        )
        return lines, 1
    lines.append(f"all {len(nodes)} nodes ready")
    return lines, 0


def describe(network_dir: Path, env: dict) -> list[str]:
    consensus, _, _ = network_facts(network_dir)
    method = f"{CONSENSUS_API[consensus].lower()}_getValidatorsByBlockNumber"
    return [
        f"would ask {name} at {url}: GET /liveness, GET /readiness, net_peerCount, eth_blockNumber"
        for name, url in node_urls(network_dir, env)
    ] + [f"and {method}(latest) of the first node that answers"]
