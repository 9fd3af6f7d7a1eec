"""Ingestion benchmark: `oracle ingest` end to end against PostgreSQL's raw COPY of the same rows.

    python benchmarks/ingest_bench.py [--sizes 100 1000 10000] [--chunk-rows N]

For each N (each size in its own process, on its own embedded PostgreSQL and anvil): N members (30 % with
a PV meter besides their consumption meter), one csv file of 30 days of 15-minute readings written device
after device. Measured in the same run:

- raw COPY: the same rows, already in PostgreSQL's own input form (csv text, and binary), COPYed into an
  empty copy of the readings table (same columns and primary key); only the COPY statement is timed;
- oracle ingest: the CLI in a subprocess (start-up, SHA-256, parse, clean, load and commit), timed from
  start to exit; its peak RSS read with wait4.

Prints a markdown table with the ratio of the ingest's rows/s to the faster raw COPY.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAYS = 30
START = pd.Timestamp("2026-10-01T00:00:00Z")
COPY_BLOCK = 1 << 22  # bytes per COPY write when streaming a prepared file


def wallet(i: int) -> str:
    from eth_utils import keccak, to_checksum_address

    return to_checksum_address(keccak(f"ingest-bench-member-{i}".encode())[-20:])


def write_members(directory: Path, n: int) -> tuple[Path, list[str]]:
    lines, devices = [], []
    for i in range(n):
        has_pv = i % 10 < 3
        profile = "prosumer" if has_pv else "consumer"
        for deviceid in [f"M{i:06d}"] + ([f"PV{i:06d}"] if has_pv else []):
            lines.append(f"{wallet(i)},Member {i},member{i}@example.org,citizen,{profile},{deviceid}")
            devices.append(deviceid)
    path = directory / "members.csv"
    path.write_text("wallet,name,email,kind,profile,deviceid\n" + "\n".join(lines) + "\n")
    return path, devices


def write_readings(directory: Path, devices: list[str], seed: int = 7) -> tuple[Path, int]:
    """deviceid,timestamp,energy: 30 days of each device in turn (Wh, one decimal; PV negative)."""
    rng = np.random.default_rng(seed)
    steps = DAYS * 96
    hours = (np.arange(steps) % 96) / 4.0
    load = 0.35 + 0.4 * np.exp(-((hours - 8) ** 2) / 4) + 0.7 * np.exp(-((hours - 20) ** 2) / 6)
    sun = np.clip(np.sin((hours - 7) / 12 * np.pi), 0, None)
    stamps = (START + pd.to_timedelta(np.arange(steps) * 15, unit="min")).strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()
    path = directory / "readings.csv"
    with open(path, "w") as f:
        f.write("deviceid,timestamp,energy\n")
        for deviceid in devices:
            if deviceid.startswith("PV"):
                values = -sun * rng.uniform(600, 1200) * rng.uniform(0.3, 1.0, steps)
            else:
                values = load * rng.uniform(80, 160) * rng.lognormal(0, 0.25, steps)
            pd.DataFrame({"d": deviceid, "t": stamps, "e": np.round(values, 1)}).to_csv(f, header=False, index=False)
    return path, len(devices) * steps


def context(home: Path, n: int):
    from oracle.config import load_settings
    from oracle.context import Context

    return Context(load_settings(home, env={"LEC_ANVIL_PORT": str(18745 + n % 1000)}))


def prepare_copy_files(ctx, name: str, readings_csv: Path, workdir: Path) -> tuple[Path, Path]:
    """The readings as PostgreSQL COPY input: csv text and binary (ingestion id 0, quality measured)."""
    from sqlalchemy import select

    from oracle.communities import get_community
    from oracle.db.schema import Device, Membership
    from oracle.ingest.copying import SIGNATURE, TRAILER, readings_binary

    community = get_community(ctx, name)
    with ctx.session() as s:
        ids = dict(
            s.execute(
                select(Device.deviceid, Device.id)
                .join(Membership, Membership.id == Device.membership_id)
                .where(Membership.community_id == community.id)
            ).all()
        )
    text_path, binary_path = workdir / "copy.csv", workdir / "copy.bin"
    with open(text_path, "w") as text, open(binary_path, "wb") as binary:
        binary.write(SIGNATURE)
        for part in pd.read_csv(readings_csv, chunksize=1_000_000, dtype={"deviceid": str, "timestamp": str}):
            device_id = part["deviceid"].map(ids).to_numpy(dtype=np.int64)
            pd.DataFrame({"d": device_id, "t": part["timestamp"], "e": part["energy"], "q": "measured", "i": 0}).to_csv(
                text, header=False, index=False
            )
            clean = pd.DataFrame(
                {
                    "ts": pd.to_datetime(part["timestamp"], utc=True),
                    "energy": part["energy"],
                    **dict.fromkeys(("powactive", "powreactive", "current", "voltage", "chargestatus"), np.nan),
                    "quality": "measured",
                }
            )
            binary.write(readings_binary(device_id, clean, 0)[len(SIGNATURE) : -len(TRAILER)])
        binary.write(TRAILER)
    return text_path, binary_path


def raw_copy_seconds(ctx, source: Path, fmt: str) -> float:
    """COPY of a prepared file into an empty copy of counterreading (columns and primary key); committed."""
    from oracle.ingest.copying import READING_COPY_COLUMNS

    columns = ", ".join(READING_COPY_COLUMNS) if fmt == "binary" else "device_id, ts, energy, quality, ingestion_id"
    with ctx.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(
            "CREATE TABLE bench_raw_copy (LIKE counterreading INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING INDEXES)"
        )
        conn.commit()
        t0 = time.perf_counter()
        with open(source, "rb") as f, cursor.copy(f"COPY bench_raw_copy ({columns}) FROM STDIN (FORMAT {fmt})") as copy:
            while block := f.read(COPY_BLOCK):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - t0
        cursor.execute("DROP TABLE bench_raw_copy")
        conn.commit()
    return seconds


def ingest_subprocess(home: Path, name: str, readings_csv: Path, chunk_rows: int | None) -> tuple[float, float]:
    """(seconds, peak RSS MB) of `oracle ingest` run as its own process."""
    argv = [
        sys.executable,
        "-m",
        "oracle.cli",
        "--home",
        str(home),
        "ingest",
        "--community",
        name,
        *(["--chunk-rows", str(chunk_rows)] if chunk_rows else []),
        str(readings_csv),
    ]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        out = proc.stdout.read().decode()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").splitlines()[-5:]
            raise SystemExit(f"oracle ingest failed ({proc.returncode}): {out}" + "\n".join(tail))
    return seconds, usage.ru_maxrss / 1024


def run_size(n: int, workdir: Path, chunk_rows: int | None) -> dict:
    """One size, in this process (called in a subprocess by main)."""
    from oracle.communities import create_community
    from oracle.lifecycle import down, up
    from oracle.members import import_members

    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)
    ctx = context(home, n)
    up(ctx, quiet=True)
    try:
        members_csv, devices = write_members(workdir, n)
        readings_csv, rows = write_readings(workdir, devices)
        name = f"Ingest bench {n}"
        create_community(ctx, name, welcome_citizen="0", endowment=str(10**9), reward_ceiling=str(10**9))
        import_members(ctx, name, members_csv, log=lambda _: None)
        text_copy, binary_copy = prepare_copy_files(ctx, name, readings_csv, workdir)
        copy_text_s = raw_copy_seconds(ctx, text_copy, "csv")
        copy_binary_s = raw_copy_seconds(ctx, binary_copy, "binary")
        text_copy.unlink()
        binary_copy.unlink()
        ingest_s, peak_mb = ingest_subprocess(home, name, readings_csv, chunk_rows)
        return {
            "members": n,
            "rows": rows,
            "copy_text": rows / copy_text_s,
            "copy_binary": rows / copy_binary_s,
            "ingest": rows / ingest_s,
            "ingest_s": ingest_s,
            "peak_rss_mb": peak_mb,
        }
    finally:
        down(ctx)


def measure(n: int, chunk_rows: int | None) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"lec-ingest-bench-{n}-"))
    workdir.chmod(0o755)
    try:
        print(f"N = {n}: generating, importing, COPYing, ingesting…", file=sys.stderr, flush=True)
        extra = ["--chunk-rows", str(chunk_rows)] if chunk_rows else []
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--workdir", str(workdir), *extra],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if out.returncode != 0:
            print(out.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"benchmark for N={n} failed")
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(rows: list[dict]) -> None:
    print(
        "| members | rows | raw COPY csv rows/s | raw COPY binary rows/s | oracle ingest rows/s | ingest / best COPY "
        "| ingest s | ingest peak RSS MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = r["ingest"] / max(r["copy_text"], r["copy_binary"])
        print(
            f"| {r['members']:,} | {r['rows']:,} | {r['copy_text']:,.0f} | {r['copy_binary']:,.0f} | "
            f"{r['ingest']:,.0f} | {ratio:.2f} | {r['ingest_s']:.1f} | {r['peak_rss_mb']:,.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--chunk-rows", type=int, help="lines per chunk (default: the loader's CHUNK_ROWS)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        import warnings

        warnings.filterwarnings("ignore")
        print(json.dumps(run_size(args.one, args.workdir, args.chunk_rows)))
        return
    print_table([measure(n, args.chunk_rows) for n in args.sizes])


if __name__ == "__main__":
    main()
