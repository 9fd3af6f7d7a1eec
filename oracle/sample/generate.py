"""Generator of the bundled sample community (Genova, September + October 2026, 15-minute data).

Usage::

    python -m oracle.sample.generate [--seed N] [--out DIR]

writes ``members.csv`` and ``readings.csv.gz`` into DIR (default: ``oracle/sample/data``) and prints
a JSON summary. :func:`generate` does the same from Python. Everything is deterministic for a given
seed: the same seed gives byte-identical files (gzip header mtime = 0, fixed member table, numpy
``Generator`` streams keyed by ``[seed, member, purpose]``). Nothing is fetched from the network:
pvlib's clear-sky model reads the Linke turbidity climatology bundled with pvlib
(``pvlib/data/LinkeTurbidities.h5``) and demandlib's BDEW profiles are bundled with demandlib.

Modelling assumptions and their sources are documented in ``oracle/sample/README.md``.

Sign convention of the readings (001 §4.3.6.2, table 13): energy absorbed by a load is positive,
produced energy is negative, a battery is positive when charging and negative when discharging.
Metering convention: every member has one consumption meter (``IT001E…``) measuring the member's
whole load; a PV plant has its own production meter (``PV-…``) and a home battery its own meter
(``BAT-…``). The energy exchanged with the grid at the POD is the signed sum of the three.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import gzip
import io
import json
import sys
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------
# Fixed parameters
# --------------------------------------------------------------------------------------------

DEFAULT_SEED = 2026

#: Genova (Liguria), city centre near the harbour.
LATITUDE = 44.41
LONGITUDE = 8.93
ALTITUDE_M = 20.0
TIMEZONE = "Europe/Rome"

#: The two months: September 2026 (baseline) and October 2026 (the reward epoch), local time.
PERIOD_START = pd.Timestamp("2026-09-01T00:00:00+02:00")
PERIOD_END = pd.Timestamp("2026-11-01T00:00:00+01:00")  # exclusive
STEP = pd.Timedelta(minutes=15)
STEP_H = 0.25

#: Italian public holidays of 2026 (national, hand-listed) plus Genova's patron saint.
#: 4 October (St Francis of Assisi) is a national holiday again from 2026; in 2026 it is a Sunday.
HOLIDAYS_2026 = {
    dt.date(2026, 1, 1): "Capodanno",
    dt.date(2026, 1, 6): "Epifania",
    dt.date(2026, 4, 5): "Pasqua",
    dt.date(2026, 4, 6): "Lunedì dell'Angelo",
    dt.date(2026, 4, 25): "Festa della Liberazione",
    dt.date(2026, 5, 1): "Festa del Lavoro",
    dt.date(2026, 6, 2): "Festa della Repubblica",
    dt.date(2026, 6, 24): "San Giovanni Battista (patrono di Genova)",
    dt.date(2026, 8, 15): "Ferragosto",
    dt.date(2026, 10, 4): "San Francesco d'Assisi",
    dt.date(2026, 11, 1): "Ognissanti",
    dt.date(2026, 12, 8): "Immacolata Concezione",
    dt.date(2026, 12, 25): "Natale",
    dt.date(2026, 12, 26): "Santo Stefano",
}

# Households --------------------------------------------------------------------------------
HOUSEHOLD_KWH_RANGE = (1800.0, 4500.0)  # annual consumption, drawn uniformly, rounded to 50 kWh
HOUSEHOLD_KWP_RANGE = (3.0, 6.0)  # PV size, drawn uniformly, rounded to 0.5 kWp
HOUSEHOLD_TILT = 30.0  # pitched roofs
HOUSEHOLD_NOISE_SIGMA = 0.25  # lognormal multiplicative noise per quarter-hour
HOUSEHOLD_NOISE_PHI = 0.5  # AR(1) persistence of that noise between quarter-hours
HOUSEHOLD_DAY_SIGMA = 0.10  # lognormal day-to-day factor
HOUSEHOLD_SHIFT_QH = 3  # routine shift of the H0 curve, +-3 quarter-hours
SPIKE_SHARE = 0.10  # share of the annual energy in appliance events
SPIKE_POWER_KW = (1.0, 2.5)  # kettle, oven, washing machine, dishwasher, hair dryer...
SPIKE_DURATION_QH = (1, 4)  # 15 to 60 minutes
#: Relative likelihood that an appliance event starts in each local hour.
SPIKE_HOUR_WEIGHTS = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.1,
        0.2,
        0.6,
        1.5,
        1.5,
        0.8,
        0.8,
        1.0,
        1.5,
        1.5,
        0.7,
        0.7,
        0.7,
        0.9,
        2.0,
        2.0,
        2.0,
        1.5,
        0.8,
        0.4,
    ]
)
#: Contracted power (kW) by annual consumption; the meter tolerates +10 % indefinitely.
CONTRACT_STEPS = ((2700.0, 3.0), (3800.0, 4.5), (float("inf"), 6.0))
CONTRACT_TOLERANCE = 1.10

# Stakeholders ------------------------------------------------------------------------------
STAKEHOLDER_NOISE_SIGMA = 0.10
STAKEHOLDER_NOISE_PHI = 0.8
STAKEHOLDER_DAY_SIGMA = 0.05
STAKEHOLDER_TILT = 15.0  # racked modules on flat roofs

# PV model ----------------------------------------------------------------------------------
GAMMA_PDC = -0.0037  # 1/K, crystalline silicon
INVERTER_ETA = 0.96  # PVWatts nominal inverter efficiency
DC_AC_RATIO = 1.10
ALBEDO = 0.20  # urban ground
#: Daily clear-sky index kc = KC_MIN + (1 - KC_MIN) * Beta(a, b), the Beta depending on the day's
#: weather regime: "fair" (clear or hazy, some cumulus) or "perturbed" (front, rain, overcast).
#: The regime follows a two-state Markov chain whose stationary share of perturbed days is
#: PERTURBED_SHARE[month] and which stays perturbed the next day with PERTURBED_PERSISTENCE.
KC_MIN = 0.08
KC_BETA_FAIR = (8.0, 1.2)  # mean kc = 0.88
KC_BETA_PERTURBED = (2.0, 3.0)  # mean kc = 0.45
PERTURBED_SHARE = {9: 0.12, 10: 0.25}
PERTURBED_PERSISTENCE = 0.55
KC_INTRADAY_PHI = 0.85  # quarter-hour persistence of the intra-day variation
KC_INTRADAY_SCALE = 0.7  # sigma = scale * kc_day * (1 - kc_day)
KC_CLIP = (0.02, 1.08)  # allow slight cloud enhancement
#: Air temperature: daily mean falls linearly over the period, plus a daily anomaly.
T_MEAN_START, T_MEAN_END = 23.0, 15.5
T_ANOMALY_SIGMA, T_ANOMALY_PHI = 1.5, 0.7
WIND_RANGE = (1.0, 4.0)  # m/s, one value per day

# Battery -----------------------------------------------------------------------------------
BATTERY_KWH = 5.0
BATTERY_KW = 2.5
BATTERY_ROUND_TRIP = 0.95
BATTERY_SOC = (0.10, 1.00)

# --------------------------------------------------------------------------------------------
# The community
# --------------------------------------------------------------------------------------------

#: (name, profile) of the 14 citizens (fictitious people with common Ligurian surnames).
CITIZENS = (
    ("Giulia Parodi", "consumer"),
    ("Marco Bruzzone", "prosumer"),
    ("Francesca Canepa", "consumer"),
    ("Luca Traverso", "prosumer"),
    ("Chiara Queirolo", "consumer"),
    ("Andrea Repetto", "prostormer"),
    ("Elena Ottonello", "prosumer"),
    ("Matteo Pastorino", "consumer"),
    ("Sara Cambiaso", "prosumer"),
    ("Davide Podestà", "consumer"),
    ("Valentina Merlo", "prosumer"),
    ("Stefano Vassallo", "consumer"),
    ("Martina Olivari", "prosumer"),
    ("Giorgio Costa", "consumer"),
)

#: Fictitious stakeholders: (name, email local part, activity, BDEW profile, annual kWh range,
#: PV kWp or None, profile).
STAKEHOLDERS = (
    ("Panificio Ferrari s.n.c.", "panificio.ferrari", "bakery", "g5", (25000, 35000), 20.0, "prosumer"),
    (
        "Scuola Primaria Comunale I Mille",
        "segreteria.scuolaimille",
        "school (public administration)",
        "g1",
        (30000, 50000),
        40.0,
        "prosumer",
    ),
    (
        "ASD Circolo Sportivo Lanterna",
        "info.circololanterna",
        "sports association",
        "g6",
        (10000, 14000),
        None,
        "consumer",
    ),
    ("Studio Tecnico Gatti & Rossi", "studio.gattirossi", "small office", "g1", (10000, 15000), None, "consumer"),
    (
        "Supermercato Il Mercatino S.r.l.",
        "amministrazione.ilmercatino",
        "supermarket",
        "g4",
        (60000, 80000),
        60.0,
        "prosumer",
    ),
    ("Ferramenta Canale", "ferramenta.canale", "hardware shop", "g4", (10000, 14000), None, "consumer"),
    ("Trattoria da Pino", "trattoria.dapino", "restaurant", "g2", (18000, 25000), None, "consumer"),
)


@dataclass(frozen=True)
class Device:
    deviceid: str
    role: str  # "load", "pv" or "battery"
    kwp: float = 0.0  # pv
    tilt: float = 0.0  # pv, degrees from horizontal
    azimuth: float = 0.0  # pv, degrees clockwise from north (180 = south)
    mount: str = ""  # pv, pvlib SAPM temperature model parameters key
    capacity_kwh: float = 0.0  # battery
    power_kw: float = 0.0  # battery


@dataclass(frozen=True)
class Member:
    index: int
    wallet: str
    name: str
    email: str
    kind: str  # "citizen" or "stakeholder"
    profile: str  # "consumer", "prosumer" or "prostormer"
    activity: str
    slp: str  # demandlib BDEW profile column
    annual_kwh: float
    contract_kw: float | None
    devices: tuple[Device, ...] = field(default_factory=tuple)

    @property
    def load(self) -> Device:
        return next(d for d in self.devices if d.role == "load")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def wallet_address(seed: int, index: int) -> str:
    """Checksummed address of the key keccak256("lec-sample-{seed}-{index}"); the key is never stored."""
    from eth_account import Account
    from eth_utils import keccak

    return Account.from_key(keccak(text=f"lec-sample-{seed}-{index}")).address


def _contract_kw(annual_kwh: float) -> float:
    return next(kw for limit, kw in CONTRACT_STEPS if annual_kwh < limit)


def community_spec(seed: int = DEFAULT_SEED) -> list[Member]:
    """The members, their devices and their drawn parameters (deterministic in ``seed``)."""
    rng = np.random.default_rng([seed, 0])
    used_pods: set[str] = set()

    def pod() -> str:
        while True:
            digits = f"{int(rng.integers(0, 10**8)):08d}"
            if digits not in used_pods:
                used_pods.add(digits)
                return f"IT001E{digits}"

    members: list[Member] = []
    for name, profile in CITIZENS:
        i = len(members)
        annual = round(float(rng.uniform(*HOUSEHOLD_KWH_RANGE)) / 50.0) * 50.0
        meter = pod()
        devices = [Device(meter, "load")]
        if profile in ("prosumer", "prostormer"):
            kwp = round(float(rng.uniform(*HOUSEHOLD_KWP_RANGE)) * 2.0) / 2.0
            if profile == "prostormer":
                kwp = max(kwp, 4.5)  # enough surplus to cycle the battery
            azimuth = float(np.clip(round(float(rng.normal(180.0, 25.0)) / 5.0) * 5.0, 130.0, 230.0))
            devices.append(
                Device(
                    f"PV-{meter}", "pv", kwp=kwp, tilt=HOUSEHOLD_TILT, azimuth=azimuth, mount="close_mount_glass_glass"
                )
            )
        if profile == "prostormer":
            devices.append(Device(f"BAT-{meter}", "battery", capacity_kwh=BATTERY_KWH, power_kw=BATTERY_KW))
        first, last = name.split(" ", 1)
        email = f"{_ascii(first).lower()}.{_ascii(last).lower().replace(' ', '')}@example.org"
        members.append(
            Member(
                i,
                wallet_address(seed, i),
                name,
                email,
                "citizen",
                profile,
                "household",
                "h0_dyn",
                annual,
                _contract_kw(annual),
                tuple(devices),
            )
        )
    for name, local, activity, slp, kwh_range, kwp, profile in STAKEHOLDERS:
        i = len(members)
        annual = round(float(rng.uniform(*kwh_range)) / 500.0) * 500.0
        meter = pod()
        devices = [Device(meter, "load")]
        if kwp is not None:
            azimuth = float(np.clip(round(float(rng.normal(180.0, 15.0)) / 5.0) * 5.0, 150.0, 210.0))
            devices.append(
                Device(
                    f"PV-{meter}",
                    "pv",
                    kwp=kwp,
                    tilt=STAKEHOLDER_TILT,
                    azimuth=azimuth,
                    mount="open_rack_glass_polymer",
                )
            )
        members.append(
            Member(
                i,
                wallet_address(seed, i),
                name,
                f"{local}@example.org",
                "stakeholder",
                profile,
                activity,
                slp,
                annual,
                None,
                tuple(devices),
            )
        )
    return members


# --------------------------------------------------------------------------------------------
# Time grid
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    utc: pd.DatetimeIndex  # start of every interval, UTC
    local: pd.DatetimeIndex  # same instants, Europe/Rome
    slp_pos: np.ndarray  # position of the local wall-clock time in the year's SLP table
    day: np.ndarray  # local day number 0..n_days-1
    day_start: np.ndarray  # first interval of each local day
    month_of_day: np.ndarray  # month of each local day
    hour: np.ndarray  # local hour (float) of the interval start
    timestamps: list[str]  # ISO 8601 with the local UTC offset


def time_grid(start: pd.Timestamp = PERIOD_START, end: pd.Timestamp = PERIOD_END) -> Grid:
    utc = pd.date_range(start.tz_convert("UTC"), end.tz_convert("UTC"), freq=STEP, inclusive="left")
    local = utc.tz_convert(TIMEZONE)
    naive = local.tz_localize(None)
    year_start = pd.Timestamp(year=naive[0].year, month=1, day=1)
    slp_pos = np.asarray((naive - year_start) // STEP, dtype=np.int64)
    dates = naive.normalize()
    day = np.asarray((dates - dates[0]).days, dtype=np.int64)
    day_start = np.searchsorted(day, np.arange(day[-1] + 1))
    month_of_day = np.asarray(dates[day_start].month, dtype=np.int64)
    hour = np.asarray(naive.hour + naive.minute / 60.0, dtype=float)
    timestamps = [t.isoformat() for t in local]
    return Grid(utc, local, slp_pos, day, day_start, month_of_day, hour, timestamps)


# --------------------------------------------------------------------------------------------
# Random processes
# --------------------------------------------------------------------------------------------


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) with unit variance."""
    from scipy.signal import lfilter

    eps = rng.standard_normal(n)
    eps[0] /= np.sqrt(1.0 - phi * phi)  # start in the stationary distribution
    return lfilter([np.sqrt(1.0 - phi * phi)], [1.0, -phi], eps)


