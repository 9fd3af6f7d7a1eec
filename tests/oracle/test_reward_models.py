"""Reward models (oracle/models): hand-computed cases, parameter handling, rounding, properties.

Every expected number below is worked out by hand in the comments; none comes from the code
under test. Energies in Wh, sign convention of DOMAIN.md (withdrawn/absorbed > 0, injected < 0,
battery > 0 when charging). kW of a quarter-hour = 4 * Wh / 1000 = Wh / 250.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.models import (
    DEFAULTS,
    INTERVAL,
    MODEL_IDS,
    PARAM_DECIMALS,
    REQUIRED_PARAMETERS,
    MemberFrames,
    RewardResult,
    combined,
    community_kpis,
    compute_rewards,
    interval_grid,
    member_frames,
    member_kpis,
    params_from_chain,
    params_to_chain,
    peak_shaving,
    self_consumption,
    to_base_units,
    validate_params,
)
from oracle.models.percentiles import masked_percentiles

T0 = pd.Timestamp("2024-01-01 00:00", tz="UTC")
WEI = 10**18


def at(k: int) -> pd.Timestamp:
    """Start of interval k after T0 (negative k: the previous period)."""
    return T0 + k * INTERVAL


def readings(rows) -> pd.DataFrame:
    """rows: (member, device, interval number, energy Wh)."""
    df = pd.DataFrame(rows, columns=["member", "device", "k", "energy"])
    df["ts"] = pd.to_datetime([at(k) for k in df["k"]], utc=True)
    df["energy"] = df["energy"].astype(float)
    return df[["member", "device", "ts", "energy"]]


# --------------------------------------------------------------------------------------------
# Small community, epoch = 4 intervals t0..t3.
#   A: consumer, one meter "a".
#   B: prosumer, devices "load" (consuming) and "pv" (producing).
#   C: battery "bat", +charging / -discharging.
#
#           A      B.load  B.pv    C.bat    |  L_A  L_B  L_C   L  | P_B  P_C   P  |  S
#   t0     100      50    -200     +50      |  100   50   50  200 | 200    0  200 | 200
#   t1     300     100    -100    -200      |  300  100    0  400 | 100  200  300 | 300
#   t2     200     100     (-)     (-)      |  200  100    -  300 |   0    -    0 |   0   P(t)=0
#   t3     (-)       0    -100    -100      |    -    0    0    0 | 100  100  200 |   0   L(t)=0
#   (-) = no reading: counts as 0. ΣS = 500, ΣL = 900, ΣP = 700.
# --------------------------------------------------------------------------------------------
MEMBERS = ["A", "B", "C"]
SMALL = readings(
    [
        ("A", "a", 0, 100),
        ("B", "load", 0, 50),
        ("B", "pv", 0, -200),
        ("C", "bat", 0, 50),
        ("A", "a", 1, 300),
        ("B", "load", 1, 100),
        ("B", "pv", 1, -100),
        ("C", "bat", 1, -200),
        ("A", "a", 2, 200),
        ("B", "load", 2, 100),
        ("B", "load", 3, 0),
        ("B", "pv", 3, -100),
        ("C", "bat", 3, -100),
    ]
)
SC_PARAMS = {"alpha_consumer": 2.0, "alpha_producer": 1.0}


def small_frames() -> MemberFrames:
    return member_frames(SMALL, MEMBERS, T0, at(4))


def test_member_frames_small():
    f = small_frames()
    assert list(f.load.columns) == MEMBERS
    assert list(f.load.index) == [at(0), at(1), at(2), at(3)]
    assert str(f.load.index.tz) == "UTC"
    assert f.load.to_numpy().tolist() == [[100, 50, 50], [300, 100, 0], [200, 100, 0], [0, 0, 0]]
    assert f.production.to_numpy().tolist() == [[0, 200, 0], [0, 100, 200], [0, 0, 0], [0, 100, 100]]
    assert f.has_data.to_numpy().tolist() == [
        [True, True, True],
        [True, True, True],
        [True, True, False],
        [False, True, True],
    ]


def test_self_consumption_hand_computed():
    # consumer term Σ_t S·L_i/L (Wh):
    #   A: t0 200·100/200 = 100, t1 300·300/400 = 225, t2 S=0, t3 L=0 -> 0   => 325
    #   B: t0 200·50/200 = 50,   t1 300·100/400 = 75                        => 125
    #   C: t0 200·50/200 = 50,   t1 300·0/400 = 0                           =>  50   (sum 500 = ΣS)
    # producer term Σ_t S·P_i/P (Wh):
    #   B: t0 200·200/200 = 200, t1 300·100/300 = 100, t2 P=0 -> 0, t3 S=0  => 300
    #   C: t1 300·200/300 = 200                                             => 200
    # reward = 2·consumer/1000 + 1·producer/1000:
    #   A = 2·0.325 = 0.65;  B = 2·0.125 + 0.3 = 0.55;  C = 2·0.05 + 0.2 = 0.3
    tokens = self_consumption(small_frames(), SC_PARAMS)
    assert list(tokens.index) == MEMBERS
    assert tokens.to_numpy() == pytest.approx([0.65, 0.55, 0.3], rel=1e-12)
    # total = (2 + 1)·ΣS/1000 = 3·0.5 = 1.5
    assert tokens.sum() == pytest.approx(1.5, rel=1e-12)


def test_self_consumption_alpha_zero_and_no_production():
    # alpha_producer = 0: only consumer terms: A 2·0.325 = 0.65, B 0.25, C 0.1
    tokens = self_consumption(small_frames(), {"alpha_consumer": 2, "alpha_producer": 0})
    assert tokens.to_numpy() == pytest.approx([0.65, 0.25, 0.1], rel=1e-12)
    # no production at all: S = 0 everywhere -> 0 for everyone
    only_loads = readings([("A", "a", 0, 100), ("B", "load", 1, 50)])
    tokens = self_consumption(member_frames(only_loads, MEMBERS, T0, at(4)), SC_PARAMS)
    assert tokens.to_numpy().tolist() == [0.0, 0.0, 0.0]


def test_member_kpis_hand_computed():
    k = member_kpis(small_frames())  # q = 97.5
    # A: L = 100, 300, 200, (-); P = 0 -> Σmin(L,P) = 0, ΣP = 0 -> self-consumption undefined,
    #    self-sufficiency 0/600 = 0 %. kW on its 3 intervals with data: 0.4, 1.2, 0.8 ->
    #    sorted 0.4, 0.8, 1.2; 97.5th: h = 2·0.975 = 1.95 -> 0.8 + 0.95·(1.2 - 0.8) = 1.18;
    #    2.5th: h = 2·0.025 = 0.05 -> 0.4 + 0.05·0.4 = 0.42. withdrawn 0.6 kWh, coverage 3/4.
    assert k["A"] == pytest.approx(
        {
            "self_consumption_pct": None,
            "self_sufficiency_pct": 0.0,
            "peak_kw": 1.18,
            "base_kw": 0.42,
            "withdrawn_kwh": 0.6,
            "injected_kwh": 0.0,
            "coverage": 0.75,
        }
    )
    assert k["A"]["self_consumption_pct"] is None
    # B: L = 50, 100, 100, 0; P = 200, 100, 0, 100; min = 50, 100, 0, 0 -> 150.
    #    self-consumption 150/400 = 37.5 %; self-sufficiency 150/250 = 60 %.
    #    kW 0.2, 0.4, 0.4, 0 (4 intervals with data) -> sorted 0, 0.2, 0.4, 0.4;
    #    97.5th: h = 3·0.975 = 2.925 -> 0.4 + 0.925·0 = 0.4; 2.5th: h = 0.075 -> 0.075·0.2 = 0.015.
    assert k["B"] == pytest.approx(
        {
            "self_consumption_pct": 37.5,
            "self_sufficiency_pct": 60.0,
            "peak_kw": 0.4,
            "base_kw": 0.015,
            "withdrawn_kwh": 0.25,
            "injected_kwh": 0.4,
            "coverage": 1.0,
        }
    )
    # C (battery): L = 50, 0, (-), 0; P = 0, 200, (-), 100; min = 0 -> 0/300 = 0 %, 0/50 = 0 %.
    #    kW on t0, t1, t3: 0.2, 0, 0 -> sorted 0, 0, 0.2; 97.5th: h = 1.95 -> 0 + 0.95·0.2 = 0.19;
    #    2.5th: h = 0.05 -> 0. withdrawn 0.05 kWh, injected 0.3 kWh, coverage 3/4.
    assert k["C"] == pytest.approx(
        {
            "self_consumption_pct": 0.0,
            "self_sufficiency_pct": 0.0,
            "peak_kw": 0.19,
            "base_kw": 0.0,
            "withdrawn_kwh": 0.05,
            "injected_kwh": 0.3,
            "coverage": 0.75,
        }
    )
    # q = 50 for A: h = 2·0.5 = 1 -> 0.8 exactly
    assert member_kpis(small_frames(), q=50)["A"]["peak_kw"] == pytest.approx(0.8)


def test_community_kpis_hand_computed():
    c = community_kpis(small_frames())
    # ΣS = 500, ΣP = 700, ΣL = 900 -> 500/700 = 71.428571 %, 500/900 = 55.5 %.
    # community kW: 0.8, 1.6, 1.2, 0.0 (every interval has some data) -> sorted 0, 0.8, 1.2, 1.6;
    # 97.5th: h = 3·0.975 = 2.925 -> 1.2 + 0.925·0.4 = 1.57; 2.5th: h = 0.075 -> 0.075·0.8 = 0.06.
    # coverage: cells with data A 3 + B 4 + C 3 = 10 of 12.
    assert c == pytest.approx(
        {
            "self_consumption_pct": 100 * 500 / 700,
            "self_sufficiency_pct": 100 * 500 / 900,
            "peak_kw": 1.57,
            "base_kw": 0.06,
            "withdrawn_kwh": 0.9,
            "injected_kwh": 0.7,
            "coverage": 10 / 12,
        }
    )
    assert all(type(v) is float for v in c.values())


def test_kpis_undefined_are_none_and_json_serialisable():
    empty = member_frames(readings([]), ["A", "B"], T0, at(4))
    c = community_kpis(empty)
    assert c["self_consumption_pct"] is None and c["self_sufficiency_pct"] is None
    assert c["peak_kw"] is None and c["base_kw"] is None
    assert c["withdrawn_kwh"] == 0.0 and c["coverage"] == 0.0
    m = member_kpis(empty)
    assert m["A"] == {
        "self_consumption_pct": None,
        "self_sufficiency_pct": None,
        "peak_kw": None,
        "base_kw": None,
        "withdrawn_kwh": 0.0,
        "injected_kwh": 0.0,
        "coverage": 0.0,
    }
    json.dumps(m), json.dumps(c)
    assert "NaN" not in json.dumps(member_kpis(small_frames()))


def test_member_frames_missing_duplicates_offgrid_foreign_rows():
    rows = readings(
        [
            ("A", "a", 0, 100),
            ("A", "a", 0, -30),  # same device, same interval: net 70 (summed before clipping)
            ("A", "b", 0, -30),  # other device: production 30
            ("X", "x", 0, 999),  # not a member: ignored
            ("A", "a", 4, 999),  # at end: outside [start, end)
            ("A", "a", -1, 999),  # before start: ignored
            ("B", "b", 1, float("nan")),  # NULL reading: no data
        ]
    )
    off_grid = readings([("A", "a", 2, 40)])
    off_grid["ts"] = off_grid["ts"] + pd.Timedelta(minutes=7)  # 00:37 -> interval 00:30
    f = member_frames(pd.concat([rows, off_grid], ignore_index=True), ["A", "B"], T0, at(4))
    # A: L = 70, 0, 40, 0; P = 30, 0, 0, 0; B: nothing
    assert f.load.to_numpy().tolist() == [[70, 0], [0, 0], [40, 0], [0, 0]]
    assert f.production.to_numpy().tolist() == [[30, 0], [0, 0], [0, 0], [0, 0]]
    assert f.has_data.to_numpy().tolist() == [[True, False], [False, False], [True, False], [False, False]]


def test_member_frames_categorical_and_non_utc_columns():
    df = SMALL.copy()
    df["member"] = df["member"].astype("category")
    df["device"] = df["device"].astype("category")
    df["ts"] = df["ts"].dt.tz_convert("Europe/Rome").dt.as_unit("ns")
    f = member_frames(df, ["C", "A", "B"], T0, at(4))
    ref = small_frames()
    assert list(f.load.columns) == ["C", "A", "B"]
    pd.testing.assert_frame_equal(f.load[MEMBERS], ref.load, check_names=False)
    pd.testing.assert_frame_equal(f.production[MEMBERS], ref.production, check_names=False)
    pd.testing.assert_frame_equal(f.has_data[MEMBERS], ref.has_data, check_names=False)
    # object columns, rows in reverse order, ts in seconds: same frames
    df = SMALL.iloc[::-1].astype({"member": object, "device": object})
    df["ts"] = df["ts"].dt.as_unit("s")
    f = member_frames(df, MEMBERS, T0, at(4))
    pd.testing.assert_frame_equal(f.load, ref.load)
    pd.testing.assert_frame_equal(f.production, ref.production)
    pd.testing.assert_frame_equal(f.has_data, ref.has_data)


def test_member_frames_errors():
    naive = SMALL.copy()
    naive["ts"] = naive["ts"].dt.tz_localize(None)
    with pytest.raises(ValueError, match="timezone-aware"):
        member_frames(naive, MEMBERS, T0, at(4))
    with pytest.raises(ValueError, match="duplicate member"):
        member_frames(SMALL, ["A", "A"], T0, at(4))
    with pytest.raises(ValueError, match="column"):
        member_frames(SMALL.drop(columns="device"), MEMBERS, T0, at(4))


# --------------------------------------------------------------------------------------------
# Peak shaving: previous period = intervals -4..-1, epoch = 0..3, beta = 10 tokens/kW.
#   X previous Wh 250, 500, 1000, 750 -> kW 1, 2, 4, 3 (sorted 1, 2, 3, 4)
#     epoch    Wh 250, 250, 500, 500  -> kW 1, 1, 2, 2
#     q=50:  h = 3·0.5 = 1.5 -> baseline 2 + 0.5·(3-2) = 2.5; peak 1 + 0.5·(2-1) = 1.5
#            reward 10·(2.5 - 1.5) = 10
#     q=100: baseline 4, peak 2 -> 10·2 = 20 (cap 15 binds -> 15)
#   Y previous 250 ×4 (kW 1), epoch 500 ×4 (kW 2): baseline < peak -> 0
#   Z previous 500 ×4 (kW 2), epoch 250, 250, 250, (-) (kW 1 on 3 of 4 intervals):
#     coverage 3/4 = 0.75 -> 10·(2 - 1) = 10 if min_coverage <= 0.75, else 0
#   W previous 500, 500, (-), (-) (coverage 1/2), epoch 250 ×4 -> 0 with min_coverage 0.75
# --------------------------------------------------------------------------------------------
PS_MEMBERS = ["X", "Y", "Z", "W"]
PS = readings(
    [("X", "m", k - 4, e) for k, e in enumerate([250, 500, 1000, 750])]
    + [("X", "m", k, e) for k, e in enumerate([250, 250, 500, 500])]
    + [("Y", "m", k - 4, 250) for k in range(4)]
    + [("Y", "m", k, 500) for k in range(4)]
    + [("Z", "m", k - 4, 500) for k in range(4)]
    + [("Z", "m", k, 250) for k in range(3)]
    + [("W", "m", -4, 500), ("W", "m", -3, 500)]
    + [("W", "m", k, 250) for k in range(4)]
)


def ps_frames():
    return (member_frames(PS, PS_MEMBERS, T0, at(4)), member_frames(PS, PS_MEMBERS, at(-4), T0))


def test_peak_shaving_q50():
    epoch, previous = ps_frames()
    tokens = peak_shaving(epoch, previous, {"beta": 10, "cap": 100, "q": 50, "min_coverage": 0.75})
    assert tokens.to_dict() == pytest.approx({"X": 10.0, "Y": 0.0, "Z": 10.0, "W": 0.0})


def test_peak_shaving_q100_and_cap():
    epoch, previous = ps_frames()
    tokens = peak_shaving(epoch, previous, {"beta": 10, "cap": 100, "q": 100, "min_coverage": 0.75})
    assert tokens.to_dict() == pytest.approx({"X": 20.0, "Y": 0.0, "Z": 10.0, "W": 0.0})
    capped = peak_shaving(epoch, previous, {"beta": 10, "cap": 15, "q": 100, "min_coverage": 0.75})
    assert capped.to_dict() == pytest.approx({"X": 15.0, "Y": 0.0, "Z": 10.0, "W": 0.0})


def test_peak_shaving_coverage_defaults():
    epoch, previous = ps_frames()
    # default min_coverage 0.9: Z (epoch 0.75) and W (previous 0.5) get 0.
    # default q 97.5: X baseline h = 3·0.975 = 2.925 -> 3 + 0.925·1 = 3.925; peak 2 + 0.925·0 = 2
    #   -> 10·1.925 = 19.25
    tokens = peak_shaving(epoch, previous, {"beta": 10, "cap": 100})
    assert tokens.to_dict() == pytest.approx({"X": 19.25, "Y": 0.0, "Z": 0.0, "W": 0.0})
    # min_coverage 0: W is paid on what it has: baseline kW 2 (2 intervals), peak 1 -> 10
    tokens = peak_shaving(epoch, previous, {"beta": 10, "cap": 100, "min_coverage": 0})
    assert tokens["W"] == pytest.approx(10.0)


def test_peak_shaving_coverage_exactly_at_threshold():
    # 10 intervals; previous full at 500 Wh (2 kW); epoch: 7 of 10 intervals at 250 Wh (1 kW).
    # coverage 7/10 = 0.7 exactly (7 >= 0.7·10 even though 0.7·10 = 7.000000000000001 in float)
    rows = [("V", "m", k - 10, 500) for k in range(10)] + [("V", "m", k, 250) for k in range(7)]
    data = readings(rows)
    epoch = member_frames(data, ["V"], T0, at(10))
    previous = member_frames(data, ["V"], at(-10), T0)
    paid = peak_shaving(epoch, previous, {"beta": 3, "cap": 100, "min_coverage": 0.7})
    assert paid["V"] == pytest.approx(3.0)  # 3·(2 - 1)
    unpaid = peak_shaving(epoch, previous, {"beta": 3, "cap": 100, "min_coverage": 0.700001})
    assert unpaid["V"] == 0.0
    # coverage below threshold in the baseline only: previous has 6 of 10 intervals
    short_prev = readings([("V", "m", k - 10, 500) for k in range(6)] + [("V", "m", k, 250) for k in range(10)])
    epoch = member_frames(short_prev, ["V"], T0, at(10))
    previous = member_frames(short_prev, ["V"], at(-10), T0)
    assert peak_shaving(epoch, previous, {"beta": 3, "cap": 100, "min_coverage": 0.7})["V"] == 0.0
    assert peak_shaving(epoch, previous, {"beta": 3, "cap": 100, "min_coverage": 0.6})["V"] == pytest.approx(3.0)


def test_peak_shaving_members_must_match():
    epoch, previous = ps_frames()
    other = member_frames(PS, ["X"], at(-4), T0)
    with pytest.raises(ValueError, match="same members"):
        peak_shaving(epoch, other, {"beta": 1, "cap": 1})


# --------------------------------------------------------------------------------------------
# Combined: SMALL epoch + a previous period (intervals -4..-1):
#   A previous 500 Wh ×4 (2 kW); C previous 125 Wh ×4 (0.5 kW); B no previous data.
#   q = 100, min_coverage = 0.75, beta = 10, cap = 100:
#     A epoch peak = max(0.4, 1.2, 0.8) = 1.2 -> 10·(2 - 1.2) = 8
#     B previous coverage 0 -> 0
#     C epoch peak = max(0.2, 0, 0) = 0.2 -> 10·(0.5 - 0.2) = 3
#   self_consumption (alpha 2, 1): A 0.65, B 0.55, C 0.3
#   combined w_sc = 0.5, w_ps = 2: A 0.325 + 16 = 16.325; B 0.275; C 0.15 + 6 = 6.15
# --------------------------------------------------------------------------------------------
COMBINED_PARAMS = {
    "alpha_consumer": 2,
    "alpha_producer": 1,
    "beta": 10,
    "cap": 100,
    "q": 100,
    "min_coverage": 0.75,
    "w_sc": 0.5,
    "w_ps": 2,
}
WITH_PREVIOUS = pd.concat(
    [
        SMALL,
        readings([("A", "a", k - 4, 500) for k in range(4)] + [("C", "bat", k - 4, 125) for k in range(4)]),
    ],
    ignore_index=True,
)


def test_combined_weighted_sum():
    epoch = member_frames(WITH_PREVIOUS, MEMBERS, T0, at(4))
    previous = member_frames(WITH_PREVIOUS, MEMBERS, at(-4), T0)
    ps = peak_shaving(epoch, previous, COMBINED_PARAMS)
    assert ps.to_numpy() == pytest.approx([8.0, 0.0, 3.0])
    tokens = combined(epoch, previous, COMBINED_PARAMS)
    assert tokens.to_numpy() == pytest.approx([16.325, 0.275, 6.15], rel=1e-12)
    # weights 0: nothing
    zero = combined(epoch, previous, {**COMBINED_PARAMS, "w_sc": 0, "w_ps": 0})
    assert zero.to_numpy().tolist() == [0.0, 0.0, 0.0]


def test_compute_rewards_combined():
    result = compute_rewards("combined", COMBINED_PARAMS, WITH_PREVIOUS, MEMBERS + ["D"], T0, at(4))
    assert isinstance(result, RewardResult)
    assert list(result.tokens) == ["A", "B", "C", "D"] and list(result.amounts) == ["A", "B", "C", "D"]
    assert result.tokens == pytest.approx({"A": 16.325, "B": 0.275, "C": 6.15, "D": 0.0})
    assert result.amounts == {"A": 16_325_000 * 10**12, "B": 275_000 * 10**12, "C": 6_150_000 * 10**12, "D": 0}
    assert result.total == (16_325_000 + 275_000 + 6_150_000) * 10**12
    assert result.params == {
        "alpha_consumer": 2.0,
        "alpha_producer": 1.0,
        "beta": 10.0,
        "cap": 100.0,
        "w_sc": 0.5,
        "w_ps": 2.0,
        "q": 100.0,
        "min_coverage": 0.75,
    }
    # KPIs are of the epoch with the model's q = 100: A peak = 1.2 kW; D has no data
    assert result.member_kpis["A"]["peak_kw"] == pytest.approx(1.2)
    assert result.member_kpis["D"]["peak_kw"] is None and result.member_kpis["D"]["coverage"] == 0.0
    assert result.community_kpis["withdrawn_kwh"] == pytest.approx(0.9)
    json.dumps(dataclasses.asdict(result))


def test_compute_rewards_self_consumption_and_peak_shaving():
    r = compute_rewards("self_consumption", SC_PARAMS, WITH_PREVIOUS, MEMBERS, T0, at(4))
    # previous-period rows are outside the epoch and ignored: same as test_self_consumption
    assert r.amounts == {"A": 650_000 * 10**12, "B": 550_000 * 10**12, "C": 300_000 * 10**12}
    assert r.params == {"alpha_consumer": 2.0, "alpha_producer": 1.0}
    assert r.member_kpis["A"]["peak_kw"] == pytest.approx(1.18)  # default q 97.5
    r = compute_rewards(
        "peak_shaving", {"beta": 10, "cap": 100, "q": 50, "min_coverage": 0.75}, PS, PS_MEMBERS, T0, at(4)
    )
    assert r.amounts == {"X": 10 * WEI, "Y": 0, "Z": 10 * WEI, "W": 0}
    assert r.total == 20 * WEI
    with pytest.raises(ValueError, match="after start"):
        compute_rewards("self_consumption", SC_PARAMS, SMALL, MEMBERS, T0, T0)
    with pytest.raises(ValueError, match="unknown model"):
        compute_rewards("nope", SC_PARAMS, SMALL, MEMBERS, T0, at(4))


# --------------------------------------------------------------------------------------------
# Rounding
# --------------------------------------------------------------------------------------------
def test_to_base_units():
    assert to_base_units(1.2345678) == 1_234_567_000_000_000_000
    assert 2.9999999999999996 < 3  # a distinct float, 1 ulp below 3.0
    assert to_base_units(2.9999999999999996) == 3 * WEI  # float noise under an exact 3.0
    assert to_base_units(0.25 + 0.3) == 550_000 * 10**12
    assert to_base_units(0.1 + 0.2) == 300_000 * 10**12
    assert to_base_units(0.0000009) == 0
    assert to_base_units(0.000001) == 10**12
    assert to_base_units(0) == 0 and to_base_units(-1e-18) == 0 and to_base_units(-5) == 0
    assert isinstance(to_base_units(1.5), int)
    with pytest.raises(ValueError):
        to_base_units(float("nan"))
    with pytest.raises(ValueError):
        to_base_units(float("inf"))


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------
def test_constants():
    assert MODEL_IDS == ("self_consumption", "peak_shaving", "combined")
    assert DEFAULTS == {"q": 97.5, "min_coverage": 0.9}
    assert PARAM_DECIMALS == 6
    assert REQUIRED_PARAMETERS["peak_shaving"] == ("beta", "cap")
    assert pd.Timedelta(minutes=15) == INTERVAL


def test_params_chain_round_trip():
    params = {"beta": 0.1, "cap": 50, "q": 97.5, "min_coverage": 0.9}
    names, values = params_to_chain(params)
    assert names == ["beta", "cap", "q", "min_coverage"]
    assert values == [100_000, 50_000_000, 97_500_000, 900_000]
    assert all(type(v) is int for v in values)
    assert params_from_chain(names, values) == {"beta": 0.1, "cap": 50.0, "q": 97.5, "min_coverage": 0.9}
    assert params_from_chain([b"q".ljust(32, b"\0")], [97_500_000]) == {"q": 97.5}
    assert params_to_chain({"x": 0.000001}) == (["x"], [1])
    assert params_to_chain({"x": 123456.654321}) == (["x"], [123_456_654_321])


def test_params_to_chain_rejections():
    with pytest.raises(ValueError, match="beta"):
        params_to_chain({"beta": 0.1234567})  # 7 decimals
    with pytest.raises(ValueError, match="cap"):
        params_to_chain({"cap": -1})
    with pytest.raises(ValueError, match="q"):
        params_to_chain({"q": float("nan")})
    with pytest.raises(ValueError):
        params_from_chain(["a", "b"], [1])
    with pytest.raises(ValueError, match="duplicate"):
        params_from_chain(["a", "a"], [1, 2])


def test_validate_params():
    assert validate_params("peak_shaving", {"beta": 1, "cap": 2}) == {
        "beta": 1.0,
        "cap": 2.0,
        "q": 97.5,
        "min_coverage": 0.9,
    }
    assert validate_params("self_consumption", {"alpha_producer": 1, "alpha_consumer": 0}) == {
        "alpha_consumer": 0.0,
        "alpha_producer": 1.0,
    }
    cases = [
        ("self_consumption", {"alpha_producer": 1}, "alpha_consumer"),
        ("self_consumption", {"alpha_consumer": 1, "alpha_producer": 1, "gamma": 1}, "gamma"),
        ("peak_shaving", {"beta": 1, "cap": 1, "q": 101}, "'q'"),
        ("peak_shaving", {"beta": 1, "cap": 1, "min_coverage": 1.5}, "min_coverage"),
        ("peak_shaving", {"beta": -1, "cap": 1}, "beta"),
        ("combined", {**COMBINED_PARAMS, "w_ps": -0.5}, "w_ps"),
        ("combined", {k: v for k, v in COMBINED_PARAMS.items() if k != "w_sc"}, "w_sc"),
        ("peak_shaving", {"beta": "1", "cap": 1}, "beta"),
        ("peak_shaving", {"beta": float("inf"), "cap": 1}, "beta"),
        ("reward_everyone", {}, "reward_everyone"),
    ]
    for model_id, params, name in cases:
        with pytest.raises(ValueError, match=name):
            validate_params(model_id, params)


def test_model_functions_reject_missing_parameter():
    with pytest.raises(ValueError, match="alpha_producer"):
        self_consumption(small_frames(), {"alpha_consumer": 1})


# --------------------------------------------------------------------------------------------
# Grid
# --------------------------------------------------------------------------------------------
def test_interval_grid():
    grid = interval_grid(T0, at(4))
    assert list(grid) == [at(0), at(1), at(2), at(3)]  # half-open
    assert str(grid.tz) == "UTC"
    assert len(interval_grid(T0, T0 + pd.Timedelta(days=30))) == 2880
    assert len(interval_grid(T0, T0)) == 0
    rome = pd.Timestamp("2024-01-01 01:00", tz="Europe/Rome")  # = T0 in UTC
    assert interval_grid(rome, at(1))[0] == T0
    with pytest.raises(ValueError, match="timezone-aware"):
        interval_grid(pd.Timestamp("2024-01-01"), at(4))
    with pytest.raises(ValueError, match="timezone-aware"):
        interval_grid(T0, pd.Timestamp("2024-01-02"))
    with pytest.raises(ValueError, match="grid"):
        interval_grid(T0 + pd.Timedelta(minutes=7), at(4))
    with pytest.raises(ValueError, match="grid"):
        interval_grid(T0, at(4) + pd.Timedelta(seconds=1))
    with pytest.raises(ValueError, match="before"):
        interval_grid(at(4), T0)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------
N_MEMBERS, N_DEVICES, N_INTERVALS = 4, 6, 8
reading_rows = st.lists(
    st.tuples(
        st.integers(0, N_DEVICES - 1),  # device (device d belongs to member d % 4)
        st.integers(-N_INTERVALS, N_INTERVALS - 1),  # interval (negative: previous period)
        st.floats(-5000, 5000, allow_nan=False, allow_infinity=False),
    ),
    max_size=60,
)
alphas = st.floats(0, 100, allow_nan=False, allow_infinity=False)
PROP_MEMBERS = [f"m{i}" for i in range(N_MEMBERS)]


def prop_readings(rows) -> pd.DataFrame:
    return readings([(f"m{d % N_MEMBERS}", f"d{d}", k, e) for d, k, e in rows])


@settings(max_examples=200, deadline=None)
@given(
    rows=reading_rows,
    alpha_consumer=alphas,
    alpha_producer=alphas,
    beta=alphas,
    cap=alphas,
    q=st.floats(0, 100),
    min_coverage=st.floats(0, 1),
)
def test_properties(rows, alpha_consumer, alpha_producer, beta, cap, q, min_coverage):
    data = prop_readings(rows)
    epoch = member_frames(data, PROP_MEMBERS, T0, at(N_INTERVALS))
    previous = member_frames(data, PROP_MEMBERS, at(-N_INTERVALS), T0)
    params = {
        "alpha_consumer": alpha_consumer,
        "alpha_producer": alpha_producer,
        "beta": beta,
        "cap": cap,
        "q": q,
        "min_coverage": min_coverage,
        "w_sc": 1.0,
        "w_ps": 0.5,
    }

    sc = self_consumption(epoch, params).to_numpy()
    ps = peak_shaving(epoch, previous, params).to_numpy()
    both = combined(epoch, previous, params).to_numpy()
    for tokens in (sc, ps, both):
        assert np.all(tokens >= 0) and np.all(np.isfinite(tokens))
    assert np.all(ps <= cap)

    # Σ rewards <= (alpha_c + alpha_p) · Σ_t min(L(t), P(t)) / 1000 (+ epsilon)
    total_load = epoch.load.sum(axis=1).to_numpy()
    total_prod = epoch.production.sum(axis=1).to_numpy()
    bound = (alpha_consumer + alpha_producer) * np.minimum(total_load, total_prod).sum() / 1000
    assert sc.sum() <= bound * (1 + 1e-9) + 1e-9

    # scaling every energy by 2 doubles the self-consumption rewards
    doubled = data.assign(energy=data["energy"] * 2)
    sc2 = self_consumption(member_frames(doubled, PROP_MEMBERS, T0, at(N_INTERVALS)), params).to_numpy()
    for a, b in zip(sc, sc2):
        assert math.isclose(b, 2 * a, rel_tol=1e-9, abs_tol=1e-12)

    for tokens in (sc, ps, both):
        assert all(to_base_units(t) >= 0 for t in tokens)


@settings(max_examples=100, deadline=None)
@given(rows=reading_rows, q=st.floats(0, 100))
def test_masked_percentiles_equal_numpy(rows, q):
    data = prop_readings(rows)
    f = member_frames(data, PROP_MEMBERS, at(-N_INTERVALS), at(N_INTERVALS))
    got = masked_percentiles(f.load.to_numpy().T, f.has_data.to_numpy().T, (q, 2.5))
    for j, member in enumerate(PROP_MEMBERS):
        values = f.load[member][f.has_data[member]].to_numpy() * 4 / 1000
        if len(values) == 0:
            assert np.isnan(got[:, j]).all()
        else:
            assert got[0, j] == np.percentile(values, q)  # bit-identical to numpy's default
            assert got[1, j] == np.percentile(values, 2.5)
