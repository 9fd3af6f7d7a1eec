#!/bin/bash
# Entry of every Besu container of docker-compose.yml (mounted read-only at /config/node-entry.sh, run as root):
#   node-entry.sh [besu options]   puts the node's key and the permissions file into its data volume, then runs the
#                                  image's own besu-entry.sh, which gives /data to the besu user and starts Besu as it
#   node-entry.sh health           the container's healthcheck: GET /liveness and GET /readiness answer 200
# The copies are made as root so that host files may stay private (key 0600, owned by the operator): the besu user
# (uid 1000 in the image) reads only its own copies in /data. Besu writes allowlist changes (perm_* JSON-RPC) back to
# its permissions file, so each node needs its own writable copy.
set -euo pipefail

http_ok() {  # GET $1 on the node's JSON-RPC port (BESU_RPC_HTTP_PORT, 8545 in the image) answers 200 (the image has no curl: bash's /dev/tcp)
  local status_line
  exec 3<>"/dev/tcp/127.0.0.1/${BESU_RPC_HTTP_PORT:-8545}"
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  IFS= read -r status_line <&3 || true
  exec 3>&-
  [[ "$status_line" == *" 200 "* ]]
}

if [[ "${1:-}" == "health" ]]; then
  http_ok /liveness && http_ok /readiness
  exit
fi

install -m 0600 /config/node/key /data/key
# The first start of a chain takes the generated allowlists; the node then keeps its own copy (perm_* calls change
# it) until stop or clear removes the chain data with it.
if [[ ! -f /data/permissions_config.toml ]]; then
  install -m 0644 /config/permissions_config.toml /data/permissions_config.toml
fi
exec besu-entry.sh "$@"
