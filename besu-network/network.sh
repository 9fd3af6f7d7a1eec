#!/usr/bin/env bash
# The platform's Besu network: four validators in Docker, IBFT 2.0 (or QBFT). See besu-network/README.md.
#
#   network.sh start   [generation options]   start with the existing keys; generate them on the first start
#   network.sh stop                           remove the containers and the chain data; keep node keys and addresses
#   network.sh clear                          remove the containers and the chain data, and the keys with them
#   network.sh restart [generation options]   clear, then start again with newly generated keys
#   network.sh status                         nodes, peers, latest block, validators and each node's /readiness
#   network.sh generate --out DIR [generation options]   write a network directory, start nothing
#
#   generation options: --consensus ibft2|qbft  --validators N  --keys-from DIR  --block-period S  --chain-id ID
#   --dry-run, with any verb: print the docker commands it would run and change nothing
#
# Environment: BESU_NETWORK_DIR, the network directory (default ~/.lec-besu); LEC_KEYSTORE_PASSPHRASE, which
# encrypts the platform accounts' keystores written there on the first start; BESU_READY_TIMEOUT, seconds to wait
# for the nodes to become ready (default 180); RPC_HTTP_PORT, RPC_WS_PORT, RPC_BIND, DAPP_ORIGIN, ... override the
# values of DIR/.env, as docker compose does.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
compose_file="$here/docker-compose.yml"
network_dir="${BESU_NETWORK_DIR:-$HOME/.lec-besu}"
env_file="$network_dir/.env"
python="${LEC_PYTHON:-$root/.venv/bin/python}"
ready_timeout="${BESU_READY_TIMEOUT:-180}"
nodes=(node1 node2 node3 node4)  # the services of docker-compose.yml; containers are lec-besu-<node>

dry_run=0
out=""
gen_args=()

