"""What a network directory holds, and removing what `generate` wrote (network.sh clear).

DIR/genesis.json  DIR/permissions_config.toml  DIR/static-nodes.json  DIR/.env  DIR/network.json
DIR/nodes/<node>/{key,key.pub,address}        node keys (0600 key)
DIR/keystores/<role>.json                     platform accounts, encrypted — kept by clear
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

GENERATED_FILES = ("genesis.json", "permissions_config.toml", "static-nodes.json", ".env", "network.json")


def nodes_dir(network_dir: Path) -> Path:
    return network_dir / "nodes"


def keystores_dir(network_dir: Path) -> Path:
    return network_dir / "keystores"


def node_names(count: int) -> list[str]:
    return [f"node{i}" for i in range(1, count + 1)]


def existing_network(network_dir: Path) -> str | None:
    """What shows that `network_dir` already holds a network (None when it holds none)."""
    for name in GENERATED_FILES:
        if (network_dir / name).exists():
            return str(network_dir / name)
    keys = sorted(nodes_dir(network_dir).glob("*/key"))
    return str(keys[0]) if keys else None


def generated_paths(network_dir: Path) -> list[Path]:
    paths = [network_dir / name for name in GENERATED_FILES if (network_dir / name).exists()]
    if nodes_dir(network_dir).exists():
        paths.append(nodes_dir(network_dir))
    return paths


def remove_generated(network_dir: Path, dry_run: bool = False) -> list[Path]:
    """Removes the generated files and the node keys (not the platform keystores); returns what was (or would be)
    removed."""
    paths = generated_paths(network_dir)
    if not dry_run:
        for path in paths:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return paths


def read_settings(network_dir: Path) -> dict:
    path = network_dir / "network.json"
    return json.loads(path.read_text()) if path.exists() else {}
