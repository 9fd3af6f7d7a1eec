"""python -m besu_gen generate | clear | settings | status — the Python half of besu-network/network.sh.

A mistake the operator can fix prints `error: <sentence>` and exits 2; status exits 1 when a node is not ready."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import layout, status
from .errors import NetworkError
from .extradata import CONSENSUS_NAMES
from .genesis import DEFAULT_BLOCK_PERIOD, SEED_CHAIN_ID


def positive_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def add_generation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--consensus", default="ibft2", help="ibft2 (default) or qbft")
    parser.add_argument(
        "--validators",
        type=positive_int,
        default=None,
        help="number of validators (default 4, or as many as --keys-from gives)",
    )
    parser.add_argument(
        "--keys-from",
        type=Path,
        default=None,
        help="a directory with one folder per node holding `key`, used in name order",
    )
    parser.add_argument(
        "--block-period",
        type=positive_int,
        default=DEFAULT_BLOCK_PERIOD,
        help="blockperiodseconds (default 2; the seed used 10)",
    )
    parser.add_argument("--chain-id", type=positive_int, default=SEED_CHAIN_ID, help="default 1981")


def options_of(args):
    from . import generate as gen  # eth-account and the keystores: only when generating

    return gen.Options(args.consensus, args.validators, args.block_period, args.chain_id, args.keys_from)


def cmd_generate(args) -> int:
    from . import generate as gen

    options = options_of(args)
    if args.dry_run:
        print("\n".join(gen.describe(args.out, options)))
        return 0
    network = gen.generate(args.out, options, dict(os.environ))
    print(
        f"wrote a {len(network.nodes)}-validator {CONSENSUS_NAMES[network.settings.consensus]} network (chain "
        f"{network.settings.chain_id}, {network.settings.block_period} s blocks) into {args.out}"
    )
    for node in network.nodes:
        print(
            f"  {node.name}  {node.key.address_hex}  {node.enode_url}"
            + (f"  (key from {node.source})" if node.source else "")
        )
    print(f"  platform accounts (encrypted keystores in {layout.keystores_dir(args.out)}):")
    for role, address in network.accounts.items():
        print(f"    {role:<16} {address}")
    return 0


def cmd_clear(args) -> int:
    removed = layout.remove_generated(args.dir, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for path in removed:
        print(f"{verb} {path}")
    if not removed:
        print(f"nothing to remove in {args.dir}")
    if layout.keystores_dir(args.dir).exists():
        print(f"kept the platform keystores in {layout.keystores_dir(args.dir)}")
    return 0


def cmd_settings(args) -> int:
    """The generation options of an existing network, as arguments (restart keeps them)."""
    settings = layout.read_settings(args.dir)
    if settings:
        print(
            f"--consensus {settings['consensus']} --block-period {settings['blockPeriod']} "
            f"--chain-id {settings['chainId']} --validators {settings['validators']}"
        )
    return 0


def cmd_status(args) -> int:
    env = dict(os.environ)
    if args.dry_run:
        print("\n".join(status.describe(args.dir, env)))
        return 0
    lines, code = status.report(args.dir, env, timeout=args.timeout)
    print("\n".join(lines))
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="network.sh", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    generate = sub.add_parser("generate", help="write a network directory (keys, genesis, permissions, ...)")
    generate.add_argument("--out", type=Path, required=True)
    add_generation_options(generate)
    generate.add_argument("--dry-run", action="store_true")
    generate.set_defaults(func=cmd_generate)
    clear = sub.add_parser("clear", help="remove the generated files and node keys (keystores stay)")
    clear.add_argument("--dir", type=Path, required=True)
    clear.add_argument("--dry-run", action="store_true")
    clear.set_defaults(func=cmd_clear)
    settings = sub.add_parser("settings", help="print the generation options of a network directory")
    settings.add_argument("--dir", type=Path, required=True)
    settings.set_defaults(func=cmd_settings)
    state = sub.add_parser("status", help="nodes, peers, latest block, validators, readiness")
    state.add_argument("--dir", type=Path, required=True)
    state.add_argument("--timeout", type=float, default=3.0, help="seconds per HTTP request")
    state.add_argument("--dry-run", action="store_true")
    state.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except NetworkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
