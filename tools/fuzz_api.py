"""Fuzzes the dApp's API from its OpenAPI document with schemathesis: no request may get a 5xx.

    python tools/fuzz_api.py [--examples 10] [--schemathesis .venv-fuzz/bin/schemathesis] [--checks LIST]

Runs in the project's virtualenv; schemathesis runs in its own (.venv-fuzz, `make test-fuzz` makes it from
tools/fuzz-requirements.txt), because eth-brownie pins a hypothesis too old for any schemathesis.

1. the oracle's embedded services (PostgreSQL + anvil with the contracts) in a temporary home, as the tests do;
2. a community with a paid epoch: the oracle tests' hand-worked hour (tests/oracle/builders.py) with members
   whose keys this script holds;
3. the dApp served by waitress on a free port, and one signed-in session (cookie + CSRF token) per audience:
   a member, the Community Admin, the Oracle Admin, the Platform Admin, an auditor and nobody (not signed in);
4. schemathesis against /api/openapi.json once per audience, with the community's token, a member's wallet
   and the paid epoch's number offered for path parameters (so requests reach past the 404s), and random
   values otherwise. Checks: not_a_server_error (no 5xx) and response_schema_conformance (each answer matches
   the schema the document gives for its status). Exit 1 when any check fails, with the failing requests
   printed (schemathesis's curl line reproduces each; the server's traceback is printed above it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

CHECKS = "not_a_server_error,response_schema_conformance"  # no 5xx; every answer as documented
EXCLUDED = ("/api/auth/logout",)  # would end the session the run signs in with


@dataclass(frozen=True)
class Audience:
    name: str
    cookie: str | None  # "lec_session=..."
    csrf: str | None
    paths: str = ".*"  # regex of the operations worth its time (elsewhere it only meets 401/403)


# who is fuzzed where: every operation not signed in; each role on the routes it may use
PATHS = {
    "member": r"^/api/(auth|me|platform|communities)",
    "community_admin": r"^/api/communities/[^/]+/(members$|members/[^/]+/history|work-requests|activity)",
    "oracle_admin": r"^/api/oracle/",
    "platform_admin": r"^/api/platform-admin/",
    "auditor": r"^/api/communities/.*/takeout/",
}


@dataclass(frozen=True)
class Community:
    name: str
    token: str
    epoch: int
    members: dict  # name -> LocalAccount


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_services(home: Path):
    from oracle.config import load_settings
    from oracle.context import Context
    from oracle.lifecycle import up

    ctx = Context(load_settings(home, env={"LEC_ANVIL_PORT": str(free_port())}))
    up(ctx, quiet=True)
    return ctx


def paid_community(ctx, folder: Path) -> Community:
    """The oracle tests' hand-worked hour with fresh keys for anna, bruno and shop; epoch 1 paid."""
    from eth_account import Account

    from oracle.communities import create_community, get_community
    from oracle.epochs.runner import run_epoch
    from oracle.ingest.loader import ingest_file
    from oracle.members import import_members
    from oracle.model_registry import publish_model
    from tests.oracle.builders import ANNA, BRUNO, END, MEMBERS_CSV, READINGS_CSV, SHOP, START, devices_prefix, quiet

    name, members = "Fuzz LEC", {"anna": Account.create(), "bruno": Account.create(), "shop": Account.create()}
    prefix = devices_prefix(name)
    rows = MEMBERS_CSV.format(p=prefix)
    for fixed, who in ((ANNA, "anna"), (BRUNO, "bruno"), (SHOP, "shop")):
        rows = rows.replace(fixed, members[who].address)
    (folder / "members.csv").write_text(rows)
    (folder / "readings.csv").write_text(READINGS_CSV.format(p=prefix))
    create_community(
        ctx,
        name,
        welcome_citizen="100",
        welcome_stakeholder="500",
        fee_bps=100,
        endowment="10000",
        reward_ceiling="100000",
    )
    import_members(ctx, name, folder / "members.csv", log=quiet)
    ingest_file(ctx, name, folder / "readings.csv")
    publish_model(ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    return Community(name, get_community(ctx, name).token_address, epoch.number, members)


def sign_in(app, account) -> Audience:
    """Signs in through the app itself (the session cookie is the app's, whichever host serves it)."""
    from datetime import datetime

    from eth_account import Account
    from eth_account.messages import encode_defunct
    from siwe import SiweMessage

    client = app.test_client()
    nonce = client.get("/api/auth/nonce").get_json()["nonce"]
    message = SiweMessage(
        domain="localhost",
        address=account.address,
        statement="Sign in to the LEC platform.",
        uri="http://localhost/",
        version="1",
        chain_id=31337,
        nonce=nonce,
        issued_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    ).prepare_message()
    signed = Account.sign_message(encode_defunct(text=message), account.key)
    signature = "0x" + signed.signature.hex().removeprefix("0x")
    response = client.post("/api/auth/login", json={"message": message, "signature": signature})
    if response.status_code != 200:
        raise SystemExit(f"sign-in of {account.address} failed: {response.status_code} {response.get_json()}")
    csrf = client.get("/api/auth/csrf").get_json()["csrf_token"]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return Audience(account.address, f"{cookie.key}={cookie.value}", csrf)


def audiences(ctx, app, community: Community) -> list[Audience]:
    from eth_account import Account

    from dapp_backend.services.auditors import grant_auditor

    auditor = Account.create()
    grant_auditor(ctx, auditor.address, by=ctx.keyring.address("platform_admin"))
    people = [("member", community.members["anna"])]
    people += [(role, ctx.keyring.account(role)) for role in ("community_admin", "oracle_admin", "platform_admin")]
    people += [("auditor", auditor)]
    signed = []
    for who, account in people:
        session = sign_in(app, account)
        signed.append(Audience(who, session.cookie, session.csrf, PATHS[who]))
    return signed + [Audience("not signed in", None, None)]


def serve(app):
    """waitress on a free port in a thread; returns (server, base URL)."""
    import waitress.server

    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4, ident="lec-dapp-fuzz")
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def config_file(folder: Path, community: Community) -> Path:
    """Known values for path parameters, offered most of the time; random ones the rest (404s, 400s)."""
    wallets = ", ".join(f'"{a.address}"' for a in community.members.values())
    path = folder / "schemathesis.toml"
    path.write_text(f"""
[dictionaries.token]
values = ["{community.token}"]
[dictionaries.member]
values = [{wallets}]
[dictionaries.epoch]
values = [{community.epoch}]

[parameters]
"path.token" = {{ dictionary = "token", probability = 0.9 }}
"path.member" = {{ dictionary = "member", probability = 0.8 }}
"path.n" = {{ dictionary = "epoch", probability = 0.8 }}
""")
    return path


