"""The epoch at scale gives the same bytes and the same rewards as the definitions.

The fast paths (readings as arrays from one binary COPY per meter, lines written by numpy, models fed
integer codes) are compared with a reference written here from README "### Epochs" (canonical
serialization): one line per reading, UTF-8, sorted by device id then time,
`<deviceid>,<UTC time YYYY-MM-DDTHH:MM:SSZ>,<Wh with 3 decimals>\\n`, the decimals as Python's "{:.3f}"
(correctly rounded, ties to even on the exact binary value), and — as every data hash committed so far
was made (oracle/epochs/canonical.py `_texts`, dapp_frontend canonical.js `canonicalEnergy`) — a negative
value that rounds to zero written 0.000 while an exact negative zero stays -0.000.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from eth_utils import keccak

from oracle.epochs import canonical
from oracle.epochs.compute import compute_epoch
from oracle.epochs.data import epoch_readings_from_frame, load_epoch_readings, load_readings
from oracle.epochs.hashing import member_canonical_bytes, salted_hashes
from oracle.models import compute_rewards

from .builders import ANNA, BRUNO, EXPECTED, SHOP
from .conftest import unique_name, write

ORIGIN = datetime(2026, 9, 1, tzinfo=UTC)
START, END = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC)
EDGE_WH = [
    0.0,
    -0.0,
    -0.0004,
    -0.0005,
    0.0005,
    1.0005,
    2.0005,
    -1.0005,
    1234.5675,
    0.0625,
    0.1875,
    -0.3125,
    -2.5,
    9.9995,
    99999.9995,
    399999.999,
    0.5,
    1e-9,
    -1e-9,
]
METERS = ["M-1", "Zähler-α", "電表-7", "m-🙂", "A", "PV-long-meter-id-with-many-characters-0042", "é"]


def reference_energy(x: float) -> str:
    text = f"{x:.3f}"
    return "0.000" if text == "-0.000" and x != 0 else text


def reference_canonical(rows) -> bytes:
    """rows: (meter id, Unix seconds, Wh) of one member, in any order."""
    ordered = sorted(rows, key=lambda row: (row[0], row[1]))  # str order = code point order
    return "".join(
        f"{d},{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%SZ},{reference_energy(e)}\n" for d, t, e in ordered
    ).encode("utf-8")


def reference_by_member(frame: pd.DataFrame) -> dict[str, bytes]:
    return {
        member: reference_canonical(list(zip(group.device, group.ts_s, group.energy)))
        for member, group in frame.groupby("member")
    }


def mixed_readings(
    seed: int, members: int = 5, per_meter: int = 40, big: bool = False, dense: bool = False
) -> pd.DataFrame:
    """Several members with one to three meters each (ids non-ASCII, of different lengths), shuffled rows,
    energies with the rounding edge cases, a member whose times are off the 15-minute grid; `dense`: every
    quarter-hour from ORIGIN on, else scattered over two months."""
    rng = np.random.default_rng(seed)
    rows = []
    for m in range(members):
        wallet = "0x" + f"{m + 1:02x}" * 20
        for meter in rng.choice(METERS, size=1 + m % 3, replace=False):
            meter_id = f"{meter}/{m}"
            slots = np.arange(per_meter) if dense else rng.choice(np.arange(2 * 96 * 31), size=per_meter, replace=False)
            stamps = slots * 900
            if m == 1:
                stamps = stamps + rng.integers(1, 899, size=per_meter)  # off the grid
            for k, t in enumerate(stamps):
                energy = (
                    EDGE_WH[k % len(EDGE_WH)] * rng.choice([1, -1])
                    if k % 3 == 0
                    else round(float(rng.uniform(-3000, 3000)), int(rng.integers(0, 5)))
                )
                rows.append((wallet, meter_id, int(ORIGIN.timestamp()) + int(t), energy))
    if big:
        rows.append(("0x" + "01" * 20, "M-big", int(ORIGIN.timestamp()), 1.5e6))  # Python's own formatting
    frame = pd.DataFrame(rows, columns=["member", "device", "ts_s", "energy"])
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed, big", [(1, False), (2, False), (3, True)])
def test_canonical_bytes_and_hashes_equal_the_reference(seed, big):
    frame = mixed_readings(seed, big=big)
    expected = reference_by_member(frame)
    readings = epoch_readings_from_frame(frame, ORIGIN)
    for rows_per_slice in (1, 37, 1_000_000):  # a member alone, a few members, all at once
        assert dict(member_canonical_bytes(readings, rows_per_slice)) == expected
    assert canonical.canonical_bytes_by_member(frame) == expected  # the take-out's reader agrees too
    for member, group in frame.groupby("member"):
        assert canonical.canonical_bytes(canonical.canonical_lines(group)) == expected[member]
    salts = {member: keccak(member.encode()) for member in expected} | {"0x" + "ee" * 20: b"\x07" * 32}
    for processes in (1, 2):  # in this process, and in two forked workers as an epoch of millions does
        hashes = salted_hashes(readings, salts, processes=processes)
        assert hashes == {member: keccak(salt + expected.get(member, b"")) for member, salt in salts.items()}


def test_numpy_energy_text_is_pythons_for_ties_and_random_decimals():
    rng = np.random.default_rng(11)
    values = np.concatenate(
        [
            np.arange(-4000, 4000) / 2000,  # every k/2000: ties at three decimals
            np.arange(-400, 400) / 16,  # exact binary ties (odd multiples of 1/16)
            np.round(rng.uniform(-250_000, 250_000, 20_000), 4),  # four decimals: x.xxx5 cases
            rng.uniform(-1, 1, 20_000) * 10.0 ** rng.integers(-6, 5, 20_000),
            np.nextafter(np.arange(1, 200) / 2000, 0),
            np.nextafter(np.arange(1, 200) / 2000, 1),
            [-0.0, 0.0, 399_999.9994, -399_999.9996],
        ]
    )
    device = np.zeros(len(values), dtype=np.int64)
    ts = np.full(len(values), int(START.timestamp()))
    block, ends = canonical.canonical_block(["M"], device, ts, values)
    lines = block.tobytes().decode().splitlines(keepends=True)
    assert len(lines) == len(values) and ends[-1] == len(block)
    assert [line.split(",")[2] for line in lines] == [reference_energy(float(v)) + "\n" for v in values]


def sample_frame() -> pd.DataFrame:
    """The sample community of builders.py (one hour, hand-computed rewards), with a baseline hour before."""
    t0 = int(START.timestamp())
    hour = {
        "A-M": [400, 300, 100, None],
        "B-M": [200, 100, 100, 0],
        "B-PV": [-600, -200, 0, -1000],
        "C-M": [0, 200, 100, 500],
    }
    owner = {"A-M": ANNA, "B-M": BRUNO, "B-PV": BRUNO, "C-M": SHOP}
    rows = [
        (owner[meter], meter, t0 + 900 * k, float(e))
        for meter, values in hour.items()
        for k, e in enumerate(values)
        if e is not None
    ]
    rows += [(w, d, t - 3600, e * 1.5) for w, d, t, e in rows]  # the previous hour: peaks 1.5 times higher
    return pd.DataFrame(rows, columns=["member", "device", "ts_s", "energy"])


def model_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(ts=pd.to_datetime(frame["ts_s"], unit="s", utc=True))[["member", "device", "ts", "energy"]]


def test_sample_community_rewards_as_hand_computed_through_the_fast_path():
    frame = sample_frame()
    origin = datetime.fromtimestamp(int(frame.ts_s.min()), UTC)
    end = datetime.fromtimestamp(int(START.timestamp()) + 3600, UTC)
    result = compute_epoch(
        "self_consumption",
        {"alpha_consumer": 1, "alpha_producer": 0.5},
        epoch_readings_from_frame(frame, origin),
        [ANNA, BRUNO, SHOP],
        START,
        end,
    )
    assert result.result.amounts == EXPECTED  # builders.py works them out by hand
    assert result.reading_counts == {ANNA: 6, BRUNO: 16, SHOP: 8}


@pytest.mark.parametrize(
    "model, params",
    [
        ("self_consumption", {"alpha_consumer": 1.3, "alpha_producer": 0.7}),
        ("peak_shaving", {"beta": 2, "cap": 5, "q": 90, "min_coverage": 0.5}),
        ("combined", {"alpha_consumer": 1, "alpha_producer": 0.5, "beta": 3, "cap": 50, "w_sc": 1, "w_ps": 2}),
    ],
)
def test_fast_compute_equals_the_dataframe_models(model, params):
    frame = pd.concat([sample_frame(), mixed_readings(5, members=7, per_meter=6 * 96, dense=True)], ignore_index=True)
    wallets = sorted(set(frame.member)) + ["0x" + "ab" * 20]  # a member without readings
    start, end = datetime(2026, 9, 4, tzinfo=UTC), datetime(2026, 9, 7, tzinfo=UTC)
    readings = epoch_readings_from_frame(frame, ORIGIN)
    ordered = model_frame(
        pd.DataFrame(
            {  # the models sum a member's meters in this order either way
                "member": np.repeat(np.array(readings.wallets)[readings.device_member], np.diff(readings.bounds)),
                "device": np.repeat(readings.device_ids, np.diff(readings.bounds)),
                "ts_s": readings.ts_seconds(0, len(readings)),
                "energy": readings.energy,
            }
        )
    )
    before = compute_rewards(model, params, ordered, wallets, pd.Timestamp(start), pd.Timestamp(end))
    after = compute_epoch(model, params, readings, wallets, start, end).result
    assert after.amounts == before.amounts and sum(before.amounts.values()) > 0
    assert after.tokens == before.tokens
    assert after.member_kpis == before.member_kpis and after.community_kpis == before.community_kpis


NON_ASCII_MEMBERS = """wallet,name,email,kind,profile,deviceid
0x00000000000000000000000000000000000000d4,Dora,dora@example.org,citizen,prosumer,{p}Zähler-α
0x00000000000000000000000000000000000000d4,Dora,dora@example.org,citizen,prosumer,{p}電表-PV
0x00000000000000000000000000000000000000e5,Ezio,ezio@example.org,citizen,consumer,{p}m-é
"""


def test_database_reader_gives_the_take_out_readers_bytes(ctx, tmp_path):
    """Non-ASCII meter ids, negative zero and ties, loaded from PostgreSQL by both readers."""
    from oracle.communities import create_community, get_community
    from oracle.ingest.loader import ingest_file
    from oracle.members import import_members

    name = unique_name("Scale LEC")
    p = name.replace(" ", "") + "-"
    create_community(ctx, name, welcome_citizen="0", endowment="10")
    import_members(ctx, name, write(tmp_path / "members.csv", NON_ASCII_MEMBERS.format(p=p)), log=lambda _: None)
    energies = ["-0.0", "1.0005", "2.0005", "-0.0004", "0.0625", "-1234.5675", "7", "-0.0005"]
    lines = [
        f"{p}{meter},2026-10-01T{k // 4:02d}:{15 * (k % 4):02d}:00Z,{e}"
        for meter in ("Zähler-α", "電表-PV", "m-é")
        for k, e in enumerate(energies)
    ]
    ingest_file(ctx, name, write(tmp_path / "readings.csv", "deviceid,timestamp,energy\n" + "\n".join(lines) + "\n"))
    community = get_community(ctx, name)
    with ctx.session() as s:
        readings = load_epoch_readings(ctx.engine, s, community.id, START, END, 10**9)
    old = load_readings(ctx.engine, community.id, START, END, 10**9)
    assert len(readings) == len(old) == 24
    expected = reference_by_member(old.astype({"member": str, "device": str}))
    assert dict(member_canonical_bytes(readings)) == expected == canonical.canonical_bytes_by_member(old)
    assert sum("Zähler-α".encode() in data for data in expected.values()) == 1


def test_fast_compute_sums_a_meters_readings_within_one_quarter_hour_like_the_dataframe_models():
    """Times off the grid: two readings of one meter in the same quarter-hour are summed before clipping."""
    t0 = int(START.timestamp())
    frame = pd.DataFrame(
        [
            (ANNA, "A-M", t0, 100.0),
            (ANNA, "A-M", t0 + 300, -400.0),
            (ANNA, "A-M", t0 + 900, 50.0),
            (BRUNO, "B-PV", t0, -200.0),
            (BRUNO, "B-PV", t0 + 600, -100.0),
            (SHOP, "C-M", t0, 300.0),
        ],
        columns=["member", "device", "ts_s", "energy"],
    )
    end = datetime.fromtimestamp(t0 + 1800, UTC)
    params = {"alpha_consumer": 1, "alpha_producer": 0.5}
    after = compute_epoch(
        "self_consumption", params, epoch_readings_from_frame(frame, START), [ANNA, BRUNO, SHOP], START, end
    ).result
    before = compute_rewards(
        "self_consumption", params, model_frame(frame), [ANNA, BRUNO, SHOP], pd.Timestamp(START), pd.Timestamp(end)
    )
    # t0: Anna 100 - 400 = -300 (produces 300), Bruno produces 300, Shop takes 300: L = 300, P = 600, S = 300;
    # t1: Anna takes 50, nobody produces. Shop: 1 * 300 * 300/300 / 1000; Anna: 0.5 * 300 * 300/600 / 1000, Bruno too
    assert after.amounts == before.amounts == {ANNA: 75_000 * 10**12, BRUNO: 75_000 * 10**12, SHOP: 300_000 * 10**12}
    assert after.member_kpis == before.member_kpis
