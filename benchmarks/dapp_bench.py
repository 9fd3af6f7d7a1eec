"""Benchmark of the member dashboard API (not a test): a community of 10,000 members with a year of monthly
epochs, signed-in members asking from 50 concurrent clients; prints p50/p95 per route (target p95 <= 100 ms).

    python benchmarks/dapp_bench.py [--members 10000] [--epochs 12] [--clients 50] [--requests 500]
                                    [--signed-in 10] [--threads 8] [--workers 1] [--think-ms 1000]
                                    [--profile]

1. the oracle's embedded services in a temporary home (as the tests do) and one community with its token;
2. `--signed-in` members with keys added through the oracle's member import (on-chain members, so they read
   the community's epochs); the other members, 12 monthly epochs (status done, a real reward tree of every
   member as tree_dump) and 10,000 epoch_members each written straight into PostgreSQL with COPY, rows as
   oracle/db/schema.py and the epoch runner write them (members' devices and readings are left out: these
   routes do not read them). The epochs are not committed on-chain: the routes still ask the chain for the
   epoch count, and for nothing about those epochs (a committed year adds getEpoch/paidCount/isPaid calls to
   the same batches);
3. `dapp serve` (waitress, --threads, --workers processes) in its own process; each signed-in member signs in
   over HTTP (SIWE);
4. `--clients` threads share the members' sessions and send `--requests` requests to each route; a table of
   route, requests, throughput (req/s), p50, p95, max (ms) and errors. Two rows per route: clients back to back
   (closed loop: measures throughput, p50 ~ clients / req/s) and, with `--think-ms` (default 1000; 0 skips it),
   clients pausing 0.5-1.5 x think ms between requests as people reading a page do. A route the OpenAPI
   document lacks is printed "missing".

Chain reads per request: every route signed in asks for the caller's standing (one batch: platform roles,
and membership, balance and roles in each community); /epochs adds the notary's epoch count (+ getEpoch and
paidCount of committed epochs); /rewards adds the epoch count, the membership bit and the chain's time.
--profile runs one request of each route under cProfile in-process and prints where the time goes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

COMMUNITY = "Bench LEC"
ROUTES = {  # label -> (OpenAPI path, URL template)
    "GET /api/me": ("/api/me", "/api/me"),
    "GET /api/communities/<token>/epochs": ("/api/communities/{token}/epochs", "/api/communities/{token}/epochs"),
    "GET /api/communities/<token>/members/<member>/rewards": (
        "/api/communities/{token}/members/{member}/rewards",
        "/api/communities/{token}/members/{member}/rewards",
    ),
}
PARAMS = {
    "values": {
        "q": 97.5,
        "cap": 20.0,
        "beta": 2.0,
        "w_ps": 1.0,
        "w_sc": 1.0,
        "min_coverage": 0.9,
        "alpha_consumer": 1.0,
        "alpha_producer": 0.5,
    },
    "onchain": {
        "q": 97500000,
        "cap": 20000000,
        "beta": 2000000,
        "w_ps": 1000000,
        "w_sc": 1000000,
        "min_coverage": 900000,
        "alpha_consumer": 1000000,
        "alpha_producer": 500000,
    },
}
COMMUNITY_KPIS = {
    "base_kw": 10.39,
    "peak_kw": 59.74,
    "coverage": 1.0,
    "injected_kwh": 12568.38,
    "withdrawn_kwh": 21800.08,
    "self_consumption_pct": 74.89,
    "self_sufficiency_pct": 43.17,
}


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


def onchain_members(ctx, folder: Path, count: int) -> list:
    """`count` members with keys, through the oracle's own import (database rows and on-chain membership)."""
    from eth_account import Account

    from oracle.communities import create_community
    from oracle.members import import_members

    create_community(ctx, COMMUNITY, welcome_citizen="100", welcome_stakeholder="500", fee_bps=100, endowment="1000000")
    accounts = [Account.create() for _ in range(count)]
    rows = [
        f"{a.address},Bench Member {i},bench{i}@example.org,citizen,consumer,BENCH-{i}" for i, a in enumerate(accounts)
    ]
    (folder / "members.csv").write_text("wallet,name,email,kind,profile,deviceid\n" + "\n".join(rows) + "\n")
    import_members(ctx, COMMUNITY, folder / "members.csv", log=lambda *_: None)
    return accounts


