"""Offline generator of the platform's Besu network (IBFT 2.0 or QBFT): node keys, genesis, permissions,
static nodes and the environment of besu-network/docker-compose.yml — no besu binary needed.

Run as `python -m besu_gen` (besu-network/network.sh does, through the project's virtualenv)."""
