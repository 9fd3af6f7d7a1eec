"""The PELL-IP demo data: night length worked out by hand and against pvlib's sun positions, the plants and
consumption the generator writes, and one municipality of it imported and certified."""

from __future__ import annotations

import csv
import math
from datetime import UTC, date, datetime

import pandas as pd
import pvlib
import pytest

from oracle.pell.certify import certify
from oracle.pell.demo.generate import TOWNS, night_hours, plants, write_files
from oracle.pell.importer import import_file
from oracle.pell.verify import check_records

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_night_length_at_the_equinox_of_the_formula_is_worked_out_by_hand():
    # Cooper's declination is 0 on day 81 (284 + 81 = 365): cos ω0 = sin(-0.833°) / cos(44.4°)
    cos_w0 = -0.0145381 / 0.7144727
    expected = 24 - 2 * math.degrees(math.acos(cos_w0)) / 15  # 11.8445 h
    assert night_hours(date(2026, 3, 22)) == pytest.approx(expected, abs=1e-4)
    assert expected == pytest.approx(11.8445, abs=1e-4)


@pytest.mark.parametrize("day", ["2026-03-22", "2026-06-21", "2026-09-23", "2026-12-21", "2026-02-10"])
def test_night_length_agrees_with_pvlib_sunset_and_sunrise_within_ten_minutes(day):
    noon = pd.Timestamp(f"{day} 12:00", tz="Europe/Rome")
    times = pd.DatetimeIndex([noon, noon + pd.Timedelta(days=1)])
    sun = pvlib.solarposition.sun_rise_set_transit_spa(times, 44.4, 8.93)
    night = (sun["sunrise"].iloc[1] - sun["sunset"].iloc[0]).total_seconds() / 3600
    assert night_hours(date.fromisoformat(day)) == pytest.approx(night, abs=10 / 60)


def test_the_generator_writes_eight_municipalities_with_plants_and_a_year_that_follows_the_nights(tmp_path):
    paths = write_files(tmp_path, NOW)
    with open(paths["municipalities"]) as f:
        towns = list(csv.DictReader(f))
    assert [(t["istat_code"], t["name"], t["province"], t["reserved"]) for t in towns] == [
        ("010025", "Genova", "GE", "no"),
        ("011015", "La Spezia", "SP", "no"),
        ("009056", "Savona", "SV", "no"),
        ("008031", "Imperia", "IM", "no"),
        ("008055", "Sanremo", "IM", "no"),
        ("010015", "Chiavari", "GE", "yes"),
        ("010046", "Rapallo", "GE", "no"),
        ("011027", "Sarzana", "SP", "yes"),
    ]
    made = plants()
    assert len(made) == sum(t.plants for t in TOWNS) == 49
    for town in TOWNS:  # the share of plants converted to LED, rounded to whole plants
        led = [p for p in made if p.town == town and all(t == "LED" for t, _w, _n in p.lamps)]
        assert len(led) == round(town.plants * town.led_share)
    with open(paths["consumption"]) as f:
        rows = list(csv.DictReader(f))
    months = sorted({r["period"] for r in rows})
    assert months == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]  # the 12 months before December 2026
    kwh = {(r["plant_code"], r["period"]): float(r["kwh"]) for r in rows}
    for plant in made:
        # December's nights are ~15 h, June's ~8.5 h: every plant burns more in December (dimming or not)
        assert kwh[(plant.code, "2025-12")] > 1.4 * kwh[(plant.code, "2026-06")]


def test_one_demo_municipality_imports_and_certifies(ctx, tmp_path):
    paths = write_files(tmp_path, NOW)
    for kind in ("municipalities", "plants", "consumption"):
        import_file(ctx, paths[kind], "csv", now=NOW)
    summary = certify(ctx, "008031", progress=False, now=NOW)  # Imperia: 5 plants, 12 months
    assert len(summary.certified) == 5 + 12
    checks = check_records(ctx, "008031", now=NOW)
    assert len(checks) == 17 and {c.state for c in checks} == {"certified"}
    assert {c.state for c in check_records(ctx, "010015", now=NOW)} == {"never certified"}