def copy_rows(ctx, statement: str, rows) -> None:
    raw = ctx.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        raw.driver_connection.commit()
    finally:
        raw.close()


def bulk_members(ctx, community_id: int, count: int) -> None:
    """`count` more members in the database only (users with encrypted name and e-mail, memberships)."""
    from eth_utils import to_checksum_address
    from sqlalchemy import text

    cipher = ctx.cipher
    people = [(f"Member {i}", f"member{i}@example.org", to_checksum_address(os.urandom(20))) for i in range(count)]
    with ctx.engine.connect() as c:
        first = c.execute(text("SELECT coalesce(max(id), 0) FROM users")).scalar() + 1
    copy_rows(
        ctx,
        "COPY users (name_enc, email_enc, email_hmac) FROM STDIN",
        ((cipher.encrypt(name), cipher.encrypt(email), cipher.email_hmac(email)) for name, email, _ in people),
    )
    with ctx.engine.connect() as c:
        ids = dict(c.execute(text("SELECT email_hmac, id FROM users WHERE id >= :first"), {"first": first}).all())
    copy_rows(
        ctx,
        "COPY users_communities (user_id, community_id, wallet, kind, profile, active) FROM STDIN",
        (
            (
                ids[bytes(cipher.email_hmac(email))],
                community_id,
                wallet,
                "citizen",
                random.choice(("consumer", "prosumer", "prostormer")),
                True,
            )
            for _, email, wallet in people
        ),
    )


def epoch_rows(wallets: list[str]) -> tuple[list[tuple], dict]:
    """(wallet, leaf index, amount, data hash, salt) in leaf order and the reward tree's dump over them."""
    from oracle.merkle import reward_tree

    ordered = sorted(wallets, key=str.lower)
    leaves = [(w, random.randrange(10**18, 5000 * 10**18, 10**12), os.urandom(32), os.urandom(32)) for w in ordered]
    tree = reward_tree([(w, amount, data_hash) for w, amount, data_hash, _salt in leaves])
    return [(w, i, amount, data_hash, salt) for i, (w, amount, data_hash, salt) in enumerate(leaves)], tree.dump()


def year_of_epochs(ctx, community_id: int, epochs: int) -> None:
    """`epochs` monthly epochs, done and paid, each with a leaf for every member. One reward tree serves every
    epoch (building one of 10,000 leaves takes seconds): its rows and size are real, its amounts repeat."""
    from sqlalchemy import select

    from oracle.db.schema import Epoch, Membership

    with ctx.session() as s:
        memberships = dict(
            s.execute(select(Membership.wallet, Membership.id).where(Membership.community_id == community_id)).all()
        )
    leaves, dump = epoch_rows(list(memberships))
    root = "0x" + dump["tree"][0].removeprefix("0x")
    total = sum(amount for _w, _i, amount, _h, _s in leaves)
    kpis = json.dumps(
        {
            "base_kw": 0.12,
            "peak_kw": 2.05,
            "coverage": 1.0,
            "injected_kwh": 0.0,
            "withdrawn_kwh": 385.56,
            "self_consumption_pct": None,
            "self_sufficiency_pct": 0.0,
        }
    )
    for number in range(1, epochs + 1):
        start = datetime(2025 + (8 + number) // 12, (8 + number) % 12 + 1, 1, tzinfo=UTC)
        end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
        with ctx.session() as s:
            epoch = Epoch(
                community_id=community_id,
                number=number,
                period_start=start,
                period_end=end,
                status="done",
                model_id="combined",
                model_version=1,
                model_effective_from=datetime(1970, 1, 1, tzinfo=UTC),
                params=PARAMS,
                ingestion_watermark=1,
                merkle_root=root,
                dataset_hash="0x" + os.urandom(32).hex(),
                leaf_count=len(leaves),
                total_reward=total,
                community_kpis=COMMUNITY_KPIS,
                tree_dump=dump,
                payable_at=end,
                completed_at=end,
            )
            s.add(epoch)
            s.flush()
            epoch_id = epoch.id
        paid_tx = "0x" + os.urandom(32).hex()
        copy_rows(
            ctx,
            "COPY epoch_members (epoch_id, membership_id, wallet, leaf_index, amount, tokens, kpis, salt, "
            "data_hash, reading_count, paid, paid_tx) FROM STDIN",
            (
                (epoch_id, memberships[w], w, i, amount, amount / 10**18, kpis, salt, data_hash, 2976, True, paid_tx)
                for w, i, amount, data_hash, salt in leaves
            ),
        )


def serve(home: Path, port: int, threads: int, workers: int) -> subprocess.Popen:
    """`dapp serve` in its own process (the load generator's threads do not share its interpreter)."""
    import requests

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LEC_RPC_URL", "LEC_HOME")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dapp_backend.cli",
            "serve",
            "--home",
            str(home),
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(600):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1)
            return server
        except requests.ConnectionError:
            if server.poll() is not None:
                raise SystemExit(f"dapp serve stopped: {server.stderr.read()}") from None
            time.sleep(0.1)
    raise SystemExit("dapp serve did not answer within 60 s")


