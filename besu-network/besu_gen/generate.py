"""`network.sh generate`: writes a whole network directory from options, checking everything before writing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import accounts, layout
from .compose_env import env_file_text, node_ip
from .errors import NetworkError
from .extradata import CONSENSUS, CONSENSUS_NAMES
from .genesis import DEFAULT_BLOCK_PERIOD, SEED_CHAIN_ID, ChainSettings, build_genesis
from .keys import NodeKey, new_key, read_key_file, write_node_folder
from .permissions import permissions_toml, static_nodes_json

DEFAULT_VALIDATORS = 4


@dataclass(frozen=True)
class Options:
    consensus: str = "ibft2"
    validators: int | None = None  # None: 4, or as many as --keys-from gives when that is more
    block_period: int = DEFAULT_BLOCK_PERIOD
    chain_id: int = SEED_CHAIN_ID
    keys_from: Path | None = None


@dataclass(frozen=True)
class Node:
    name: str
    key: NodeKey
    ip: str
    key_text: str | None = None  # the operator's key file text, kept unchanged
    source: Path | None = None

    @property
    def enode_url(self) -> str:
        return self.key.enode_url(self.ip)


@dataclass
class Network:
    directory: Path
    settings: ChainSettings
    nodes: list[Node]
    accounts: dict[str, str] = field(default_factory=dict)


def check_options(options: Options) -> None:
    if options.consensus not in CONSENSUS:
        raise NetworkError(f"--consensus {options.consensus} is not one of {', '.join(CONSENSUS)}")
    if options.validators is not None and options.validators < 1:
        raise NetworkError(f"--validators {options.validators}: a network needs at least one validator")
    if options.block_period < 1:
        raise NetworkError(
            f"--block-period {options.block_period}: the block period is a whole number of seconds, at least 1"
        )
    if options.chain_id < 1:
        raise NetworkError(f"--chain-id {options.chain_id} must be a positive integer")


def given_keys(folder: Path) -> list[tuple[Path, NodeKey, str]]:
    """(key file, key, its text) for each sub-folder of `folder`, in name order; a duplicate key is refused."""
    if not folder.is_dir():
        raise NetworkError(f"--keys-from {folder}: no such directory")
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir())
    if not subfolders:
        raise NetworkError(f"--keys-from {folder} has no node folders (one folder per node, each holding `key`)")
    found, seen = [], {}
    for sub in subfolders:
        key_file = sub / "key"
        if not key_file.is_file():
            raise NetworkError(f"--keys-from: {sub} has no `key` file (one folder per node, each holding `key`)")
        key = read_key_file(key_file)
        if key.private in seen:
            raise NetworkError(
                f"{seen[key.private]} and {key_file} hold the same key (node address "
                f"{key.address_hex}): each node needs its own key"
            )
        seen[key.private] = key_file
        found.append((key_file, key, key_file.read_text()))
    return found


def plan_nodes(options: Options) -> list[Node]:
    given = given_keys(options.keys_from) if options.keys_from is not None else []
    count = options.validators if options.validators is not None else max(DEFAULT_VALIDATORS, len(given))
    if len(given) > count:
        raise NetworkError(
            f"--keys-from {options.keys_from} gives {len(given)} node keys but --validators is "
            f"{count}: give as many validators as keys, or more"
        )
    nodes = []
    for index, name in enumerate(layout.node_names(count), start=1):
        if index <= len(given):
            source, key, text = given[index - 1]
            nodes.append(Node(name, key, node_ip(index), key_text=text, source=source))
        else:
            nodes.append(Node(name, new_key(), node_ip(index)))
    return nodes


def check_output(out: Path) -> None:
    found = layout.existing_network(out)
    if found:
        raise NetworkError(
            f"{out} already holds a network ({found}): clear it first (network.sh clear), choose "
            "another --out, or keep its keys with --keys-from " + str(layout.nodes_dir(out))
        )


def generate(out: Path, options: Options, env: dict) -> Network:
    check_options(options)
    check_output(out)
    nodes = plan_nodes(options)
    keystores = layout.keystores_dir(out)
    accounts.check_can_write(keystores, env)  # before anything is written
    out.mkdir(parents=True, exist_ok=True)
    platform = accounts.ensure_platform_keystores(keystores, env)
    settings = ChainSettings(options.consensus, options.block_period, options.chain_id)
    write_network(out, settings, nodes, platform)
    return Network(out, settings, nodes, platform)


def write_network(out: Path, settings: ChainSettings, nodes: list[Node], platform: dict[str, str]) -> None:
    for node in nodes:
        write_node_folder(layout.nodes_dir(out) / node.name, node.key, node.key_text)
    enodes = [node.enode_url for node in nodes]
    genesis = build_genesis(settings, [node.key.address for node in nodes], list(platform.values()))
    (out / "genesis.json").write_text(json.dumps(genesis, indent=2) + "\n")
    (out / "permissions_config.toml").write_text(permissions_toml(enodes, list(platform.values())))
    (out / "static-nodes.json").write_text(static_nodes_json(enodes))
    (out / ".env").write_text(env_file_text(out, settings.consensus, len(nodes)))
    (out / "network.json").write_text(
        json.dumps(
            {
                "consensus": settings.consensus,
                "blockPeriod": settings.block_period,
                "chainId": settings.chain_id,
                "validators": len(nodes),
                "nodes": [{"name": n.name, "address": n.key.address_hex, "enode": n.enode_url} for n in nodes],
                "platformAccounts": platform,
            },
            indent=2,
        )
        + "\n"
    )


def describe(out: Path, options: Options) -> list[str]:
    """What generate would write (--dry-run); checks the options and the key files the same way."""
    check_options(options)
    check_output(out)
    nodes = plan_nodes(options)
    given = sum(1 for node in nodes if node.source is not None)
    name = CONSENSUS_NAMES[options.consensus]
    lines = [
        f"would write a {len(nodes)}-validator {name} network (chain {options.chain_id}, "
        f"{options.block_period} s blocks) into {out}:"
    ]
    for node in nodes:
        origin = f"key from {node.source}" if node.source else "new key"
        lines.append(f"  {layout.nodes_dir(out) / node.name}/  key key.pub address  ({origin})")
    lines += [f"  {out / name}" for name in layout.GENERATED_FILES]
    missing = accounts.missing_roles(layout.keystores_dir(out))
    if missing:
        lines.append(f"  {layout.keystores_dir(out)}/  new encrypted keystores: {', '.join(missing)}")
    if given:
        lines.append(f"({given} node keys given, {len(nodes) - given} generated)")
    return lines
