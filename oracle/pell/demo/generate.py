"""The PELL-IP demo data: eight municipalities of Liguria, their lighting plants and a year of monthly
consumption, written as the three CSV files `oracle pell import` reads. Every assumption is in README.md here.

Deterministic: the plants come from a fixed seed; the months are the twelve complete months before `now`.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from oracle.pell.months import TIME_ZONE, month_text, next_month

SEED = 2026
REGION = "Liguria"
LATITUDE = 44.4  # the coast of Liguria, for the night length
SUN_ALTITUDE_AT_SWITCHING = -0.833  # degrees: sunset/sunrise (refraction and the sun's radius)
DIMMED_HOURS = 5.0  # 00:00-05:00, always dark at 44.4° N
DIMMED_LEVEL = 0.5
SYSTEM_FACTOR = {"LED": 1.05, "HPS": 1.15, "MH": 1.15, "MV": 1.12}  # driver / ballast losses over lamp power
NOISE = 0.015  # month-to-month spread of a plant's reading (relative standard deviation)


@dataclass(frozen=True)
class Town:
    code: str
    name: str
    province: str
    prefix: str  # of its plant codes
    latitude: float
    longitude: float
    plants: int
    led_share: float
    reserved: bool = False


TOWNS = (
    Town("010025", "Genova", "GE", "GEN", 44.4071, 8.9339, 12, 0.60),
    Town("011015", "La Spezia", "SP", "SPE", 44.1025, 9.8241, 8, 0.50),
    Town("009056", "Savona", "SV", "SAV", 44.3079, 8.4810, 6, 0.45),
    Town("008031", "Imperia", "IM", "IMP", 43.8897, 8.0396, 5, 0.35),
    Town("008055", "Sanremo", "IM", "SRM", 43.8159, 7.7761, 6, 0.55),
    Town("010015", "Chiavari", "GE", "CHI", 44.3169, 9.3220, 4, 0.40, reserved=True),
    Town("010046", "Rapallo", "GE", "RAP", 44.3500, 9.2310, 4, 0.30),
    Town("011027", "Sarzana", "SP", "SAR", 44.1136, 9.9600, 4, 0.50, reserved=True),
)
LED_POWERS = (30, 40, 56, 75, 90)
LEGACY = (("HPS", (70, 100, 150, 250), 0.75), ("MH", (70, 150), 0.15), ("MV", (125,), 0.10))
DIMMING = "dimming 50% 00:00-05:00"
CONTROLS_LED = (DIMMING, DIMMING, DIMMING, "point-to-point telecontrol, " + DIMMING, "twilight switch")
CONTROLS_LEGACY = ("astronomical clock", "twilight switch", "twilight switch")


@dataclass(frozen=True)
class DemoPlant:
    town: Town
    code: str
    pod: str
    latitude: float
    longitude: float
    panel: str
    control: str
    lamps: tuple[tuple[str, int, int], ...]  # (technology, W, count)

    @property
    def dimmed(self) -> bool:
        return "dimming" in self.control


def night_hours(day: date, latitude: float = LATITUDE) -> float:
    """Hours from sunset to sunrise: the sunset hour angle ω0 with cos ω0 = (sin h0 − sin φ sin δ)/(cos φ cos δ),
    the declination δ = 23.44° sin(360°/365 (284 + n)) (Cooper), n the day of the year; night = 24 − 2 ω0 / 15°."""
    n = day.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(math.radians(360 / 365 * (284 + n)))
    phi, h0 = math.radians(latitude), math.radians(SUN_ALTITUDE_AT_SWITCHING)
    cos_w0 = (math.sin(h0) - math.sin(phi) * math.sin(declination)) / (math.cos(phi) * math.cos(declination))
    return 24 - 2 * math.degrees(math.acos(max(-1.0, min(1.0, cos_w0)))) / 15


def month_days(month: date) -> list[date]:
    end = next_month(month)
    return [date(month.year, month.month, d) for d in range(1, (end - month).days + 1)]


def _lamps(rng: random.Random, converted: bool) -> tuple[tuple[str, int, int], ...]:
    points = rng.randint(25, 140)
    if converted:
        main = rng.choice(LED_POWERS)
        side = rng.choice([p for p in LED_POWERS if p < main] or [main])
        split = int(points * rng.uniform(0.6, 0.85)) if side != main else points
        groups = [("LED", main, split)] + ([("LED", side, points - split)] if side != main else [])
    else:
        technology, powers, _ = rng.choices(LEGACY, weights=[w for *_, w in LEGACY])[0]
        led = int(points * rng.uniform(0.0, 0.3))  # a few points already replaced one by one
        groups = [(technology, rng.choice(powers), points - led)] + (
            [("LED", rng.choice(LED_POWERS[:3]), led)] if led else []
        )
    return tuple(g for g in groups if g[2] > 0)


def plants(seed: int = SEED) -> list[DemoPlant]:
    rng = random.Random(seed)
    made = []
    for town in TOWNS:
        converted = set(rng.sample(range(town.plants), round(town.plants * town.led_share)))
        for i in range(town.plants):
            is_led = i in converted
            made.append(
                DemoPlant(
                    town,
                    f"{town.prefix}-IP-{i + 1:03d}",
                    f"IT001E{rng.randrange(10**8):08d}",
                    round(town.latitude + rng.uniform(-0.015, 0.015), 6),
                    round(town.longitude + rng.uniform(-0.02, 0.02), 6),
                    f"QE-{rng.randint(1, 400):03d}",
                    rng.choice(CONTROLS_LED if is_led else CONTROLS_LEGACY),
                    _lamps(rng, is_led),
                )
            )
    return made


def system_power_w(plant: DemoPlant) -> float:
    return sum(SYSTEM_FACTOR[t] * w * n for t, w, n in plant.lamps)


def month_kwh(plant: DemoPlant, month: date, rng: random.Random) -> Decimal:
    hours = sum(night_hours(day) for day in month_days(month))
    if plant.dimmed:
        hours -= len(month_days(month)) * DIMMED_HOURS * (1 - DIMMED_LEVEL)
    kwh = system_power_w(plant) * hours / 1000 * (1 + rng.gauss(0, NOISE))
    return Decimal(repr(kwh)).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)


def past_months(now: datetime, count: int = 12) -> list[date]:
    local = now.astimezone(TIME_ZONE)
    month = date(local.year, local.month, 1)
    months = []
    for _ in range(count):
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        months.append(month)
    return sorted(months)


def write_files(folder: Path, now: datetime) -> dict[str, Path]:
    """municipalities.csv, plants.csv and consumption.csv in `folder` (made if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = plants()
    paths = {kind: folder / f"{kind}.csv" for kind in ("municipalities", "plants", "consumption")}
    _write(
        paths["municipalities"],
        ["istat_code", "name", "province", "region", "reserved"],
        [[t.code, t.name, t.province, REGION, "yes" if t.reserved else "no"] for t in TOWNS],
    )
    _write(
        paths["plants"],
        [
            "istat_code",
            "plant_code",
            "pod",
            "latitude",
            "longitude",
            "electrical_panel",
            "control_system",
            "technology",
            "unit_power_w",
            "count",
        ],
        [
            [p.town.code, p.code, p.pod, f"{p.latitude:.6f}", f"{p.longitude:.6f}", p.panel, p.control, t, w, n]
            for p in made
            for t, w, n in p.lamps
        ],
    )
    rows = []
    for month in past_months(now):
        rng = random.Random(f"{SEED}-{month_text(month)}")
        rows += [[p.town.code, p.code, month_text(month), f"{month_kwh(p, month, rng)}"] for p in made]
    _write(paths["consumption"], ["istat_code", "plant_code", "period", "kwh"], rows)
    return paths


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
