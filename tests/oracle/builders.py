"""A small community with hand-computable data, built through the oracle's own commands."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

from eth_utils import to_checksum_address

from oracle.communities import create_community, get_community
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
WELCOME = {ANNA: 100 * 10**18, BRUNO: 100 * 10**18, SHOP: 500 * 10**18}
# Leaf indexes: wallets in address order (0x…a1 < 0x…b2 < 0x…c3).
INDEX = {ANNA: 0, BRUNO: 1, SHOP: 2}

# The same hour without Anna (not an active member on-chain when the epoch selects its members):
#   L = Bruno + Shop: t0 200, t1 300, t2 200, t3 500; P: 600, 200, 0, 1000; S = min: 200, 200, 0, 500
#   Bruno: consumer (200*200/200 + 200*100/300 + 0 + 500*0/500)/1000 = 0.2666666…
#          producer 0.5*(200 + 200 + 0 + 500)/1000 = 0.45; total 0.7166666… -> 0.716666
#   Shop:  (200*0/200 + 200*200/300 + 500*500/500)/1000 = 0.6333333… -> 0.633333
EXPECTED_WITHOUT_ANNA = {BRUNO: 716_666 * 10**12, SHOP: 633_333 * 10**12}


def devices_prefix(name: str) -> str:
    """Meter ids are unique on the platform: each test community gets its own."""
    return name.replace(" ", "") + "-"


def small_community(
    ctx, tmp_path: Path, *, name: str | None = None, endowment: str = "10000", reward_ceiling: str = "100000"
) -> str:
    name = name or unique_name()
    p = devices_prefix(name)
    new_community(ctx, name, endowment=endowment, reward_ceiling=reward_ceiling)
    import_members(ctx, name, write(tmp_path / "members.csv", MEMBERS_CSV.format(p=p)))
    ingest_file(ctx, name, write(tmp_path / "readings.csv", READINGS_CSV.format(p=p)))
    publish_model(ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    return name


def new_community(ctx, name: str, *, endowment: str = "10000", reward_ceiling: str = "100000") -> None:
    """A community with the tests' usual settings: welcome 100 (citizen) and 500 (stakeholder), fee 1 %."""
    create_community(
        ctx,
        name,
        welcome_citizen="100",
        welcome_stakeholder="500",
        fee_bps=100,
        endowment=endowment,
        reward_ceiling=reward_ceiling,
    )


def epoch_run_argv(ctx, name: str, start: str, end: str) -> list[str]:
    """`oracle epoch run` of a community, as a subprocess's command line."""
    home = str(ctx.settings.home)
    return [sys.executable, "-m", "oracle.cli", "--home", home, "epoch", "run", "--community", name] + [
        "--start",
        start,
        "--end",
        end,
    ]


def one_member_per_batch() -> dict[str, str]:
    """The environment of a subprocess paying one member per batch (crashes and stops fall between payments)."""
    return {**os.environ, "LEC_BATCH_SIZE": "1"}


def quiet(*_):
    pass


def balances(ctx, name: str) -> dict[str, int]:
    token = ctx.chain.token(get_community(ctx, name).token_address)
    return {w: token.functions.balanceOf(w).call() for w in (ANNA, BRUNO, SHOP)}


def paid_out(amounts: dict[str, int]) -> dict[str, int]:
    """Balances after the welcome bonuses and `amounts`."""
    return {w: WELCOME[w] + amounts.get(w, 0) for w in WELCOME}


@contextmanager
def platform_setting(ctx, setter, value: int):
    """A platform admin's setting (`setter` of a platform contract, e.g. the notary's setChallengeWindow) at
    `value` for the block, then back to 0, the development default."""
    chain = ctx.chain
    chain.send(setter(value), "platform_admin")
    try:
        yield
    finally:
        chain.send(setter(0), "platform_admin")


def challenge_window(ctx, seconds: int):
    """Commits made in the block get a challenge window of `seconds`."""
    return platform_setting(ctx, ctx.chain.notary.functions.setChallengeWindow, seconds)


def min_notice(ctx, seconds: int):
    """The registry's model-change notice for the block."""
    return platform_setting(ctx, ctx.chain.registry.functions.setMinNotice, seconds)