def _lognormal_factor(rng: np.random.Generator, n: int, sigma: float, phi: float) -> np.ndarray:
    """Multiplicative noise with mean 1: exp(sigma * x - sigma^2 / 2), x an AR(1)."""
    return np.exp(sigma * _ar1(rng, n, phi) - 0.5 * sigma * sigma)


# --------------------------------------------------------------------------------------------
# Loads (demandlib BDEW standard load profiles)
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _demandlib_warning_guard():
    """demandlib 0.2.2's ElecSlp calls ``warnings.simplefilter("error")`` inside, which turns pandas
    3.1's deprecation warnings about its own ``inplace=True`` calls into exceptions (and would change
    the process-wide filters). Neutralise that call and restore the filters afterwards."""
    original = warnings.simplefilter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter = lambda *args, **kwargs: None  # type: ignore[assignment]
        try:
            yield
        finally:
            warnings.simplefilter = original  # type: ignore[assignment]


def bdew_profiles(year: int = 2026) -> pd.DataFrame:
    """demandlib's BDEW standard load profiles of ``year``: one column per type (h0, h0_dyn, g0..g6,
    l0..l2), 15-minute naive local time, each column normalised to a yearly sum of 1."""
    from demandlib import bdew

    with _demandlib_warning_guard():
        slp = bdew.ElecSlp(year, holidays=HOLIDAYS_2026)
        return slp.get_profiles().copy()


