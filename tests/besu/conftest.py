"""Fixtures of the Besu network tests: the generator imported from besu-network/, network.sh run as a subprocess
(with a fake `docker` where a test needs one), small HTTP stubs of Besu nodes."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BESU_NETWORK = ROOT / "besu-network"
NETWORK_SH = BESU_NETWORK / "network.sh"
sys.path.insert(0, str(BESU_NETWORK))

PASSPHRASE = "test passphrase"
# Cheap keystores for tests (the generator's default scrypt cost takes ~1 s per keystore).
KEY_ENV = {"LEC_KEYSTORE_PASSPHRASE": PASSPHRASE, "LEC_KEYSTORE_SCRYPT_N": "1024"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def key_env() -> dict:
    return dict(KEY_ENV)


@pytest.fixture
def generate_network(key_env):
    """generate_network(dir, **options) -> Network, through the generator's Python API."""
    from besu_gen.generate import Options, generate

    def make(out: Path, **options):
        return generate(out, Options(**options), key_env)

    return make


def tree_snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` with its content (to show that nothing changed)."""
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def node_keys(directory: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in sorted((directory / "nodes").glob("*/key"))}


# ------------------------------------------------------------------ network.sh and a fake docker

FAKE_DOCKER = r"""#!/bin/bash
# A stand-in for docker: logs every call to $FAKE_DOCKER_LOG; behaviour from FAKE_DOCKER_* variables.
printf '%s\n' "$*" >> "$FAKE_DOCKER_LOG"
case "$1" in
  info) [[ "${FAKE_DOCKER_DAEMON:-up}" == up ]] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; } ;;
  compose)
    if [[ "$2" == version ]]; then [[ "${FAKE_DOCKER_COMPOSE:-yes}" == yes ]] || { echo "docker: unknown command: docker compose" >&2; exit 1; }; fi
    if [[ " $* " == *" up "* && -n "${FAKE_DOCKER_UP_FAILS:-}" ]]; then echo "pull access denied" >&2; exit 1; fi ;;
  inspect) echo "${FAKE_DOCKER_HEALTH:-healthy}" ;;
  logs) echo "besu: Failed to start Besu: (fake log line)" ;;
esac
exit 0
"""


@pytest.fixture
def fake_docker(tmp_path):
    """A directory holding a fake `docker` (put it first on PATH) and the log of its calls."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "docker-calls.log"
    log.write_text("")
    return bin_dir, log


def docker_calls(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line]


@pytest.fixture
def network_sh(tmp_path, key_env):
    """network_sh(*args, network_dir=..., path_prefix=None, **env) -> CompletedProcess of besu-network/network.sh."""

    def run(
        *args,
        network_dir: Path,
        path_prefix: Path | None = None,
        docker_log: Path | None = None,
        path: str | None = None,
        **env,
    ):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BESU_", "RPC_", "FAKE_DOCKER"))}
        full_env.update(key_env)
        full_env["BESU_NETWORK_DIR"] = str(network_dir)
        full_env["HOME"] = str(tmp_path)
        if path is not None:
            full_env["PATH"] = path
        if path_prefix is not None:
            full_env["PATH"] = f"{path_prefix}:{full_env['PATH']}"
        if docker_log is not None:
            full_env["FAKE_DOCKER_LOG"] = str(docker_log)
        full_env.update({k: str(v) for k, v in env.items()})
        return subprocess.run([str(NETWORK_SH), *args], env=full_env, capture_output=True, text=True, timeout=120)

    return run


def read_json(path: Path):
    return json.loads(path.read_text())
