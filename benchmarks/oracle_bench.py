"""Oracle benchmark: N members x 30 days of 15-minute data, one epoch end to end on embedded PostgreSQL and anvil.

    python benchmarks/oracle_bench.py [--sizes 100 1000 10000] [--model self_consumption|combined] [--ingest]

For each N: a set-up process generates the members (30 % with a PV meter besides their consumption meter),
imports them (on-chain too), loads synthetic readings and publishes the model; then a second process, whose
peak RSS is the epoch's own, runs one epoch. Readings are loaded with a binary COPY straight into the readings
table (fast and small: the benchmark measures the epoch), or with `--ingest` through `oracle ingest` of one
CSV file (which then also measures ingestion, rows/s). `combined` reads a baseline period as long as the
epoch before it, so it loads twice the readings. Prints a markdown table: member import s, ingest rows/s (with
--ingest), select + compute s, hashing s, whole epoch s, peak RSS of the epoch process, gas per member of the
commit and of the payments.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DAYS = 30
STEPS_PER_DAY = 96
START = pd.Timestamp("2026-10-01T00:00:00Z")
PARAMS = {
    "self_consumption": {"alpha_consumer": "1", "alpha_producer": "0.5"},
    "combined": {"alpha_consumer": "1", "alpha_producer": "0.5", "beta": "2", "cap": "50", "w_sc": "1", "w_ps": "1"},
}
DEVICES_PER_COPY = 200  # readings of this many meters per COPY buffer (~26 MB at 30 days)
PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("l_device", ">i4"),
        ("device", ">i4"),
        ("l_ts", ">i4"),
        ("ts", ">i8"),
        ("l_energy", ">i4"),
        ("energy", ">f8"),
        ("l_quality", ">i4"),
        ("quality", "S8"),
        ("l_ingestion", ">i4"),
        ("ingestion", ">i4"),
    ]
)
PG_EPOCH_US = int(pd.Timestamp("2000-01-01T00:00:00Z").value // 1000)  # binary timestamptz counts from here


def wallet(i: int) -> str:
    from eth_utils import keccak, to_checksum_address

    return to_checksum_address(keccak(f"bench-member-{i}".encode())[-20:])


def data_start(model: str) -> pd.Timestamp:
    return START - pd.Timedelta(days=DAYS) if model == "combined" else START


def write_members(directory: Path, n: int) -> tuple[Path, list[tuple[str, bool]]]:
    members, devices = [], []
    for i in range(n):
        w = wallet(i)
        has_pv = i % 10 < 3
        members.append(f"{w},Member {i},member{i}@example.org,citizen,{'prosumer' if has_pv else 'consumer'},M{i:06d}")
        devices.append((f"M{i:06d}", False))
        if has_pv:
            members.append(f"{w},Member {i},member{i}@example.org,citizen,prosumer,PV{i:06d}")
            devices.append((f"PV{i:06d}", True))
    members_csv = directory / "members.csv"
    members_csv.write_text("wallet,name,email,kind,profile,deviceid\n" + "\n".join(members) + "\n")
    return members_csv, devices


def device_values(devices: list[tuple[str, bool]], steps: int, seed: int = 7):
    """(deviceid, Wh per quarter-hour) of every meter, one synthetic day shape with noise, 0.1 Wh resolution."""
    rng = np.random.default_rng(seed)
    hours = (np.arange(steps) % STEPS_PER_DAY) / 4.0
    load_shape = 0.35 + 0.4 * np.exp(-((hours - 8) ** 2) / 4) + 0.7 * np.exp(-((hours - 20) ** 2) / 6)
    sun = np.clip(np.sin((hours - 7) / 12 * np.pi), 0, None)
    for deviceid, is_pv in devices:
        if is_pv:
            values = -sun * rng.uniform(600, 1200) * rng.uniform(0.3, 1.0, steps)
        else:
            values = load_shape * rng.uniform(80, 160) * rng.lognormal(0, 0.25, steps)
        yield deviceid, np.round(values, 1)


def write_readings_csv(directory: Path, devices: list[tuple[str, bool]], start: pd.Timestamp, days: int) -> Path:
    steps = days * STEPS_PER_DAY
    stamps = (start + pd.to_timedelta(np.arange(steps) * 15, unit="min")).strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()
    path = directory / "readings.csv"
    with open(path, "w") as f:
        f.write("deviceid,timestamp,energy\n")
        for deviceid, values in device_values(devices, steps):
            pd.DataFrame({"d": deviceid, "t": stamps, "e": values}).to_csv(f, header=False, index=False)
    return path


def copy_readings(ctx, community_name: str, devices: list[tuple[str, bool]], start: pd.Timestamp, days: int) -> int:
    """Loads the synthetic readings with one binary COPY into counterreading (one finished ingestion row as
    their watermark), after creating the monthly partitions they need. Returns the number of rows."""
    from datetime import datetime

    from sqlalchemy import select

    from oracle.communities import get_community
    from oracle.db.partitions import ensure_reading_partitions
    from oracle.db.schema import Device, Ingestion, Membership

    community = get_community(ctx, community_name)
    steps = days * STEPS_PER_DAY
    ts_us = (start.value // 1000 - PG_EPOCH_US) + np.arange(steps, dtype=np.int64) * 900_000_000
    with ctx.session() as s:
        ids = dict(
            s.execute(
                select(Device.deviceid, Device.id)
                .join(Membership, Membership.id == Device.membership_id)
                .where(Membership.community_id == community.id)
            ).all()
        )
        ingestion = Ingestion(
            community_id=community.id,
            path="benchmark (binary COPY)",
            format="csv",
            sha256="0" * 64,
            rows_read=len(devices) * steps,
            rows_loaded=len(devices) * steps,
            finished_at=datetime.now(UTC),
        )
        s.add(ingestion)
        s.flush()
        conn = s.connection()
        ensure_reading_partitions(conn, start.to_pydatetime(), (start + pd.Timedelta(days=days)).to_pydatetime())
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(
            "COPY counterreading (device_id, ts, energy, quality, ingestion_id) FROM STDIN (FORMAT binary)"
        ) as copy:
            copy.write(PGCOPY_HEADER)
            rows = np.zeros(DEVICES_PER_COPY * steps, dtype=_ROW)  # filled in place: big-endian kept
            rows["fields"], rows["l_device"], rows["l_ts"], rows["l_energy"] = 5, 4, 8, 8
            rows["l_quality"], rows["quality"], rows["l_ingestion"], rows["ingestion"] = 8, b"measured", 4, ingestion.id
            rows["ts"] = np.tile(ts_us, DEVICES_PER_COPY)
            filled = 0
            for deviceid, values in device_values(devices, steps):
                part = slice(filled * steps, (filled + 1) * steps)
                rows["device"][part], rows["energy"][part] = ids[deviceid], values
                filled += 1
                if filled == DEVICES_PER_COPY:
                    copy.write(rows.tobytes())
                    filled = 0
            if filled:
                copy.write(rows[: filled * steps].tobytes())
            copy.write((-1).to_bytes(2, "big", signed=True))
    return len(devices) * steps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def context(home: Path):
    """The benchmark's home; its chain keeps the port the set-up chose (home/anvil/port)."""
    from oracle.config import load_settings
    from oracle.context import Context

    port = os.environ.get("LEC_BENCH_ANVIL_PORT") or (home / "anvil" / "port").read_text()
    return Context(load_settings(home, env={"LEC_ANVIL_PORT": port}))