def household_load(member: Member, grid: Grid, profiles: pd.DataFrame, seed: int) -> np.ndarray:
    """Wh per interval: BDEW H0 (dynamic) scaled to 90 % of the annual energy, shifted by the
    household's routine, times lognormal noise, plus appliance events (10 % of the annual energy),
    capped at the contracted power + 10 %."""
    rng = np.random.default_rng([seed, member.index, 1])
    n = len(grid.utc)
    shape = profiles[member.slp].to_numpy()
    shift = int(rng.integers(-HOUSEHOLD_SHIFT_QH, HOUSEHOLD_SHIFT_QH + 1))
    pos = np.clip(grid.slp_pos + shift, 0, len(shape) - 1)
    base = shape[pos] * member.annual_kwh * 1000.0 * (1.0 - SPIKE_SHARE)
    n_days = len(grid.day_start)
    day_factor = np.exp(rng.normal(-0.5 * HOUSEHOLD_DAY_SIGMA**2, HOUSEHOLD_DAY_SIGMA, n_days))
    load = base * day_factor[grid.day] * _lognormal_factor(rng, n, HOUSEHOLD_NOISE_SIGMA, HOUSEHOLD_NOISE_PHI)

    mean_power = 0.5 * (SPIKE_POWER_KW[0] + SPIKE_POWER_KW[1])
    mean_duration_h = 0.5 * (SPIKE_DURATION_QH[0] + SPIKE_DURATION_QH[1]) * STEP_H
    events_per_day = SPIKE_SHARE * member.annual_kwh / 365.0 / (mean_power * mean_duration_h)
    n_events = int(rng.poisson(events_per_day * n_days))
    hour_p = SPIKE_HOUR_WEIGHTS / SPIKE_HOUR_WEIGHTS.sum()
    for _ in range(n_events):
        d = int(rng.integers(0, n_days))
        qh = int(rng.choice(24, p=hour_p)) * 4 + int(rng.integers(0, 4))
        duration = int(rng.integers(SPIKE_DURATION_QH[0], SPIKE_DURATION_QH[1] + 1))
        power_w = float(rng.uniform(*SPIKE_POWER_KW)) * 1000.0
        first = grid.day_start[d] + qh
        load[first : min(first + duration, n)] += power_w * STEP_H

    cap_wh = member.contract_kw * 1000.0 * CONTRACT_TOLERANCE * STEP_H
    return np.minimum(load, cap_wh)


