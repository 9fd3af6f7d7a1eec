"""A small community with hand-computable data, built through the oracle's own commands."""
from __future__ import annotations

from pathlib import Path

from eth_utils import to_checksum_address

from oracle.communities import create_community
from oracle.ingest.loader import ingest_file
from oracle.members import import_members
from oracle.model_registry import publish_model

from .conftest import unique_name, write

ANNA = to_checksum_address("0x00000000000000000000000000000000000000a1")  # citizen, consumer
BRUNO = to_checksum_address("0x00000000000000000000000000000000000000b2")  # citizen, prosumer (load + PV meters)
SHOP = to_checksum_address("0x00000000000000000000000000000000000000c3")  # stakeholder, consumer

MEMBERS_CSV = f"""wallet,name,email,kind,profile,deviceid
{ANNA},Anna Rossi,anna@example.org,citizen,consumer,{{p}}A-M
{BRUNO},Bruno Bianchi,bruno@example.org,citizen,prosumer,{{p}}B-M
{BRUNO},Bruno Bianchi,bruno@example.org,citizen,prosumer,{{p}}B-PV
{SHOP},Bottega Verde,shop@example.org,stakeholder,consumer,{{p}}C-M
"""

# One hour, 2026-10-01 00:00-01:00 UTC, Wh per quarter-hour (Anna has no reading at 00:45).
READINGS_CSV = """deviceid,timestamp,energy
{p}A-M,2026-10-01T02:00:00+02:00,400
{p}A-M,2026-10-01T02:15:00+02:00,300
{p}A-M,2026-10-01T02:30:00+02:00,100
{p}B-M,2026-10-01T02:00:00+02:00,200
{p}B-M,2026-10-01T02:15:00+02:00,100
{p}B-M,2026-10-01T02:30:00+02:00,100
{p}B-M,2026-10-01T02:45:00+02:00,0
{p}B-PV,2026-10-01T02:00:00+02:00,-600
{p}B-PV,2026-10-01T02:15:00+02:00,-200
{p}B-PV,2026-10-01T02:30:00+02:00,0
{p}B-PV,2026-10-01T02:45:00+02:00,-1000
{p}C-M,2026-10-01T02:00:00+02:00,0
{p}C-M,2026-10-01T02:15:00+02:00,200
{p}C-M,2026-10-01T02:30:00+02:00,100
{p}C-M,2026-10-01T02:45:00+02:00,500
"""
START, END = "2026-10-01T00:00:00+00:00", "2026-10-01T01:00:00+00:00"

# self_consumption with alpha_consumer = 1, alpha_producer = 0.5 token/kWh, worked out by hand:
#   t0: L = 400+200+0 = 600, P = 600, S = 600     t1: L = 300+100+200 = 600, P = 200, S = 200
#   t2: L = 100+100+100 = 300, P = 0,  S = 0      t3: L = 0+0+500 = 500 (Anna missing = 0), P = 1000, S = 500
#   Anna:  (600*400/600 + 200*300/600) / 1000 = (400 + 100)/1000 = 0.5
#   Bruno: consumer (600*200/600 + 200*100/600)/1000 = 0.2333333…; producer 0.5*(600+200+500)/1000 = 0.65
#          total 0.8833333… -> 0.883333 (rounded down to 1e-6)
#   Shop:  (200*200/600 + 500*500/500)/1000 = 0.5666666… -> 0.566666
EXPECTED = {ANNA: 500_000 * 10**12, BRUNO: 883_333 * 10**12, SHOP: 566_666 * 10**12}


def devices_prefix(name: str) -> str:
    """Meter ids are unique on the platform: each test community gets its own."""
    return name.replace(" ", "") + "-"


def small_community(ctx, tmp_path: Path, *, name: str | None = None) -> str:
    name = name or unique_name()
    p = devices_prefix(name)
    create_community(ctx, name, welcome_citizen="100", welcome_stakeholder="500", fee_bps=100, endowment="10000")
    import_members(ctx, name, write(tmp_path / "members.csv", MEMBERS_CSV.format(p=p)))
    ingest_file(ctx, name, write(tmp_path / "readings.csv", READINGS_CSV.format(p=p)))
    publish_model(ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    return name