def sign_in(base_url: str, account):
    """A requests session signed in with Sign-In with Ethereum, as a wallet does it."""
    import requests
    from eth_account import Account
    from eth_account.messages import encode_defunct
    from siwe import SiweMessage

    session, host = requests.Session(), base_url.removeprefix("http://")
    nonce = session.get(f"{base_url}/api/auth/nonce").json()["nonce"]
    message = SiweMessage(
        domain=host,
        address=account.address,
        statement="Sign in to the LEC platform.",
        uri=f"{base_url}/",
        version="1",
        chain_id=31337,
        nonce=nonce,
        issued_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    ).prepare_message()
    signed = Account.sign_message(encode_defunct(text=message), account.key)
    signature = "0x" + signed.signature.hex().removeprefix("0x")
    response = session.post(f"{base_url}/api/auth/login", json={"message": message, "signature": signature})
    if response.status_code != 200:
        raise SystemExit(f"sign-in of {account.address} failed: {response.status_code} {response.text}")
    return session


def load(
    base_url: str, url_template: str, sessions: list, clients: int, requests_count: int, think_ms: float = 0
) -> dict:
    """`requests_count` GETs of the route from `clients` threads, each sending its next request when the last is
    answered, after `think_ms` (0.5 to 1.5 times, at random; 0: back to back) as a person reading the page would;
    latencies in ms, errors (status >= 400) and the throughput (requests per second of wall time)."""
    import requests

    latencies, errors, lock = [], [], threading.Lock()
    cookies = [(s.cookies.get_dict(), member) for s, member in sessions]

    def one(i: int) -> None:
        jar, member = cookies[i % len(cookies)]
        url = base_url + url_template.format(token=TOKEN[0], member=member)
        began = time.perf_counter()
        try:
            status = requests.get(url, cookies=jar, timeout=120).status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        elapsed = (time.perf_counter() - began) * 1000
        with lock:
            latencies.append(elapsed)
            if not isinstance(status, int) or status >= 400:
                errors.append(status)

    def client(c: int) -> None:
        for i in range(c, requests_count, clients):
            if think_ms and i >= clients:  # the first requests start together, as in the closed loop
                time.sleep(think_ms / 1000 * random.uniform(0.5, 1.5))
            one(i)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    return {
        "latencies": latencies,
        "errors": errors,
        "throughput": requests_count / (time.perf_counter() - began),
        "think_ms": think_ms,
    }


TOKEN: list[str] = []  # the community's token, set once known


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def table(results: dict, clients: int) -> str:
    """Per route and load (back to back; with think time): p50/p95/max, errors, throughput, and p50 of the same
    route asked by one client alone."""
    lines = [
        f"| {'route':<55} | clients | think ms | requests | req/s | p50 ms | p95 ms | max ms | errors | alone p50 ms |",
        f"|{'-' * 57}|--------:|---------:|---------:|------:|-------:|-------:|-------:|-------:|-------------:|",
    ]
    for label, runs in results.items():
        if runs is None:
            lines.append(
                f"| {label:<55} | missing |          |          |       |        |        |        |        "
                "|              |"
            )
            continue
        alone = statistics.median(runs["alone"]["latencies"])
        for result in runs["loads"]:
            ms = result["latencies"]
            lines.append(
                f"| {label:<55} | {clients:>7} | {result['think_ms']:>8.0f} | {len(ms):>8} "
                f"| {result['throughput']:>5.1f} | {statistics.median(ms):>6.0f} | {percentile(ms, 95):>6.0f} "
                f"| {max(ms):>6.0f} | {len(result['errors']):>6} | {alone:>12.0f} |"
            )
    return "\n".join(lines)