def set_up(n: int, workdir: Path, model: str, ingest: bool) -> dict:
    """Process 1: services, community, members, readings, model."""
    from oracle.communities import create_community
    from oracle.ingest.loader import ingest_file
    from oracle.lifecycle import up
    from oracle.members import import_members
    from oracle.model_registry import publish_model

    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    ctx = context(home)
    up(ctx, quiet=True)
    name = f"Bench {n}"
    members_csv, devices = write_members(workdir, n)
    create_community(ctx, name, welcome_citizen="0", endowment=str(10**9), reward_ceiling=str(10**9))
    t0 = time.perf_counter()
    import_members(ctx, name, members_csv, log=lambda _: None)
    figures = {"members": n, "import_s": time.perf_counter() - t0}
    days = (START - data_start(model)).days + DAYS
    t0 = time.perf_counter()
    if ingest:
        readings_csv = write_readings_csv(workdir, devices, data_start(model), days)
        t0 = time.perf_counter()
        figures["readings"] = ingest_file(ctx, name, readings_csv).rows_loaded
        figures["ingest_rows_per_s"] = figures["readings"] / (time.perf_counter() - t0)
    else:
        figures["readings"] = copy_readings(ctx, name, devices, data_start(model), days)
        figures["copy_s"] = time.perf_counter() - t0
    publish_model(ctx, model, PARAMS[model], community=name)
    return figures


