"""`oracle plan --community`: the measured load from PostgreSQL, and each option's cost per tonne avoided."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from oracle.cli import main

from .conftest import write_hub

START, END = "2026-01-05T00:00:00+01:00", "2026-01-05T04:00:00+01:00"  # four night hours: PV yields nothing

# Net load per hour: A 4 × 250 Wh = 1 kWh every hour; B produces 250 Wh in hour 1: 1, 0.75, 1, 1 kW.
# Each hour stands for 8760 / 4 = 2190 hours of the year.
W = 8760 / 4
NET_KWH = (1 + 0.75 + 1 + 1) * W  # 8212.5 kWh/year from the grid
HEAT_KWH = 3 * 4 * W  # 26 280 kWh/year of heat (3 kW)
BASE_COST = NET_KWH * 0.25 + HEAT_KWH / 0.9 * 0.1  # 2053.125 + 2920 = 4973.125 EUR
BASE_CO2 = (NET_KWH * 0.3 + HEAT_KWH / 0.9 * 0.2) / 1000  # 2.46375 + 5.84 = 8.30375 t
# A heat pump kW costs 1000 / 10 = 100 EUR/year plus 8760 / 3 × 0.25 = 730 of electricity: 830 < the boiler's
# 8760 / 0.9 × 0.1 = 973.3 per kW of heat: it is built for all 3 kW.
HP_COST = NET_KWH * 0.25 + HEAT_KWH / 3 * 0.25 + 3 * 100  # 2053.125 + 2190 + 300 = 4543.125 EUR
HP_CO2 = (NET_KWH + HEAT_KWH / 3) * 0.3 / 1000  # 5.09175 t
HP_PER_TONNE = (HP_COST - BASE_COST) / (BASE_CO2 - HP_CO2)  # −430 / 3.212 = −133.87 EUR/t

HUB = {
    "name": "community",
    "discount_rate": 0.0,
    "site": {"latitude": 40.84, "longitude": 14.27, "timezone": "Europe/Rome"},
    "grid": {"import_price": 0.25, "export_price": 0.0, "emission_factor": 0.3},
    "gas": {"price": 0.1, "emission_factor": 0.2},
    "demands": [
        {"use": "members", "carrier": "electricity", "source": "community"},
        {"use": "homes", "carrier": "heat", "profile_kw": {"weekday": [3] * 24}},
    ],
    "technologies": {
        "boiler": {"kind": "conversion", "input": "gas", "outputs": {"heat": 0.9}, "existing_kw": 10},
        "heat_pump": {
            "kind": "conversion",
            "input": "electricity",
            "outputs": {"heat": 3.0},
            "capacity_kw": {"max": 10},
            "invest_eur_per_kw": 1000,
            "lifetime_years": 10,
        },
        "pv": {"kind": "pv", "capacity_kw": {"max": 10}, "invest_eur_per_kw": 1000, "lifetime_years": 20},
        "battery": {
            "kind": "storage",
            "carrier": "electricity",
            "capacity_kwh": {"max": 20},
            "invest_eur_per_kw": 300,
            "lifetime_years": 10,
        },
    },
}


@pytest.fixture(scope="module")
def community(planner_db):
    from oracle.db.partitions import ensure_reading_partitions
    from oracle.db.schema import Community, CounterReading, Device, Ingestion, Membership, Supplier, User

    name = "Planner LEC"
    with planner_db.session() as s:
        c = Community(name=name, symbol="PLN")
        user, supplier = User(), Supplier(name="planner meters")
        s.add_all([c, user, supplier])
        s.flush()
        member = Membership(
            user_id=user.id, community_id=c.id, wallet="0x" + "ab" * 20, kind="citizen", profile="prosumer"
        )
        s.add(member)
        s.flush()
        load, pv = (
            Device(deviceid=d, supplier_id=supplier.id, owner_user_id=user.id, membership_id=member.id)
            for d in ("PLN-A", "PLN-B")
        )
        ingestion = Ingestion(
            community_id=c.id, path="test", format="csv", sha256="0" * 64, finished_at=datetime.now(UTC)
        )
        s.add_all([load, pv, ingestion])
        s.flush()
        t0 = datetime.fromisoformat(START)
        ensure_reading_partitions(s.connection(), t0, datetime.fromisoformat(END))  # readings are partitioned
        s.add_all(
            CounterReading(
                device_id=load.id, ts=t0 + timedelta(minutes=15 * q), energy=250.0, ingestion_id=ingestion.id
            )
            for q in range(16)
        )
        s.add(
            CounterReading(
                device_id=pv.id, ts=t0 + timedelta(hours=1, minutes=15), energy=-250.0, ingestion_id=ingestion.id
            )
        )
    return name


def test_the_community_should_build_the_heat_pump_at_a_hand_worked_cost_per_tonne(
    planner_db, community, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", planner_db.database_url)
    hub = write_hub(tmp_path, HUB)
    code = main(
        [
            "--home",
            str(tmp_path / "home"),
            "plan",
            "--community",
            community,
            "--from",
            START,
            "--to",
            END,
            "--hub",
            str(hub),
            "--out",
            str(tmp_path / "out"),
            "--points",
            "3",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    options = pd.read_csv(tmp_path / "out" / "options.csv").set_index("option")
    assert options.loc["build nothing", "cost_eur_per_year"] == pytest.approx(BASE_COST, abs=0.01)
    assert options.loc["build nothing", "co2_t_per_year"] == pytest.approx(BASE_CO2, abs=1e-3)
    assert options.loc["heat_pump", "cost_eur_per_year"] == pytest.approx(HP_COST, abs=0.01)
    assert options.loc["heat_pump", "co2_t_per_year"] == pytest.approx(HP_CO2, abs=1e-3)
    assert options.loc["heat_pump", "eur_per_t_avoided"] == pytest.approx(HP_PER_TONNE, abs=0.1)
    for idle in ("pv", "battery"):  # no sun at night, nothing to shift: they avoid nothing and are not built
        assert pd.isna(options.loc[idle, "eur_per_t_avoided"])
        assert options.loc[idle, "capacities"] == "boiler 10"
    assert options.loc["cost-optimal mix", "cost_eur_per_year"] == pytest.approx(HP_COST, abs=0.01)
    assert "build next: heat_pump 3.0" in out
    report = (tmp_path / "out" / "report.md").read_text()
    assert "Options, each alone against building nothing" in report and "-133.9" in report
    for name in ("pareto.csv", "pareto.png", "report.md"):
        assert (tmp_path / "out" / name).exists()


def test_an_unknown_community_is_refused_in_one_line(planner_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", planner_db.database_url)
    hub = write_hub(tmp_path, HUB)
    code = main(
        [
            "--home",
            str(tmp_path / "home"),
            "plan",
            "--community",
            "Nowhere",
            "--from",
            START,
            "--to",
            END,
            "--hub",
            str(hub),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err == "error: no community named 'Nowhere'\n"
