"""Small hubs whose optimum can be worked out by hand."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from oracle.planner.hubfile import parse_hub
from oracle.planner.inputs import build_inputs
from oracle.planner.profiles import Timeline


def day(values: list) -> dict:
    """A weekday shape from its first hours (the rest 0)."""
    return {"weekday": list(values) + [0] * (24 - len(values))}


# Four hours of Monday 2026-01-05 (local), each weighing 1 hour. Electricity 100, 100, 100, 30 kW;
# heat 90, 90, 0, 0 kW. A CHP of exactly 100 kW (0.4 el, 0.45 heat per kWh of gas, at least 50 % load)
# may be built for 40 EUR (discount 0, lifetime 1 year: annuity 1); an existing boiler (0.9); the grid at
# 0.25 EUR/kWh, 0.3 kg/kWh, no export; gas 0.05 EUR/kWh, 0.2 kg/kWh.
TINY = {
    "name": "tiny",
    "year": 2026,
    "discount_rate": 0.0,
    "site": {"latitude": 40.84, "longitude": 14.27, "timezone": "Europe/Rome"},
    "grid": {"import_price": 0.25, "export_price": 0.0, "export_limit_kw": 0, "emission_factor": 0.3},
    "gas": {"price": 0.05, "emission_factor": 0.2},
    "demands": [
        {"use": "yard", "carrier": "electricity", "profile_kw": day([100, 100, 100, 30])},
        {"use": "offices", "carrier": "heat", "profile_kw": day([90, 90])},
    ],
    "technologies": {
        "chp": {
            "kind": "conversion",
            "input": "gas",
            "outputs": {"electricity": 0.4, "heat": 0.45},
            "capacity_kw": {"min": 100, "max": 100},
            "min_load": 0.5,
            "invest_eur_per_kw": 0.4,
            "lifetime_years": 1,
        },
        "boiler": {"kind": "conversion", "input": "gas", "outputs": {"heat": 0.9}, "existing_kw": 200},
    },
}
# By hand. Without the CHP: grid 330 kWh × 0.25 = 82.5, boiler gas 180 / 0.9 = 200 kWh × 0.05 = 10 → 92.5 EUR;
#   CO₂ 330 × 0.3 + 200 × 0.2 = 99 + 40 = 139 kg.
# With it: hours 0-2 at 100 kW (its kWh costs 0.05 / 0.4 = 0.125 < 0.25, and its 112.5 kW of heat covers the
#   90 kW); hour 3 needs 30 kW, below its 50 kW minimum and nothing can be exported: off, grid 30 kWh.
#   Gas 3 × 250 = 750 kWh × 0.05 = 37.5, grid 30 × 0.25 = 7.5, investment 100 kW × 0.4 = 40 → 85 EUR;
#   CO₂ 750 × 0.2 + 30 × 0.3 = 150 + 9 = 159 kg.
# CO₂: a kWh of gas in the CHP emits 0.2 kg; while its heat is used it saves 0.4 kWh of grid (0.12 kg) and
#   0.45 / 0.9 = 0.5 kWh of boiler gas (0.1 kg): 0.22 > 0.2, so it runs heat-led. Where its heat is not used
#   it saves only 0.12 < 0.2: off. So the CO₂ optimum builds it too, and runs it only in hours 0-1 at
#   90 / 0.45 = 200 kWh of gas (80 kW el, above its 50 kW minimum), grid 20 kW; hours 2-3 from the grid.
#   CO₂ 2 × (200 × 0.2 + 20 × 0.3) + 100 × 0.3 + 30 × 0.3 = 92 + 30 + 9 = 131 kg;
#   cost 400 × 0.05 + (20 + 20 + 100 + 30) × 0.25 + 40 = 20 + 42.5 + 40 = 102.5 EUR.
TINY_COST_END = (85.0, 0.159)
TINY_CO2_END = (102.5, 0.131)


def tiny_doc(**changes) -> dict:
    doc = copy.deepcopy(TINY)
    doc.update(changes)
    return doc


def inputs_of(doc: dict, path, hours: int = 4, start: str = "2026-01-05"):
    hub = parse_hub(doc, path)
    times = pd.date_range(start, periods=hours, freq="h", tz=hub.site.timezone)
    return build_inputs(hub, Timeline(times, np.ones(hours)))


# A day with every kind: CHP with minimum load, boiler, heat pump, PV, battery, heat store, the grid.
DAY = {
    "name": "day",
    "year": 2026,
    "discount_rate": 0.05,
    "site": {"latitude": 40.84, "longitude": 14.27, "timezone": "Europe/Rome"},
    "grid": {
        "import_price": {"weekday": [0.15] * 7 + [0.25] * 12 + [0.2] * 5},
        "export_price": 0.05,
        "emission_factor": 0.3,
    },
    "gas": {"price": 0.05, "emission_factor": 0.2},
    "demands": [
        {"use": "yard", "carrier": "electricity", "profile_kw": {"weekday": [60] * 7 + [150] * 11 + [90] * 6}},
        {"use": "offices", "carrier": "heat", "profile_kw": {"weekday": [40] * 6 + [120] * 12 + [40] * 6}},
    ],
    "technologies": {
        "chp": {
            "kind": "conversion",
            "input": "gas",
            "outputs": {"electricity": 0.4, "heat": 0.45},
            "capacity_kw": {"min": 20, "max": 150},
            "min_load": 0.5,
            "invest_eur_per_kw": 3,
            "lifetime_years": 1,
        },
        "boiler": {"kind": "conversion", "input": "gas", "outputs": {"heat": 0.9}, "existing_kw": 200},
        "heat_pump": {
            "kind": "conversion",
            "input": "electricity",
            "outputs": {"heat": 3.0},
            "capacity_kw": {"max": 150},
            "invest_eur_per_kw": 8,
            "lifetime_years": 1,
        },
        "pv": {"kind": "pv", "capacity_kw": {"max": 300}, "invest_eur_per_kw": 2, "lifetime_years": 1},
        "battery": {
            "kind": "storage",
            "carrier": "electricity",
            "capacity_kwh": {"max": 400},
            "invest_eur_per_kw": 1,
            "lifetime_years": 1,
        },
        "heat_store": {
            "kind": "storage",
            "carrier": "heat",
            "capacity_kwh": {"max": 400},
            "invest_eur_per_kw": 0.2,
            "lifetime_years": 1,
        },
    },
}
