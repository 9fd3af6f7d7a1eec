"""Local permissioning file and static nodes.

`permissions_config.toml` holds `nodes-allowlist` (every node's enode URL: static nodes and bootnodes must be on it
or Besu does not start) and `accounts-allowlist` (who may send transactions). Arrays are written on one line, as
Besu itself rewrites the file when perm_* JSON-RPC methods change a list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

HEADER = """\
# Local permissioning of the LEC Besu network, written by besu-network/network.sh generate.
# Each node copies this file into its data volume on the first start of a chain; perm_* JSON-RPC calls then change
# that node's copy (all nodes must keep the same lists). Edit this file for the next chain (after stop or clear).
"""


def _toml_array(values: Sequence[str]) -> str:
    return "[" + ",".join(json.dumps(v) for v in values) + "]"


def permissions_toml(enode_urls: Sequence[str], accounts: Sequence[str]) -> str:
    """Accounts are written in lower case: Besu lower-cases the ones perm_addAccountsToAllowlist adds and checks,
    case-sensitively, that the file still holds its in-memory list before it rewrites the file."""
    accounts = [a.lower() for a in accounts]
    return HEADER + f"nodes-allowlist={_toml_array(enode_urls)}\n" + f"accounts-allowlist={_toml_array(accounts)}\n"


def static_nodes_json(enode_urls: Sequence[str]) -> str:
    """Every node reads the same list; Besu leaves its own enode out of it."""
    return json.dumps(list(enode_urls), indent=2) + "\n"
