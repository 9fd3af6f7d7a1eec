"""`network.sh status` against stubs of Besu nodes on 127.0.0.1: nodes up, not ready and down."""

import re
from contextlib import ExitStack

from .conftest import docker_calls, free_port
from .stubs import BesuStub


def run_status(network_sh, network_dir, fake_docker, modes, daemon="down", **stub_args):
    """Serves one stub per node (modes: up / not_ready / down), runs status; returns (result, stubs)."""
    bin_dir, log = fake_docker
    ports = [free_port() for _ in modes]
    with ExitStack() as stack:
        stubs = [
            stack.enter_context(BesuStub.serving(port, mode, **args))
            for port, mode, args in zip(ports, modes, stub_args.get("per_node") or [{}] * len(modes))
        ]
        result = network_sh(
            "status",
            network_dir=network_dir,
            path_prefix=bin_dir,
            docker_log=log,
            FAKE_DOCKER_DAEMON=daemon,
            BESU_NODE_URLS=",".join(f"http://127.0.0.1:{p}" for p in ports),
        )
    return result, stubs, ports


def rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in output.splitlines() if re.match(r"node\d ", line)}


def test_status_shows_ready_not_ready_and_down_nodes(tmp_path, generate_network, network_sh, fake_docker):
    network = generate_network(tmp_path / "net")
    addresses = [n.key.address_hex for n in network.nodes]
    validators = [addresses[2], addresses[0], addresses[3], addresses[1]]  # Besu answers in its own order
    up = {"block": 152, "peers": 3, "validators": validators}
    behind = {"block": 17, "peers": 0, "validators": validators}
    result, stubs, ports = run_status(
        network_sh, tmp_path / "net", fake_docker, ["up", "up", "not_ready", "down"], per_node=[up, up, behind, {}]
    )
    out = result.stdout
    assert result.returncode == 1, result.stderr
    assert "(docker does not answer here: container states not shown; asking the nodes over HTTP)" in out
    assert "Besu network in " + str(tmp_path / "net") + ": IBFT 2.0, chain 1981, 4 nodes" in out
    table = rows(out)
    assert table["node1"][1:6] == [f"http://127.0.0.1:{ports[0]}", "UP", "UP", "3", "152"]
    assert table["node2"][2:6] == ["UP", "UP", "3", "152"]
    assert table["node3"][2:6] == ["UP", "DOWN", "0", "17"]
    assert table["node4"][2:6] == ["-", "-", "-", "-"] and "no answer" in " ".join(table["node4"])
    assert "latest block 152 (node1)" in out
    assert "validators at block 152 (ibft_getValidatorsByBlockNumber on node1): 4" in out
    for node, address in zip(("node3", "node1", "node4", "node2"), validators):
        assert f"  {address}  {node}" in out
    assert (
        "2 of 4 nodes not ready: node3 (0 peers of 1 required; 135 blocks behind (at most 2)), node4 (no answer" in out
    )
    assert stubs[0].paths == ["/liveness", "/readiness"]
    assert stubs[0].methods == ["net_peerCount", "eth_blockNumber", "ibft_getValidatorsByBlockNumber"]
    assert stubs[3] is None


def test_status_of_a_ready_qbft_network_asks_qbft_validators(tmp_path, generate_network, network_sh, fake_docker):
    network = generate_network(tmp_path / "net", consensus="qbft")
    validators = [n.key.address_hex for n in network.nodes]
    per_node = [{"block": 40 + i, "peers": 3, "validators": validators, "consensus_api": "qbft"} for i in range(4)]
    result, stubs, _ = run_status(network_sh, tmp_path / "net", fake_docker, ["up"] * 4, daemon="up", per_node=per_node)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ": QBFT, chain 1981, 4 nodes" in result.stdout
    assert "latest block 43 (node4)" in result.stdout  # the highest head among the nodes
    assert "validators at block 40 (qbft_getValidatorsByBlockNumber on node1): 4" in result.stdout
    assert result.stdout.rstrip().endswith("all 4 nodes ready")
    assert "ibft_getValidatorsByBlockNumber" not in stubs[0].methods
    # docker answers: the containers' view comes first
    assert any(
        call.endswith("ps --all") and call.startswith("compose --file ") for call in docker_calls(fake_docker[1])
    )


def test_status_when_no_node_answers(tmp_path, generate_network, network_sh, fake_docker):
    generate_network(tmp_path / "net")
    result, _, _ = run_status(network_sh, tmp_path / "net", fake_docker, ["down"] * 4)
    assert result.returncode == 1
    assert "no node answers: the network is not running here (start it with network.sh start)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_status_urls_follow_the_env_file_and_the_shells_overrides(tmp_path, generate_network):
    from besu_gen.status import node_urls

    generate_network(tmp_path / "net")
    assert node_urls(tmp_path / "net", {}) == [
        ("node1", "http://127.0.0.1:8545"),
        ("node2", "http://172.16.239.12:8545"),
        ("node3", "http://172.16.239.13:8545"),
        ("node4", "http://172.16.239.14:8545"),
    ]
    assert node_urls(tmp_path / "net", {"RPC_HTTP_PORT": "9645"})[0] == ("node1", "http://127.0.0.1:9645")


def test_status_without_a_network_says_so(tmp_path, network_sh):
    result = network_sh("status", network_dir=tmp_path / "none")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: there is no network in {tmp_path / 'none'}: start one with network.sh start"
    )
