"""docker-compose.yml: it parses, every variable it uses is in the generated .env, every file it mounts exists after
`generate`, chain data lives in named volumes, only node1 publishes JSON-RPC ports; the image pin; node-entry.sh's
health check against a stub of Besu's health endpoints."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from besu_gen.compose_env import read_env_file

from .conftest import BESU_NETWORK, free_port
from .stubs import BesuStub

COMPOSE = BESU_NETWORK / "docker-compose.yml"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")


def interpolate(value, env: dict, used: set):
    """docker compose's ${VAR} interpolation over the parsed YAML; an undefined variable fails the test."""
    if isinstance(value, str):

        def one(match):
            used.add(match.group(1))
            assert match.group(1) in env, f"{match.group(1)} is used by docker-compose.yml but not in .env"
            return env[match.group(1)]

        return VARIABLE.sub(one, value)
    if isinstance(value, list):
        return [interpolate(v, env, used) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, env, used) for k, v in value.items()}
    return value


@pytest.fixture
def compose(tmp_path, generate_network):
    generate_network(tmp_path / "net")
    env = read_env_file(tmp_path / "net" / ".env")
    used = set()
    document = interpolate(yaml.safe_load(COMPOSE.read_text()), env, used)
    return document, env, used


def bind_sources(service: dict) -> list[str]:
    return [v.split(":")[0] for v in service["volumes"] if v.startswith(("/", "./"))]


def test_compose_parses_and_uses_only_variables_the_env_file_defines(compose):
    document, env, used = compose
    assert document["name"] == "lec-besu"
    assert sorted(document["services"]) == ["node1", "node2", "node3", "node4"]
    # every .env value is used by the compose file (no stale configuration), and every use is defined (above)
    assert used == set(env)


def test_every_file_it_mounts_exists_after_generate(compose):
    document, env, _ = compose
    for name, service in document["services"].items():
        sources = bind_sources(service)
        assert len(sources) == 5, name  # node-entry.sh, genesis, static nodes, permissions, the node's folder
        for source in sources:
            path = (BESU_NETWORK / source) if source.startswith("./") else Path(source)
            assert path.exists(), f"{name} mounts {source}, which generate did not write"
        assert f"{env['NETWORK_DIR']}/nodes/{name}:/config/node:ro" in service["volumes"]
        assert all(v.endswith(":ro") for v in service["volumes"] if v.startswith(("/", "./")))


def test_chain_data_is_in_named_volumes_never_over_the_install_folder(compose):
    document, _, _ = compose
    for name, service in document["services"].items():
        targets = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert targets["/data"] == f"{name}-data" and f"{name}-data" in document["volumes"]
        assert not any(t == "/opt/besu" or t.startswith("/opt/besu/") for t in targets)
        assert service["environment"]["BESU_DATA_PATH"] == "/data"


def test_only_node1_publishes_json_rpc_ports(compose):
    document, env, _ = compose
    published = {
        name: [p.rsplit(":", 1)[1] for p in service.get("ports", [])] for name, service in document["services"].items()
    }
    assert sorted(published["node1"]) == ["8545", "8546", "9545"]
    for name in ("node2", "node3", "node4"):
        assert published[name] == ["9545"]  # metrics only
    node1_ports = document["services"]["node1"]["ports"]
    assert f"{env['RPC_BIND']}:{env['RPC_HTTP_PORT']}:8545" in node1_ports
    assert f"{env['RPC_BIND']}:{env['RPC_WS_PORT']}:8546" in node1_ports
    assert all(
        p.startswith("127.0.0.1:") for s in document["services"].values() for p in s["ports"] if p.endswith(":9545")
    )
    command = document["services"]["node1"]["command"]
    assert "--rpc-ws-enabled" in command and f"--rpc-http-cors-origins={env['DAPP_ORIGIN']}" in command
    assert f"--host-allowlist={env['RPC_HOSTS']},{env['NODE1_IP']}" in command
    assert not any(
        "--rpc-ws-enabled" in c for name in ("node2", "node3", "node4") for c in document["services"][name]["command"]
    )


def test_every_node_runs_free_gas_permissioned_bft_with_health_checks(compose):
    document, env, _ = compose
    for index, (name, service) in enumerate(sorted(document["services"].items()), start=1):
        environment = service["environment"]
        assert environment["BESU_MIN_GAS_PRICE"] == "0"
        assert environment["BESU_GENESIS_FILE"] == "/config/genesis.json"
        assert environment["BESU_STATIC_NODES_FILE"] == "/config/static-nodes.json"
        assert environment["BESU_PERMISSIONS_NODES_CONFIG_FILE_ENABLED"] == "true"
        assert environment["BESU_PERMISSIONS_ACCOUNTS_CONFIG_FILE_ENABLED"] == "true"
        assert environment["BESU_METRICS_ENABLED"] == "true"
        assert environment["BESU_RPC_HTTP_API"].split(",")[-1] == "IBFT"
        assert {"PERM", "ADMIN", "ETH", "NET"} <= set(environment["BESU_RPC_HTTP_API"].split(","))
        assert service["healthcheck"]["test"] == ["CMD", "/bin/bash", "/config/node-entry.sh", "health"]
        assert service["container_name"] == f"lec-besu-{name}"
        assert f"--p2p-host={env[f'NODE{index}_IP']}" in service["command"]
        assert service["networks"]["besu"]["ipv4_address"] == env[f"NODE{index}_IP"]
    assert document["networks"]["besu"]["ipam"]["config"] == [{"subnet": env["SUBNET"]}]


def version(tag: str) -> tuple[int, ...]:
    return tuple(int(part) for part in tag.split("."))


def test_the_image_is_pinned_to_a_besu_with_cancun_zero_base_fee_on_bft():
    images = {s["image"] for s in yaml.safe_load(COMPOSE.read_text())["services"].values()}
    assert len(images) == 1
    repository, tag = images.pop().split(":")
    assert repository == "hyperledger/besu"
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), "a release number, never latest or develop"
    assert version(tag) >= (25, 11, 0)  # PR #9344: zero blob-fee market under zeroBaseFee (first in 25.11.0)


@pytest.mark.parametrize("mode,healthy", [("up", True), ("not_ready", False), ("down", False)])
def test_node_entry_health_check_probes_liveness_and_readiness(mode, healthy):
    port = free_port()
    with BesuStub.serving(port, mode) as stub:
        result = subprocess.run(
            ["bash", str(BESU_NETWORK / "node-entry.sh"), "health"],
            capture_output=True,
            text=True,
            timeout=20,
            env={"BESU_RPC_HTTP_PORT": str(port), "PATH": "/usr/bin:/bin"},
        )
        asked = list(stub.paths) if stub else []
    assert (result.returncode == 0) is healthy
    if mode == "up":
        assert asked == ["/liveness", "/readiness"]
    elif mode == "not_ready":
        assert asked == ["/liveness", "/readiness"]  # live, but readiness answers 503