def profile(ctx, account, member: str) -> None:
    """One request of each route under cProfile, in-process (the Flask test client), top functions by time."""
    import cProfile
    import pstats

    from eth_account import Account
    from eth_account.messages import encode_defunct
    from siwe import SiweMessage

    from dapp_backend.app import create_app

    app = create_app(ctx.settings)
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
    client.post("/api/auth/login", json={"message": message, "signature": signature})
    for label, (_path, template) in ROUTES.items():
        url = template.format(token=TOKEN[0], member=member)
        client.get(url)  # warm
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.enable()
        status = client.get(url).status_code
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"/(dapp_backend|oracle)/|eth\.py.*\(contract\)|json/decoder", 16)
        stats.sort_stats("tottime").print_stats(8)
        print(f"\n== profile of {label} ({status}, {(time.perf_counter() - began) * 1000:.0f} ms in-process)")
        print(
            "\n".join(
                line
                for line in out.getvalue().splitlines()
                if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced"))
            )
        )


def existing_routes(base_url: str) -> set[str]:
    import requests

    return set(requests.get(f"{base_url}/api/openapi.json", timeout=30).json().get("paths", {}))


def write_data(ctx, home: Path, args) -> list:
    """The community, its members and epochs; returns the accounts of the members who sign in."""
    from oracle.communities import get_community

    began = time.monotonic()
    accounts = onchain_members(ctx, home, args.signed_in)
    community = get_community(ctx, COMMUNITY)
    TOKEN.append(community.token_address)
    bulk_members(ctx, community.id, args.members - args.signed_in)
    year_of_epochs(ctx, community.id, args.epochs)
    print(
        f"{args.members} members, {args.epochs} epochs of {args.members} leaves written in "
        f"{time.monotonic() - began:.0f} s",
        flush=True,
    )
    return accounts


def run(args) -> int:
    from oracle.lifecycle import down

    home = Path(tempfile.mkdtemp(prefix="lec-bench-home-"))
    home.chmod(0o755)  # the embedded PostgreSQL may run as another user
    ctx, server = None, None
    try:
        ctx = start_services(home)
        accounts = write_data(ctx, home, args)
        port = free_port()
        server = serve(home, port, args.threads, args.workers)
        base_url = f"http://127.0.0.1:{port}"
        sessions = [(sign_in(base_url, a), a.address) for a in accounts]
        present = existing_routes(base_url)
        results = {}
        for label, (path, template) in ROUTES.items():
            if path not in present:
                results[label] = None
                continue
            alone = load(base_url, template, sessions, 1, 20)  # warm-up, and the time of a request alone
            loads = [load(base_url, template, sessions, args.clients, args.requests)]
            if args.think_ms:
                loads.append(load(base_url, template, sessions, args.clients, args.requests, args.think_ms))
            results[label] = {"alone": alone, "loads": loads}
            print(f"   {label}: done", flush=True)
        print(
            f"\n{args.clients} concurrent clients, {args.signed_in} signed-in members, waitress --threads "
            f"{args.threads} in {args.workers} process(es), {os.cpu_count()} CPUs "
            f"(load average {os.getloadavg()[0]:.1f})\n"
        )
        print(table(results, args.clients))
        print(
            "\n(think 0: closed loop, each client sends its next request as soon as the last one is answered, so "
            "p50 is about clients / req/s: the server's throughput, not a person's wait. think N: each client "
            "waits 0.5-1.5 x N ms between requests, as a person reading the dashboard does.)"
        )
        if args.profile:
            profile(ctx, accounts[0], accounts[0].address)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if ctx is not None:
            down(ctx)
        shutil.rmtree(home, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (threads)")
    parser.add_argument("--requests", type=int, default=500, help="requests per route")
    parser.add_argument("--signed-in", type=int, default=10, help="members with keys that sign in (on-chain)")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads of dapp serve")
    parser.add_argument("--workers", type=int, default=1, help="dapp serve processes (--workers)")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="a second run per route with this think time between a client's requests (0: none)",
    )
    parser.add_argument("--profile", action="store_true", help="profile one request of each route")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