def stakeholder_load(member: Member, grid: Grid, profiles: pd.DataFrame, seed: int) -> np.ndarray:
    """Wh per interval: the activity's BDEW G profile scaled to the annual energy, with mild noise."""
    rng = np.random.default_rng([seed, member.index, 1])
    n = len(grid.utc)
    base = profiles[member.slp].to_numpy()[grid.slp_pos] * member.annual_kwh * 1000.0
    n_days = len(grid.day_start)
    day_factor = np.exp(rng.normal(-0.5 * STAKEHOLDER_DAY_SIGMA**2, STAKEHOLDER_DAY_SIGMA, n_days))
    return base * day_factor[grid.day] * _lognormal_factor(rng, n, STAKEHOLDER_NOISE_SIGMA, STAKEHOLDER_NOISE_PHI)


# --------------------------------------------------------------------------------------------
# Weather and PV (pvlib)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weather:
    solpos: pd.DataFrame  # at interval midpoints
    ghi: pd.Series
    dni: pd.Series
    dhi: pd.Series
    dni_extra: pd.Series
    airmass: pd.Series
    temp_air: np.ndarray
    wind_speed: np.ndarray
    kc_day: np.ndarray
    perturbed: np.ndarray


def synthetic_weather(grid: Grid, seed: int) -> Weather:
    """Clear-sky irradiance (Ineichen/Perez with pvlib's bundled Linke turbidity) times a seeded
    clear-sky index; DNI/DHI from GHI with the Erbs decomposition; synthetic air temperature and wind."""
    import pvlib

    rng = np.random.default_rng([seed, 1000])
    n_days = len(grid.day_start)
    perturbed = np.zeros(n_days, dtype=bool)
    for d, month in enumerate(grid.month_of_day):
        share = PERTURBED_SHARE[int(month)]
        if d == 0:
            p = share
        elif perturbed[d - 1]:
            p = PERTURBED_PERSISTENCE
        else:  # keeps the stationary share equal to `share`
            p = share * (1.0 - PERTURBED_PERSISTENCE) / (1.0 - share)
        perturbed[d] = rng.uniform() < p
    fair_b = rng.beta(*KC_BETA_FAIR, n_days)
    perturbed_b = rng.beta(*KC_BETA_PERTURBED, n_days)
    kc_day = KC_MIN + (1.0 - KC_MIN) * np.where(perturbed, perturbed_b, fair_b)
    kd = kc_day[grid.day]
    kc = np.clip(kd + KC_INTRADAY_SCALE * kd * (1.0 - kd) * _ar1(rng, len(grid.utc), KC_INTRADAY_PHI), *KC_CLIP)

    location = pvlib.location.Location(LATITUDE, LONGITUDE, tz=TIMEZONE, altitude=ALTITUDE_M, name="Genova")
    mid = grid.utc + STEP / 2  # the interval's mean power is close to the power at its midpoint
    with warnings.catch_warnings():
        # pvlib 0.16.1 still calls DatetimeIndex.dayofyear, deprecated in pandas 3.1 (harmless)
        warnings.filterwarnings("ignore", message=r".*dayofyear is deprecated")
        solpos = location.get_solarposition(mid)
        clear = location.get_clearsky(mid, model="ineichen", solar_position=solpos)
        ghi = (clear["ghi"] * kc).where(solpos["apparent_zenith"] < 90.0, 0.0).clip(lower=0.0)
        split = pvlib.irradiance.erbs(ghi, solpos["zenith"], mid)
        dni_extra = pvlib.irradiance.get_extra_radiation(mid)
    dni = split["dni"].fillna(0.0).clip(lower=0.0)
    dhi = split["dhi"].fillna(0.0).clip(lower=0.0)
    airmass = location.get_airmass(mid, solar_position=solpos)["airmass_relative"]

    anomaly = T_ANOMALY_SIGMA * _ar1(rng, n_days, T_ANOMALY_PHI)
    t_mean = np.linspace(T_MEAN_START, T_MEAN_END, n_days) + anomaly
    amplitude = 2.0 + 3.0 * kc_day  # clear days have a wider daily range
    day = grid.day
    temp_air = t_mean[day] + amplitude[day] * np.cos(2.0 * np.pi * (grid.hour - 15.0) / 24.0)
    wind_speed = rng.uniform(*WIND_RANGE, n_days)[day]
    return Weather(solpos, ghi, dni, dhi, dni_extra, airmass, temp_air, wind_speed, kc_day, perturbed)


