"""The real network, where Docker runs and the pinned Besu image is present: start, status, blocks, validators,
free gas for an allowlisted account and refusal for another, stop. Skipped elsewhere, saying what is missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request

import pytest
import yaml
from eth_account import Account

from .conftest import BESU_NETWORK, PASSPHRASE, free_port, read_json


def pinned_image() -> str:
    services = yaml.safe_load((BESU_NETWORK / "docker-compose.yml").read_text())["services"]
    return services["node1"]["image"]


def missing_for_a_live_network() -> str | None:
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    if subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        return "the docker daemon does not answer (docker info failed)"
    if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode != 0:
        return "docker has no compose plugin"
    if subprocess.run(["docker", "image", "inspect", pinned_image()], capture_output=True, timeout=30).returncode:
        return f"the image {pinned_image()} is not present (no registry is reachable from here to pull it)"
    return None


MISSING = missing_for_a_live_network()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"live Besu network not run: {MISSING}")


def rpc(url: str, method: str, params: list):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer["result"]


def test_live_network_starts_makes_blocks_and_stops(tmp_path, network_sh):
    net = tmp_path / "net"
    ports = {
        "RPC_HTTP_PORT": free_port(),
        "RPC_WS_PORT": free_port(),
        **{f"METRICS_PORT{i}": free_port() for i in range(1, 5)},
    }
    url = f"http://127.0.0.1:{ports['RPC_HTTP_PORT']}"
    try:
        started = network_sh("start", network_dir=net, BESU_READY_TIMEOUT=300, **ports)
        assert started.returncode == 0, started.stdout + started.stderr
        status = network_sh("status", network_dir=net, **ports)
        assert status.returncode == 0 and "all 4 nodes ready" in status.stdout, status.stdout + status.stderr

        assert int(rpc(url, "eth_chainId", []), 16) == 1981
        nodes = read_json(net / "network.json")["nodes"]
        validators = rpc(url, "ibft_getValidatorsByBlockNumber", ["latest"])
        assert sorted(v.lower() for v in validators) == sorted(n["address"] for n in nodes)
        first = int(rpc(url, "eth_blockNumber", []), 16)
        time.sleep(6)  # 2 s blocks
        assert int(rpc(url, "eth_blockNumber", []), 16) >= first + 2

        admin = Account.from_key(Account.decrypt(read_json(net / "keystores" / "platform_admin.json"), PASSPHRASE))
        stranger = Account.create()
        for sender, allowed in ((admin, True), (stranger, False)):
            tx = {
                "to": admin.address,
                "value": 0,
                "gas": 21_000,
                "maxFeePerGas": 0,
                "maxPriorityFeePerGas": 0,
                "nonce": int(rpc(url, "eth_getTransactionCount", [sender.address, "pending"]), 16),
                "chainId": 1981,
                "type": 2,
            }
            raw = "0x" + sender.sign_transaction(tx).raw_transaction.hex().removeprefix("0x")
            if allowed:
                tx_hash = rpc(url, "eth_sendRawTransaction", [raw])
                for _ in range(30):
                    receipt = rpc(url, "eth_getTransactionReceipt", [tx_hash])
                    if receipt:
                        break
                    time.sleep(1)
                assert receipt and int(receipt["status"], 16) == 1 and int(receipt["effectiveGasPrice"], 16) == 0
            else:
                with pytest.raises(RuntimeError, match="(?i)allowlist|not authorized|permission"):
                    rpc(url, "eth_sendRawTransaction", [raw])
    finally:
        keys_before = {p.name: (p / "key").read_text() for p in (net / "nodes").iterdir()} if net.exists() else {}
        stopped = network_sh("stop", network_dir=net, **ports)
    assert stopped.returncode == 0, stopped.stderr
    assert {p.name: (p / "key").read_text() for p in (net / "nodes").iterdir()} == keys_before
