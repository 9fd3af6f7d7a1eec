#!/usr/bin/env bash
# Registers the project's brownie networks in ~/.brownie (idempotent). Brownie's project config can
# only tune existing networks, so the entries themselves are made here:
#   lec-test   anvil on 127.0.0.1:8547, started by `brownie test` (tests)
#   lec-dev    anvil on 127.0.0.1:8546, started by `brownie run` (the demo, the gas report)
#   besu-local the 4-node IBFT 2.0 Besu network, http://127.0.0.1:8545, chain id 1981
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
add_or_modify besu-local Besu host=http://127.0.0.1:8545 chainid=1981
echo "brownie networks: lec-test (anvil :8547), lec-dev (anvil :8546), besu-local (:8545, chain 1981)"
