"""Oracle benchmark: N members x 30 days of 15-minute data, end to end on embedded PostgreSQL and anvil.

    python benchmarks/oracle_bench.py [--sizes 100 1000 10000] [--keep]

For each N (each in its own process, so peak memory is that size's own): generate members (30 % with
a PV meter besides their consumption meter) and synthetic readings, import the members, ingest the
readings, publish self_consumption, run one epoch. Prints a markdown table:
ingest rows/s (parse + clean + COPY), epoch compute time (select + compute), hash time, whole epoch
time, peak RSS, and gas per member of the commit and of the payments.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DAYS = 30
START = pd.Timestamp("2026-10-01T00:00:00Z")


def wallet(i: int) -> str:
    from eth_utils import keccak, to_checksum_address

    return to_checksum_address(keccak(f"bench-member-{i}".encode())[-20:])


def write_inputs(directory: Path, n: int, seed: int = 7) -> tuple[Path, Path, int]:
    rng = np.random.default_rng(seed)
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

    steps = DAYS * 96
    hours = (np.arange(steps) % 96) / 4.0
    load_shape = 0.35 + 0.4 * np.exp(-((hours - 8) ** 2) / 4) + 0.7 * np.exp(-((hours - 20) ** 2) / 6)
    sun = np.clip(np.sin((hours - 7) / 12 * np.pi), 0, None)
    stamps = (START + pd.to_timedelta(np.arange(steps) * 15, unit="min")).strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()
    readings_csv = directory / "readings.csv"
    with open(readings_csv, "w") as f:
        f.write("deviceid,timestamp,energy\n")
        for deviceid, is_pv in devices:
            if is_pv:
                values = -sun * rng.uniform(600, 1200) * rng.uniform(0.3, 1.0, steps)
            else:
                values = load_shape * rng.uniform(80, 160) * rng.lognormal(0, 0.25, steps)
            frame = pd.DataFrame({"d": deviceid, "t": stamps, "e": np.round(values, 1)})
            frame.to_csv(f, header=False, index=False)
    return members_csv, readings_csv, len(devices) * steps


def run_size(n: int, workdir: Path) -> dict:
    """One size, in this process (called in a subprocess by main)."""
    warnings.filterwarnings("ignore")
    from sqlalchemy import select

    from oracle.communities import create_community
    from oracle.config import load_settings
    from oracle.context import Context
    from oracle.db.schema import ChainTransaction, EpochMember
    from oracle.epochs.runner import run_epoch
    from oracle.ingest.loader import ingest_file
    from oracle.lifecycle import down, up
    from oracle.members import import_members
    from oracle.model_registry import publish_model

    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    ctx = Context(load_settings(home, env={"LEC_ANVIL_PORT": str(18545 + n % 1000)}))
    up(ctx, quiet=True)
    try:
        members_csv, readings_csv, rows = write_inputs(workdir, n)
        name = f"Bench {n}"
        create_community(ctx, name, welcome_citizen="0", endowment=str(10**9), reward_ceiling=str(10**9))
        t0 = time.perf_counter()
        import_members(ctx, name, members_csv)
        import_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = ingest_file(ctx, name, readings_csv)
        ingest_s = time.perf_counter() - t0
        publish_model(ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)

        marks: dict[str, float] = {}

        def log(message: str) -> None:
            marks[message.split(": ")[-1]] = time.perf_counter()

        t0 = time.perf_counter()
        epoch = run_epoch(ctx, name, START.isoformat(), (START + pd.Timedelta(days=DAYS)).isoformat(),
                          progress=False, log=log)
        total_s = time.perf_counter() - t0
        with ctx.session() as s:
            txs = list(s.scalars(select(ChainTransaction).where(ChainTransaction.epoch_id == epoch.id)))
            paid = len(list(s.scalars(select(EpochMember.id).where(EpochMember.epoch_id == epoch.id,
                                                                   EpochMember.paid.is_(True)))))
        commit_gas = sum(t.gas_used for t in txs if t.kind == "commit")
        push_gas = sum(t.gas_used for t in txs if t.kind == "push")
        return {
            "members": n,
            "readings": rows,
            "loaded": result.rows_loaded,
            "import_s": import_s,
            "ingest_rows_per_s": rows / ingest_s,
            "compute_s": marks["hash"] - marks["select"],
            "hash_s": marks["tree"] - marks["hash"],
            "epoch_s": total_s,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "commit_gas_per_member": commit_gas / n,
            "push_gas_per_member": push_gas / max(paid, 1),
            "batches": sum(1 for t in txs if t.kind == "push"),
        }
    finally:
        down(ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, Path(args.workdir))))
        return
    rows = []
    for n in args.sizes:
        workdir = Path(tempfile.mkdtemp(prefix=f"lec-bench-{n}-"))
        workdir.chmod(0o755)
        print(f"N = {n}: generating, importing, ingesting, running the epoch…", file=sys.stderr, flush=True)
        try:
            out = subprocess.run([sys.executable, __file__, "--one", str(n), "--workdir", str(workdir)],
                                 capture_output=True, text=True, cwd=ROOT, env=dict(os.environ))
            if out.returncode != 0:
                print(out.stderr[-4000:], file=sys.stderr)
                raise SystemExit(f"benchmark for N={n} failed")
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print("| members | readings | member import s | ingest rows/s | epoch compute s | hashing s | whole epoch s "
          "| peak RSS MB | commit gas/member | payment gas/member |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['members']:,} | {r['readings']:,} | {r['import_s']:.1f} | {r['ingest_rows_per_s']:,.0f} | "
              f"{r['compute_s']:.2f} | {r['hash_s']:.2f} | {r['epoch_s']:.1f} | {r['peak_rss_mb']:,.0f} | "
              f"{r['commit_gas_per_member']:,.0f} | {r['push_gas_per_member']:,.0f} |")


if __name__ == "__main__":
    main()
