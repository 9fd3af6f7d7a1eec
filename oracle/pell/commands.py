"""`oracle pell …`: the PELL-IP public-lighting commands (import, certify, verify, submitter, grant, revoke,
demo), added to the oracle's parser by `add_commands(sub)`."""

from __future__ import annotations

from pathlib import Path

from oracle.arguments import existing_file
from oracle.errors import OracleError


def cmd_import(ctx, args) -> None:
    from oracle.pell.importer import import_file

    print(import_file(ctx, Path(args.file), args.format, municipality=args.municipality).sentence())


def cmd_certify(ctx, args) -> None:
    from oracle.pell.certify import certify

    summary = certify(ctx, args.municipality, args.month)
    for item, cert_id in summary.certified:
        print(f"certified {item.label}: certification {cert_id}")
    print(summary.sentence())


def cmd_verify(ctx, args) -> None:
    from oracle.pell.verify import check_records

    checks = check_records(ctx, args.municipality, args.plant, args.month)
    for check in checks:
        print(check.detail)
    bad = [c for c in checks if c.state != "certified"]
    if bad:
        changed = sum(1 for c in bad if c.state == "changed")
        raise OracleError(
            f"{changed} of {len(checks)} records changed since their certification, "
            f"{len(bad) - changed} never certified"
        )
    print(f"OK: all {len(checks)} records are certified as they stand")


def cmd_submitter_create(ctx, args) -> None:
    from oracle.pell.keys import create_submitter

    done = create_submitter(ctx, args.municipality)
    print(
        f"submitter of {done.municipality_code}: {done.address} "
        f"({'new key' if done.created else 'existing key'}, "
        f"{'authorized now' if done.authorized else 'already authorized'} on LightingCertification)"
    )


def cmd_grant(ctx, args) -> None:
    from oracle.pell.viewers import grant

    print(
        grant(
            ctx,
            args.address,
            municipality_code=args.municipality,
            region=args.region,
            by=ctx.keyring.address("platform_admin"),
        )
    )


def cmd_revoke(ctx, args) -> None:
    from oracle.pell.viewers import revoke

    print(revoke(ctx, args.address, municipality_code=args.municipality, region=args.region))


def cmd_demo(ctx, args) -> None:
    from oracle.pell.demo import run_pell_demo

    run_pell_demo(ctx)


def _scope_options(parser) -> None:
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--municipality", metavar="CODE", help="ISTAT code: an account of that municipality")
    scope.add_argument("--region", metavar="NAME", help="a regional administrator (e.g. Liguria)")
    parser.add_argument("--address", required=True, metavar="0x…")


def add_commands(sub) -> None:
    pell = sub.add_parser("pell", help="PELL-IP public lighting: import, certify on-chain, verify").add_subparsers(
        dest="pell_command", required=True
    )
    imp = pell.add_parser("import", help="import municipalities, plants or consumption (whole file or nothing)")
    imp.add_argument("--format", required=True, choices=["csv", "urbandataset"])
    imp.add_argument("--municipality", metavar="CODE", help="UrbanDataset: the ISTAT code of lines without TownCode")
    imp.add_argument("file", type=existing_file)
    imp.set_defaults(func=cmd_import)
    certify = pell.add_parser("certify", help="certify new or changed static records and complete months")
    certify.add_argument("--municipality", metavar="CODE")
    certify.add_argument("--month", metavar="YYYY-MM")
    certify.set_defaults(func=cmd_certify)
    verify = pell.add_parser("verify", help="compare the database with the chain's certifications")
    verify.add_argument("--municipality", metavar="CODE", required=True)
    verify.add_argument("--plant", metavar="ID", help="a plant code: its static record only")
    verify.add_argument("--month", metavar="YYYY-MM", help="that month's consumption only")
    verify.set_defaults(func=cmd_verify)
    submitter = pell.add_parser("submitter", help="municipalities' submitter keys").add_subparsers(
        dest="submitter_command", required=True
    )
    create = submitter.add_parser("create", help="make (or reuse) the key and authorize it (Platform Admin)")
    create.add_argument("--municipality", metavar="CODE", required=True)
    create.set_defaults(func=cmd_submitter_create)
    grant = pell.add_parser("grant", help="let an account see reserved data of a municipality or region")
    _scope_options(grant)
    grant.set_defaults(func=cmd_grant)
    revoke = pell.add_parser("revoke", help="withdraw a grant")
    _scope_options(revoke)
    revoke.set_defaults(func=cmd_revoke)
    pell.add_parser("demo", help="eight municipalities of Liguria: generate, import, certify").set_defaults(
        func=cmd_demo
    )
