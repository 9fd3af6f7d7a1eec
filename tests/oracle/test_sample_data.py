"""The bundled sample community (oracle/sample/data): format, coverage, signs, plausibility, determinism.

Run: .venv/bin/python -m pytest tests/oracle/test_sample_data.py -p no:brownie -q
"""

import csv
import gzip
import json
import socket

import numpy as np
import pandas as pd
import pytest
from eth_utils import is_checksum_address

from oracle.sample import MEMBERS_CSV, READINGS_CSV, SAMPLE_DIR
from oracle.sample import generate as gen

MEMBER_COLUMNS = ["wallet", "name", "email", "kind", "profile", "deviceid"]
START = pd.Timestamp("2026-09-01T00:00:00+02:00")
END = pd.Timestamp("2026-11-01T00:00:00+01:00")
DST_END_UTC = pd.Timestamp("2026-10-25T01:00:00Z")  # 03:00 CEST -> 02:00 CET
# September: 30 days x 96; October: 31 days x 96 + 4 (25 Oct has 25 hours = 100 quarter-hours).
N_INTERVALS = 30 * 96 + 31 * 96 + 4
assert N_INTERVALS == 5860


def _role(deviceid: str) -> str:
    if deviceid.startswith("PV-"):
        return "pv"
    if deviceid.startswith("BAT-"):
        return "battery"
    return "load"