def pv_production(device: Device, weather: Weather) -> np.ndarray:
    """AC energy per interval (Wh, positive here): plane-of-array irradiance (Hay-Davies), ASHRAE
    incidence losses, SAPM cell temperature, PVWatts DC with the PVWatts default system losses
    (14.08 %) and the PVWatts inverter (96 % nominal efficiency, DC/AC 1.1)."""
    import pvlib

    sp = weather.solpos
    poa = pvlib.irradiance.get_total_irradiance(
        device.tilt,
        device.azimuth,
        sp["apparent_zenith"],
        sp["azimuth"],
        weather.dni,
        weather.ghi,
        weather.dhi,
        dni_extra=weather.dni_extra,
        airmass=weather.airmass,
        albedo=ALBEDO,
        model="haydavies",
    ).fillna(0.0)
    aoi = pvlib.irradiance.aoi(device.tilt, device.azimuth, sp["apparent_zenith"], sp["azimuth"])
    effective = (poa["poa_direct"] * pvlib.iam.ashrae(aoi) + poa["poa_diffuse"]).fillna(0.0).clip(lower=0.0)
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][device.mount]
    temp_cell = pvlib.temperature.sapm_cell(poa["poa_global"], weather.temp_air, weather.wind_speed, **params)
    pdc0 = device.kwp * 1000.0
    pdc = pvlib.pvsystem.pvwatts_dc(effective, temp_cell, pdc0, GAMMA_PDC)
    pdc = pdc * (1.0 - pvlib.pvsystem.pvwatts_losses() / 100.0)
    pac0 = pdc0 / DC_AC_RATIO
    pac = pvlib.inverter.pvwatts(pdc, pac0 / INVERTER_ETA, eta_inv_nom=INVERTER_ETA)
    pac = np.nan_to_num(np.asarray(pac, dtype=float), nan=0.0)
    pac = np.where(sp["apparent_zenith"].to_numpy() < 90.0, np.clip(pac, 0.0, pac0), 0.0)
    return pac * STEP_H


