#!/usr/bin/env bash
# Registers the project's brownie networks in ~/.brownie (idempotent). Brownie's project config can
# only tune existing networks, so the entries themselves are made here:
#   lec-test   anvil on 127.0.0.1:8547, started by `brownie test` (tests)
#   lec-dev    anvil on 127.0.0.1:8546, started by `brownie run` (the demo, the gas report)
#   besu-local the 4-node IBFT 2.0 Besu network of besu-network/ (node 1's JSON-RPC), chain id 1981:
#              http://127.0.0.1:8545, or BESU_RPC_URL when set (another host, another RPC_HTTP_PORT)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
brownie="$root/.venv/bin/brownie"
cd "$root"
existing="$("$brownie" networks list 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g')"

add_or_modify() {
  local id="$1"; shift
  if grep -qE "(^|[[:space:]])$id([[:space:]]|$)" <<<"$existing"; then
    "$brownie" networks modify "$id" "${@:2}" >/dev/null
  else
    "$brownie" networks add "$1" "$id" "${@:2}" >/dev/null
  fi
}

add_or_modify lec-test Development cmd=anvil host=http://127.0.0.1 port=8547 accounts=10 base_fee=0 gas_limit=30000000 chain_id=31337
add_or_modify lec-dev Development cmd=anvil host=http://127.0.0.1 port=8546 accounts=10 base_fee=0 gas_limit=30000000 chain_id=31337
besu_rpc_url="${BESU_RPC_URL:-http://127.0.0.1:8545}"
add_or_modify besu-local Besu host="$besu_rpc_url" chainid=1981
echo "brownie networks: lec-test (anvil :8547), lec-dev (anvil :8546), besu-local ($besu_rpc_url, chain 1981)"