@pytest.fixture(scope="module")
def members() -> pd.DataFrame:
    return pd.read_csv(MEMBERS_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def readings() -> pd.DataFrame:
    df = pd.read_csv(READINGS_CSV, dtype={"deviceid": str, "timestamp": str, "energy": float})
    df["utc"] = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
    df["local"] = df["utc"].dt.tz_convert("Europe/Rome")
    df["month"] = df["local"].dt.month
    df["hour"] = df["local"].dt.hour
    df["role"] = df["deviceid"].map(_role)
    return df


@pytest.fixture(scope="module")
def spec() -> dict[str, tuple]:
    """deviceid -> (member, device) of the generator's member table for the default seed."""
    return {d.deviceid: (m, d) for m in gen.community_spec(gen.DEFAULT_SEED) for d in m.devices}


# --- members.csv --------------------------------------------------------------------------------


def test_bundled_files_exist_and_are_small():
    assert SAMPLE_DIR.is_dir()
    assert MEMBERS_CSV.is_file() and READINGS_CSV.is_file()
    assert READINGS_CSV.stat().st_size < 5_000_000
    with MEMBERS_CSV.open(newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == MEMBER_COLUMNS
    with gzip.open(READINGS_CSV, "rt", encoding="ascii") as f:
        assert f.readline().strip().split(",")[:3] == ["deviceid", "timestamp", "energy"]


def test_members_table(members):
    assert list(members.columns) == MEMBER_COLUMNS
    assert members["deviceid"].is_unique
    wallets = members.groupby("wallet")
    assert wallets.ngroups >= 20
    # one name/email/kind/profile per wallet, one consumption meter per wallet
    assert (wallets[["name", "email", "kind", "profile"]].nunique() == 1).all().all()
    assert members.drop_duplicates("wallet")["email"].is_unique
    assert all(is_checksum_address(w) for w in wallets.groups)
    assert set(members["kind"]) == {"citizen", "stakeholder"}
    assert set(members["profile"]) <= {"consumer", "prosumer", "prostormer"}
    assert members["email"].str.fullmatch(r"[a-z0-9._]+@example\.org").all()
    assert (members["name"].str.len() > 3).all()
    assert members["deviceid"].str.fullmatch(r"(PV-|BAT-)?IT001E\d{8}").all()

    per_member = members.drop_duplicates("wallet").set_index("wallet")
    kinds = per_member["kind"].value_counts()
    assert kinds["citizen"] >= 12 and kinds["stakeholder"] >= 6
    profiles = per_member["profile"].value_counts()
    assert profiles.get("prostormer", 0) >= 1
    assert profiles.get("prosumer", 0) >= 4
    for wallet, rows in wallets:
        roles = sorted(_role(d) for d in rows["deviceid"])
        profile = rows["profile"].iloc[0]
        expected = {"consumer": ["load"], "prosumer": ["load", "pv"], "prostormer": ["battery", "load", "pv"]}[profile]
        assert roles == expected, (wallet, roles)
    # several PV prosumers among both kinds
    pv_owners = per_member.loc[members.loc[members["deviceid"].str.startswith("PV-"), "wallet"]]
    assert set(pv_owners["kind"]) == {"citizen", "stakeholder"}


def test_no_private_keys_in_members():
    text = MEMBERS_CSV.read_text(encoding="utf-8")
    import re

    assert not re.search(r"0x[0-9a-fA-F]{64}", text)


def test_wallets_are_derived_from_seed(members):
    wallets = list(dict.fromkeys(members["wallet"]))
    assert wallets == [gen.wallet_address(gen.DEFAULT_SEED, i) for i in range(len(wallets))]


# --- readings: coverage and timestamps -------------------------------------------------------


def test_every_device_and_quarter_hour_exactly_once(members, readings):
    assert set(readings["deviceid"]) == set(members["deviceid"])
    expected = pd.date_range(START.tz_convert("UTC"), END.tz_convert("UTC"), freq="15min", inclusive="left")
    assert len(expected) == N_INTERVALS
    assert not readings.duplicated(["deviceid", "utc"]).any()
    for deviceid, rows in readings.groupby("deviceid"):
        assert len(rows) == N_INTERVALS, deviceid
        assert pd.DatetimeIndex(rows["utc"]).sort_values().equals(expected), deviceid
    assert len(readings) == N_INTERVALS * members["deviceid"].nunique()


def test_timestamps_carry_the_local_offset(readings):
    before = readings["utc"] < DST_END_UTC
    assert readings.loc[before, "timestamp"].str.endswith("+02:00").all()
    assert readings.loc[~before, "timestamp"].str.endswith("+01:00").all()
    ts = readings["timestamp"].drop_duplicates()
    assert ts.str.fullmatch(r"2026-(09|10)-\d\dT\d\d:(00|15|30|45):00\+0[12]:00").all()
    assert ts.iloc[0] == "2026-09-01T00:00:00+02:00"
    assert ts.iloc[-1] == "2026-10-31T23:45:00+01:00"
    # 25 October (local) has 100 quarter-hours; 02:00-02:45 appear with both offsets
    assert (ts.str[:10] == "2026-10-25").sum() == 100
    assert {"2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"} <= set(ts)


def test_energy_resolution(readings):
    tenths = readings["energy"] * 10
    assert np.allclose(tenths, np.round(tenths), atol=1e-6)
    assert readings["energy"].notna().all()


# --- sign convention -------------------------------------------------------------------------


def test_sign_convention(readings):
    by_role = readings.groupby("role")["energy"]
    assert (readings.loc[readings["role"] == "load", "energy"] > 0).all()
    assert (readings.loc[readings["role"] == "pv", "energy"] <= 0).all()
    assert by_role.sum()["pv"] < 0
    night = readings["hour"].isin([21, 22, 23, 0, 1, 2, 3, 4])
    assert (readings.loc[(readings["role"] == "pv") & night, "energy"] == 0).all()
    battery = readings.loc[readings["role"] == "battery", "energy"]
    charge, discharge = battery[battery > 0].sum(), -battery[battery < 0].sum()
    assert charge > 0 and discharge > 0
    assert discharge <= charge
    assert discharge <= 0.95 * charge + 1.0  # round-trip efficiency, SOC starts at its minimum


def test_battery_physics(readings, spec):
    """Power limit, SOC bounds (10-100 % of 5 kWh with sqrt(0.95) each way), charge only from PV surplus."""
    wide = readings.pivot(index="utc", columns="deviceid", values="energy")
    for bat in [c for c in wide.columns if c.startswith("BAT-")]:
        member, device = spec[bat]
        meter = member.load.deviceid
        pv = next(d.deviceid for d in member.devices if d.role == "pv")
        e = wide[bat].to_numpy()
        limit = device.power_kw * 1000 * 0.25
        assert np.abs(e).max() <= limit + 0.05
        eta = np.sqrt(0.95)
        cap = device.capacity_kwh * 1000
        soc = 0.1 * cap + np.cumsum(np.where(e > 0, e * eta, e / eta))
        assert soc.min() >= 0.1 * cap - 20 and soc.max() <= cap + 20  # rounding to 0.1 Wh per step
        surplus = -wide[pv].to_numpy() - wide[meter].to_numpy()
        charging = e > 0
        assert (e[charging] <= surplus[charging] + 0.2).all()
        assert (surplus[e < 0] <= 0.2).all()  # discharges only when the load exceeds the PV
        # evening discharge: most discharge between 17:00 and 24:00 local
        local_hour = wide.index.tz_convert("Europe/Rome").hour
        evening = (local_hour >= 17) & (e < 0)
        assert -e[evening].sum() > 0.5 * -e[e < 0].sum()


# --- plausibility ----------------------------------------------------------------------------


def test_quarter_hour_values_are_physically_plausible(readings, spec):
    assert readings["energy"].abs().max() < 25_000  # 100 kW average, far below 250 kWh
    loads = readings[readings["role"] == "load"]
    for deviceid, rows in loads.groupby("deviceid"):
        member, _ = spec[deviceid]
        if member.kind == "citizen":
            # contracted power (3 / 4.5 / 6 kW) + 10 % tolerance, as Wh in 15 minutes
            assert rows["energy"].max() <= member.contract_kw * 1.1 * 250 + 0.05, deviceid
            assert rows["energy"].max() <= 6.6 * 250 + 0.05
            assert rows["energy"].min() > 0
    for deviceid, rows in readings[readings["role"] == "pv"].groupby("deviceid"):
        _, device = spec[deviceid]
        # AC power never above the inverter rating kWp / 1.1
        assert -rows["energy"].min() <= device.kwp * 1000 / 1.1 * 0.25 + 0.05, deviceid


# Share of the annual energy in each month for a household: the BDEW H0 dynamic profile
# (demandlib, year 2026) puts 7.31 % of the year in September and 8.35 % in October; the generator
# scales it to 90 % of the annual energy and adds appliance events worth 10 % of the annual energy
# spread evenly over the year (30/365, 31/365), so the expected shares are
#   Sep: 0.9 * 0.0731 + 0.1 * 30 / 365 = 0.0740     Oct: 0.9 * 0.0835 + 0.1 * 31 / 365 = 0.0836
# The day-to-day factor (sigma 0.10 over ~30 days: ~2 %), the per-quarter-hour noise (< 1 %), the
# Poisson count of events (~5 %) and the contract cap (slightly lower) move a member's month by a few
# per cent: the band is the expectation +-20 %. With annual consumption 1 800-4 500 kWh this is
# 107-400 kWh in September and 120-451 kWh in October.
HOUSEHOLD_MONTH_SHARE = {9: 0.0740, 10: 0.0836}


def test_household_monthly_consumption(readings, spec):
    loads = readings[readings["role"] == "load"]
    monthly = loads.groupby(["deviceid", "month"])["energy"].sum() / 1000.0
    households = 0
    for (deviceid, month), kwh in monthly.items():
        member, _ = spec[deviceid]
        if member.kind != "citizen":
            continue
        households += 1
        assert 1800 <= member.annual_kwh <= 4500
        share = HOUSEHOLD_MONTH_SHARE[month]
        low, high = 0.8 * share * member.annual_kwh, 1.2 * share * member.annual_kwh
        assert low <= kwh <= high, (member.name, month, kwh, low, high)
    assert households == 2 * 14


def test_stakeholder_monthly_consumption(readings, spec):
    """BDEW G profiles put 7.6-8.6 % of the year in September/October; accept 1/12 +-30 %."""
    loads = readings[readings["role"] == "load"]
    monthly = loads.groupby(["deviceid", "month"])["energy"].sum() / 1000.0
    for (deviceid, month), kwh in monthly.items():
        member, _ = spec[deviceid]
        if member.kind == "stakeholder":
            assert 10_000 <= member.annual_kwh <= 80_000
            assert 0.7 / 12 * member.annual_kwh <= kwh <= 1.3 / 12 * member.annual_kwh, (member.name, month)


# PV yield band in kWh per kWp for a month (Genova, tilt 15-30 deg, south +-50 deg).
# Upper bound: a completely clear month. pvlib's Ineichen clear sky with its Linke turbidity
# climatology (TL 3.3-3.7 in Sep-Oct at Genova) through the same chain (Hay-Davies, SAPM cell
# temperature, PVWatts with 14.08 % losses, 96 % inverter) gives 142 kWh/kWp in September and
# 126 kWh/kWp in October for 30 deg south; nothing can exceed that by more than a few per cent
# (cloud enhancement is clipped at kc 1.08).
# Lower bound: a very wet month, half of the days overcast (kc ~0.45) and the rest fair (~0.88)
# gives ~0.66 of clear sky, i.e. ~83 kWh/kWp in October; orientation (azimuth 130-230 deg, flat
# roofs at 15 deg) costs up to ~10 %; the lower bounds leave room below that for an exceptionally
# dull month. (Long-term yields on the Ligurian coast are of the order of 90-100 kWh/kWp in October
# and 120-130 in September - an estimate, not fetched: no network.) Hence October 60-130,
# September 80-150.
PV_BAND = {9: (80.0, 150.0), 10: (60.0, 130.0)}


def test_pv_monthly_yield(readings, spec):
    pv = readings[readings["role"] == "pv"]
    monthly = -pv.groupby(["deviceid", "month"])["energy"].sum() / 1000.0
    household_kwp = []
    for (deviceid, month), kwh in monthly.items():
        member, device = spec[deviceid]
        if member.kind == "citizen":
            assert 3.0 <= device.kwp <= 6.0
            household_kwp.append(device.kwp)
        else:
            assert 20.0 <= device.kwp <= 60.0
        low, high = PV_BAND[month]
        assert low <= kwh / device.kwp <= high, (member.name, month, kwh / device.kwp)
    assert len(household_kwp) >= 2 * 5
    # September yields more than October, and production happens on (almost) every day at noon
    assert monthly.xs(9, level="month").sum() > monthly.xs(10, level="month").sum()
    noon = pv[pv["hour"] == 12].groupby(["deviceid", pv["local"].dt.date])["energy"].sum()
    assert (noon < 0).mean() > 0.98


# --- determinism and offline generation ------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access is not allowed while generating the sample data")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def test_regeneration_is_byte_identical_and_offline(tmp_path, no_network, capsys):
    assert gen.main(["--seed", str(gen.DEFAULT_SEED), "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (tmp_path / "members.csv").read_bytes() == MEMBERS_CSV.read_bytes()
    assert (tmp_path / "readings.csv.gz").read_bytes() == READINGS_CSV.read_bytes()
    assert summary["members"] >= 20 and summary["devices"] == summary["rows"] // N_INTERVALS
    assert summary["rows"] == N_INTERVALS * summary["devices"]
    assert summary["energy"]["total"]["consumed_kwh"] > summary["energy"]["total"]["produced_kwh"] > 0
    assert summary["period"] == {"start": START.isoformat(), "end": END.isoformat(), "step": "15min"}


def test_other_seed_differs(tmp_path):
    gen.generate(tmp_path, seed=7)
    assert (tmp_path / "readings.csv.gz").read_bytes() != READINGS_CSV.read_bytes()
    other = pd.read_csv(tmp_path / "members.csv", dtype=str)
    assert list(other.columns) == MEMBER_COLUMNS
    assert set(other["wallet"]).isdisjoint(set(pd.read_csv(MEMBERS_CSV, dtype=str)["wallet"]))


def test_demandlib_guard_restores_warning_filters():
    import warnings

    before = list(warnings.filters)
    gen.bdew_profiles(2026)
    assert warnings.filters == before
    assert warnings.simplefilter.__module__ == "warnings"