def run_the_epoch(n: int, workdir: Path) -> dict:
    """Process 2: one epoch; its peak RSS is this process's."""
    from sqlalchemy import select

    from oracle.db.schema import ChainTransaction, EpochMember
    from oracle.epochs.runner import run_epoch

    ctx = context(workdir / "home")
    marks: dict[str, float] = {}

    def log(message: str) -> None:
        marks.setdefault(message.rsplit(": ", maxsplit=1)[-1], time.perf_counter())

    t0 = time.perf_counter()
    epoch = run_epoch(
        ctx, f"Bench {n}", START.isoformat(), (START + pd.Timedelta(days=DAYS)).isoformat(), progress=False, log=log
    )
    total_s = time.perf_counter() - t0
    with ctx.session() as s:
        txs = list(s.scalars(select(ChainTransaction).where(ChainTransaction.epoch_id == epoch.id)))
        paid = len(
            list(s.scalars(select(EpochMember.id).where(EpochMember.epoch_id == epoch.id, EpochMember.paid.is_(True))))
        )
    return {
        "root": epoch.merkle_root,
        "compute_s": marks["hash"] - marks["select"],
        "hash_s": marks["tree"] - marks["hash"],
        "epoch_s": total_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "commit_gas_per_member": sum(t.gas_used for t in txs if t.kind == "commit") / n,
        "push_gas_per_member": sum(t.gas_used for t in txs if t.kind == "push") / max(paid, 1),
    }


def stop(n: int, workdir: Path) -> dict:
    from oracle.lifecycle import down

    down(context(workdir / "home"))
    return {}


PHASES = {"setup": set_up, "epoch": run_the_epoch, "stop": stop}


def run_phase(phase: str, n: int, workdir: Path, extra: list[str], port: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--one", str(n), "--workdir", str(workdir), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LEC_BENCH_ANVIL_PORT": str(port)},
    )
    if out.returncode != 0:
        print(out.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"benchmark {phase} for N={n} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(n: int, model: str, ingest: bool) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"lec-bench-{n}-"))
    workdir.chmod(0o755)
    extra = ["--model", model] + (["--ingest"] if ingest else [])
    port = free_port()
    try:
        print(f"N = {n}: generating, importing and loading…", file=sys.stderr, flush=True)
        row = run_phase("setup", n, workdir, extra, port)
        print(f"N = {n}: running the epoch…", file=sys.stderr, flush=True)
        row.update(run_phase("epoch", n, workdir, extra, port))
        return row
    finally:
        run_phase("stop", n, workdir, extra, port)
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(rows: list[dict], model: str, ingest: bool) -> None:
    ingest_head, ingest_rule = (" ingest rows/s |", "---:|") if ingest else ("", "")
    print(
        f"| members | model | readings | member import s |{ingest_head} select + compute s | hashing s "
        "| whole epoch s | epoch peak RSS MB | commit gas/member | payment gas/member |"
    )
    print(f"|---:|---|---:|---:|{ingest_rule}---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ingest_cell = f" {r['ingest_rows_per_s']:,.0f} |" if ingest else ""
        print(
            f"| {r['members']:,} | {model} | {r['readings']:,} | {r['import_s']:.1f} |{ingest_cell} "
            f"{r['compute_s']:.2f} | {r['hash_s']:.2f} | {r['epoch_s']:.1f} | {r['peak_rss_mb']:,.0f} | "
            f"{r['commit_gas_per_member']:,.0f} | {r['push_gas_per_member']:,.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--model", choices=sorted(PARAMS), default="self_consumption")
    parser.add_argument("--ingest", action="store_true", help="load the readings through oracle ingest of a CSV file")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        warnings.filterwarnings("ignore")
        workdir = Path(args.workdir)
        if args.phase == "setup":
            print(json.dumps(set_up(args.one, workdir, args.model, args.ingest)))
        else:
            print(json.dumps(PHASES[args.phase](args.one, workdir)))
        return
    rows = [measure(n, args.model, args.ingest) for n in args.sizes]
    print_table(rows, args.model, args.ingest)


if __name__ == "__main__":
    main()