def fuzz(schemathesis: str, config: Path, base_url: str, audience: Audience, args) -> tuple[bool, str]:
    command = [
        schemathesis,
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/openapi.json",
        "--checks",
        args.checks,
        "--max-examples",
        str(args.examples),
        "--workers",
        "1",
        "--no-color",
        "--seed",
        str(args.seed),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--phases",
        args.phases if audience.cookie else "examples,fuzzing",  # unsigned: mostly 401s
        "--include-path-regex",
        audience.paths,
    ]
    command += [arg for excluded in EXCLUDED for arg in ("--exclude-path", excluded)]
    if audience.cookie:
        command += ["--header", f"Cookie: {audience.cookie}", "--header", f"X-CSRFToken: {audience.csrf}"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=config.parent)
    return done.returncode == 0, done.stdout + done.stderr


def summary(output: str) -> str:
    """schemathesis's closing lines (operations, test cases, failures)."""
    lines = [line for line in output.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "SUMMARY" in line), max(len(lines) - 12, 0))
    return "\n".join("   " + line for line in lines[start:])


def fuzz_everyone(args, config: Path, base_url: str, people: list[Audience]) -> list[str]:
    """One schemathesis run per audience, `--parallel` at a time (the member's, the longest, first); returns the
    audiences with a failing check."""
    from concurrent.futures import ThreadPoolExecutor

    def one(audience: Audience) -> tuple[Audience, bool, str, float]:
        began = time.monotonic()
        ok, output = fuzz(args.schemathesis, config, base_url, audience, args)
        return audience, ok, output, time.monotonic() - began

    failed = []
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        for audience, ok, output, seconds in pool.map(one, people):
            print(f"== {audience.name}: {'passed' if ok else 'FAILED'} in {seconds:.0f} s", flush=True)
            print(summary(output) if ok else output, flush=True)
            if not ok:
                failed.append(audience.name)
    return failed


def run(args) -> int:
    from dapp_backend.app import create_app
    from oracle.lifecycle import down

    home = Path(tempfile.mkdtemp(prefix="lec-fuzz-home-"))
    home.chmod(0o755)  # the embedded PostgreSQL may run as another user
    ctx, server, failed, people = None, None, [], []
    try:
        started = time.monotonic()
        ctx = start_services(home)
        community = paid_community(ctx, home)
        app = create_app(ctx.settings)
        people = audiences(ctx, app, community)
        server, base_url = serve(app)
        config = config_file(home, community)
        print(
            f"dApp on {base_url}; community {community.token} with epoch {community.epoch} paid "
            f"(set up in {time.monotonic() - started:.0f} s); checks: {args.checks}",
            flush=True,
        )
        failed = fuzz_everyone(args, config, base_url, people)
    finally:
        if server is not None:
            server.close()
        if ctx is not None:
            down(ctx)
        shutil.rmtree(home, ignore_errors=True)
    print(
        f"audiences with a failing check: {', '.join(failed)}"
        if failed
        else f"no failing check for any of {len(people)} audiences"
    )
    print(f"fuzz: {len(people) - len(failed)} passed, {len(failed)} failed")  # one run per audience
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10, help="test cases per operation and audience")
    parser.add_argument("--checks", default=CHECKS, help=f"schemathesis checks (default {CHECKS})")
    parser.add_argument(
        "--phases",
        default="examples,coverage,fuzzing",
        help="schemathesis phases (default examples,coverage,fuzzing; stateful adds ~10 s each)",
    )
    parser.add_argument("--parallel", type=int, default=2, help="schemathesis runs at a time (default 2)")
    parser.add_argument("--seed", type=int, default=8, help="schemathesis's random seed (reproducible runs)")
    parser.add_argument("--schemathesis", default=str(ROOT / ".venv-fuzz" / "bin" / "schemathesis"))
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