# --------------------------------------------------------------------------------------------
# Home battery
# --------------------------------------------------------------------------------------------


def battery_dispatch(device: Device, load_wh: np.ndarray, pv_wh: np.ndarray) -> np.ndarray:
    """Battery meter energy per interval (Wh): + charging from the PV surplus (PV - load), - discharging
    to cover the deficit (evening and night first, since that is when the deficit comes). The round
    trip efficiency is split evenly: eta_c = eta_d = sqrt(0.95). SOC stays in [10 %, 100 %] and
    starts at 10 %, so the total discharge never exceeds 0.95 * total charge."""
    eta = np.sqrt(BATTERY_ROUND_TRIP)
    capacity = device.capacity_kwh * 1000.0
    soc_min, soc_max = BATTERY_SOC[0] * capacity, BATTERY_SOC[1] * capacity
    limit = device.power_kw * 1000.0 * STEP_H
    soc = soc_min
    out = np.zeros_like(load_wh)
    for t, net in enumerate(pv_wh - load_wh):
        if net > 0.0:
            e = min(net, limit, (soc_max - soc) / eta)
            soc += e * eta
            out[t] = e
        elif net < 0.0:
            e = min(-net, limit, (soc - soc_min) * eta)
            soc -= e / eta
            out[t] = -e
    return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _round(values: np.ndarray) -> np.ndarray:
    return np.round(values, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def _write_members(path: Path, members: list[Member]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["wallet", "name", "email", "kind", "profile", "deviceid"])
    for m in members:
        for d in m.devices:
            writer.writerow([m.wallet, m.name, m.email, m.kind, m.profile, d.deviceid])
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def _write_readings(path: Path, grid: Grid, series: list[tuple[str, np.ndarray]]) -> None:
    lines = ["deviceid,timestamp,energy\n"]
    for deviceid, values in series:
        lines.extend(f"{deviceid},{ts},{v:.1f}\n" for ts, v in zip(grid.timestamps, values.tolist()))
    payload = "".join(lines).encode("ascii")
    with path.open("wb") as raw:
        with gzip.GzipFile(filename="readings.csv", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(payload)


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> dict:
    """Write ``members.csv`` and ``readings.csv.gz`` for ``seed`` into ``out_dir``; return a summary."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    members = community_spec(seed)
    grid = time_grid()
    profiles = bdew_profiles(PERIOD_START.year)
    weather = synthetic_weather(grid, seed)

    series: list[tuple[str, np.ndarray]] = []
    for m in members:
        load_fn = household_load if m.kind == "citizen" else stakeholder_load
        load = _round(load_fn(m, grid, profiles, seed))
        pv = None
        for d in m.devices:
            if d.role == "load":
                series.append((d.deviceid, load))
            elif d.role == "pv":
                pv = _round(pv_production(d, weather))
                series.append((d.deviceid, _round(-pv)))
            elif d.role == "battery":
                if pv is None:
                    raise ValueError(f"battery {d.deviceid} without PV")
                series.append((d.deviceid, _round(battery_dispatch(d, load, pv))))

    _write_members(out_dir / "members.csv", members)
    _write_readings(out_dir / "readings.csv.gz", grid, series)

    role = {d.deviceid: d.role for m in members for d in m.devices}
    months = grid.local.month
    totals: dict[str, dict[str, float]] = {}
    for label, mask in (("total", np.ones(len(grid.utc), bool)), ("2026-09", months == 9), ("2026-10", months == 10)):
        acc = {"consumed_kwh": 0.0, "produced_kwh": 0.0, "battery_charged_kwh": 0.0, "battery_discharged_kwh": 0.0}
        for deviceid, values in series:
            v = values[mask]
            if role[deviceid] == "load":
                acc["consumed_kwh"] += v.sum() / 1000.0
            elif role[deviceid] == "pv":
                acc["produced_kwh"] += -v.sum() / 1000.0
            else:
                acc["battery_charged_kwh"] += v[v > 0].sum() / 1000.0
                acc["battery_discharged_kwh"] += -v[v < 0].sum() / 1000.0
        totals[label] = {k: round(float(x), 1) for k, x in acc.items()}
    return {
        "seed": seed,
        "out_dir": str(out_dir),
        "members": len(members),
        "citizens": sum(m.kind == "citizen" for m in members),
        "stakeholders": sum(m.kind == "stakeholder" for m in members),
        "profiles": {p: sum(m.profile == p for m in members) for p in ("consumer", "prosumer", "prostormer")},
        "devices": len(series),
        "intervals": len(grid.utc),
        "rows": len(series) * len(grid.utc),
        "period": {"start": PERIOD_START.isoformat(), "end": PERIOD_END.isoformat(), "step": "15min"},
        "pv_kwp": round(sum(d.kwp for m in members for d in m.devices if d.role == "pv"), 1),
        "energy": totals,
        "bytes": {name: (out_dir / name).stat().st_size for name in ("members.csv", "readings.csv.gz")},
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    from oracle.sample import SAMPLE_DIR

    parser = argparse.ArgumentParser(prog="python -m oracle.sample.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR, help=f"output directory (default {SAMPLE_DIR})")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.seed)
    json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