say() { printf '%s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

# Runs a command, or prints it (`+ command`) under --dry-run.
run() {
  if (( dry_run )); then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

compose() { run docker compose --file "$compose_file" --env-file "$env_file" "$@"; }

# The Python half (besu-network/besu_gen): generate, clear, settings, status.
gen() {
  [[ -x "$python" ]] || fail "the project's Python environment is missing ($python): run \`make setup\` in $root first (or set LEC_PYTHON)"
  PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$python" -m besu_gen "$@"
}

has_network() { [[ -f "$network_dir/genesis.json" ]]; }

# A value of the compose environment: the shell's, else DIR/.env's, else the default (docker compose's precedence).
env_value() {
  local name="$1" default="${2:-}" value=""
  if [[ -n "${!name:-}" ]]; then printf '%s' "${!name}"; return; fi
  [[ -f "$env_file" ]] && value="$(sed -n "s/^${name}=//p" "$env_file" | tail -n 1)"
  printf '%s' "${value:-$default}"
}

# ------------------------------------------------------------------ checks that end in a sentence

check_docker() {
  command -v docker >/dev/null 2>&1 ||
    fail "docker is not installed here (no docker command on the PATH): install Docker Engine with its" \
      "compose plugin, or run the network on a host that has them"
  docker info >/dev/null 2>&1 ||
    fail "docker is installed but its daemon does not answer (docker info failed): start it (e.g. sudo" \
      "systemctl start docker) and make sure this user may use it (the docker group)"
  docker compose version >/dev/null 2>&1 ||
    fail "docker has no compose plugin (docker compose): install Docker Compose v2" \
      "(the docker-compose-plugin package)"
}

docker_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

check_node_count() {
  local count
  count="$(grep -c '^NODE[0-9]*_IP=' "$env_file" || true)"
  (( count == ${#nodes[@]} )) ||
    fail "$network_dir has $count nodes but docker-compose.yml runs ${#nodes[@]}: start a ${#nodes[@]}-validator network (generate other sizes for your own compose file)"
}

check_port() {  # host port what variable
  if timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; then
    fail "port $2 on $1 ($3) is already taken by another program: stop it, or give this network another port, e.g. $4=$(( $2 + 1000 )) network.sh start"
  fi
}

check_ports() {
  local bind i
  bind="$(env_value RPC_BIND 127.0.0.1)"
  [[ "$bind" == "0.0.0.0" ]] && bind=127.0.0.1
  check_port "$bind" "$(env_value RPC_HTTP_PORT 8545)" "node1's JSON-RPC over HTTP" RPC_HTTP_PORT
  check_port "$bind" "$(env_value RPC_WS_PORT 8546)" "node1's JSON-RPC over WebSocket" RPC_WS_PORT
  for i in "${!nodes[@]}"; do
    check_port 127.0.0.1 "$(env_value "METRICS_PORT$((i + 1))" $((9545 + i)))" "${nodes[$i]}'s metrics" "METRICS_PORT$((i + 1))"
  done
}

node_state() {
  docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' \
    "lec-besu-$1" 2>/dev/null || echo missing
}

wait_until_ready() {
  local deadline=$((SECONDS + ready_timeout)) node state pending
  say "waiting for the nodes to become ready (at most ${ready_timeout} s)"
  while :; do
    pending=()
    for node in "${nodes[@]}"; do
      state="$(node_state "$node")"
      case "$state" in
        healthy) ;;
        exited|dead|missing)
          docker logs --tail 20 "lec-besu-$node" >&2 2>&1 || true
          fail "$node stopped right after it started (container lec-besu-$node is $state): its last log lines" \
            "are above; fix the cause (often the genesis or a key file), then run network.sh start again" ;;
        *) pending+=("$node ($state)") ;;
      esac
    done
    (( ${#pending[@]} == 0 )) && return 0
    if (( SECONDS >= deadline )); then
      fail "not ready within ${ready_timeout} s: ${pending[*]}. A node is ready when its /liveness and" \
        "/readiness answer 200 (readiness needs a peer and a chain in sync); read its log with" \
        "docker logs lec-besu-<node>, or wait longer with BESU_READY_TIMEOUT"
    fi
    sleep 2
  done
}

# ------------------------------------------------------------------ verbs

cmd_generate() {
  [[ -n "$out" ]] || fail "generate needs --out DIR"
  if (( dry_run )); then gen generate --out "$out" "${gen_args[@]}" --dry-run; else gen generate --out "$out" "${gen_args[@]}"; fi
}

generate_network() {  # the network directory of a new network (start on a first start, restart)
  if (( ! dry_run )); then
    gen generate --out "$network_dir" "${gen_args[@]}"
  elif has_network; then  # restart --dry-run: clear removed nothing
    say "# would generate new node keys, genesis.json, permissions_config.toml, static-nodes.json and .env in" \
      "$network_dir${gen_args[*]:+ with ${gen_args[*]}}"
  else
    gen generate --out "$network_dir" "${gen_args[@]}" --dry-run
  fi
}

cmd_start() {
  local regenerate="${1:-0}" running
  if (( ! regenerate && ${#gen_args[@]} )) && has_network; then
    fail "$network_dir already holds a network and start keeps it: generation options (${gen_args[*]}) apply to" \
      "a new one (network.sh restart ${gen_args[*]})"
  fi
  (( dry_run )) || check_docker  # before anything is written
  if (( regenerate )) || ! has_network; then
    generate_network
  fi
  if (( ! dry_run )); then
    check_node_count
    running="$(docker compose --file "$compose_file" --env-file "$env_file" ps --quiet --status running 2>/dev/null || true)"
    [[ -n "$running" ]] || check_ports  # our own running nodes hold the ports: up leaves them as they are
  fi
  compose up --detach || fail "docker compose could not start the nodes (its message is above); if it could not" \
    "pull $(sed -n 's/^ *image: *//p' "$compose_file" | head -n 1), this host cannot reach Docker Hub: docker load" \
    "the image from a file first"
  if (( dry_run )); then
    say "# then waits (at most ${ready_timeout} s) until docker inspect reports lec-besu-node1 … lec-besu-node4 healthy"
    return 0
  fi
  wait_until_ready
  say "the network is up: JSON-RPC at http://$(env_value RPC_BIND 127.0.0.1):$(env_value RPC_HTTP_PORT 8545)" \
    "(WebSocket port $(env_value RPC_WS_PORT 8546)); network.sh status shows nodes, peers, blocks and validators"
}

cmd_stop() {
  if ! has_network; then say "nothing to stop: there is no network in $network_dir"; return 0; fi
  (( dry_run )) || check_docker
  compose down --volumes --remove-orphans
  (( dry_run )) || say "stopped: containers and chain data removed; node keys and addresses kept in $network_dir/nodes"
}

cmd_clear() {
  if has_network; then
    (( dry_run )) || check_docker
    compose down --volumes --remove-orphans
  fi
  if (( dry_run )); then gen clear --dir "$network_dir" --dry-run; else gen clear --dir "$network_dir"; fi
}

cmd_restart() {
  if (( ${#gen_args[@]} == 0 )) && has_network; then  # the new keys get the network's settings
    read -r -a gen_args <<<"$(gen settings --dir "$network_dir")"
  fi
  cmd_clear
  cmd_start 1
}

cmd_status() {
  has_network || fail "there is no network in $network_dir: start one with network.sh start"
  if (( dry_run )); then
    compose ps --all
    gen status --dir "$network_dir" --dry-run
    return 0
  fi
  if docker_answers; then
    compose ps --all
  else
    say "(docker does not answer here: container states not shown; asking the nodes over HTTP)"
  fi
  gen status --dir "$network_dir"
}

# ------------------------------------------------------------------ arguments

verb="${1:-}"
(( $# )) && shift
while (( $# )); do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --out) (( $# >= 2 )) || fail "--out needs a directory"; out="$2"; shift ;;
    --out=*) out="${1#*=}" ;;
    --consensus|--validators|--keys-from|--block-period|--chain-id)
      (( $# >= 2 )) || fail "$1 needs a value"; gen_args+=("$1" "$2"); shift ;;
    --consensus=*|--validators=*|--keys-from=*|--block-period=*|--chain-id=*) gen_args+=("$1") ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown option $1 (network.sh --help lists the verbs and options)" ;;
  esac
  shift
done

case "$verb" in
  start|restart|generate) ;;
  stop|clear|status) (( ${#gen_args[@]} == 0 )) || fail "$verb takes no generation options (${gen_args[*]})" ;;
  -h|--help|help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
  *) fail "unknown verb $verb: use start, stop, clear, restart, status or generate" ;;
esac
[[ -z "$out" || "$verb" == generate ]] || fail "--out is for generate; the network of $verb is \$BESU_NETWORK_DIR ($network_dir)"
if [[ "$verb" == start || "$verb" == restart ]]; then
  # docker-compose.yml runs exactly these nodes: a network started here has as many validators
  validators=""
  for ((i = 0; i < ${#gen_args[@]}; i++)); do
    case "${gen_args[$i]}" in
      --validators) validators="${gen_args[$((i + 1))]}" ;;
      --validators=*) validators="${gen_args[$i]#*=}" ;;
    esac
  done
  if [[ -n "$validators" && "$validators" != "${#nodes[@]}" ]]; then
    fail "docker-compose.yml runs ${#nodes[@]} validators: $verb takes --validators ${#nodes[@]} only (network.sh generate writes other sizes)"
  fi
  [[ -n "$validators" || ${#gen_args[@]} -eq 0 ]] || gen_args+=(--validators "${#nodes[@]}")
fi

case "$verb" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  clear) cmd_clear ;;
  restart) cmd_restart ;;
  status) cmd_status ;;
  generate) cmd_generate ;;
esac
