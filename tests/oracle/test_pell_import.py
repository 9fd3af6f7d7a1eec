"""PELL-IP import: every bad record class refuses the whole file (file, line, field named; nothing stored),
re-imports are idempotent, a changed plant is updated, UrbanDataset documents, the CLI's one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from oracle.db.schema import PellConsumption, PellLamp, PellMunicipality, PellPlant, PellViewer
from oracle.pell.importer import import_file
from oracle.pell.records import PellRecordError
from tests.oracle.test_pell_certify import PLANTS_HEADER, load, new_code

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # the month in progress is 2026-12
CONSUMPTION_HEADER = "istat_code,plant_code,period,kwh\n"


def counts(ctx) -> tuple[int, ...]:
    with ctx.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (PellMunicipality, PellPlant, PellLamp, PellConsumption)
        )


@pytest.fixture(scope="module")
def town(base_ctx, tmp_path_factory):
    """A municipality with plant P1 (a good first line for every bad file), made once for the module."""
    ctx, tmp_path, code = base_ctx, tmp_path_factory.mktemp("town"), new_code()
    load(ctx, tmp_path, "m.csv", f"istat_code,name,province,region,reserved\n{code},Borgo {code},sv,Liguria,yes\n")
    load(ctx, tmp_path, "p.csv", PLANTS_HEADER + f"{code},P1,IT001E1,44.3,8.4,,,LED,40,10\n")
    return code


def good_plant(code: str, plant: str = "P9") -> str:
    return f"{code},{plant},IT001E9,44.3,8.4,QE-9,,HPS,100,5\n"


BAD_PLANTS = [  # (line 3 of a plants file, field, words of the reason)
    ("999998,P2,IT001E2,44.3,8.4,,,LED,40,10", "istat_code", "unknown municipality 999998"),
    ("{code},P2,,44.3,8.4,,,LED,40,10", "pod", "is empty: every plant has a POD"),
    ("{code},P2,IT001E2,44.3,8.4,,,LED,-40,10", "unit_power_w", "-40 W: a lamp's unit power is more than 0"),
    ("{code},P2,IT001E2,44.3,8.4,,,LED,0,10", "unit_power_w", "0 W: a lamp's unit power is more than 0"),
    ("{code},P2,IT001E2,91,8.4,,,LED,40,10", "latitude", "outside the WGS84 latitude range"),
    ("{code},P2,IT001E2,44.3,-180.5,,,LED,40,10", "longitude", "outside the WGS84 longitude range"),
    ("{code},P2,IT001E2,44,3,8.4,,,LED,40", "technology", "is empty"),
    ("{code},P2,IT001E2,44.3,8.4,,,LED,4O,10", "unit_power_w", "'4O' is not a number"),
    ("{code},P2,IT001E2,44.3,8.4,,,LED,40,2.5", "count", "'2.5' is not a whole number"),
    ("{code},P2,IT001E2,44.3,8.4,,,sodium,40,10", "technology", "'sodium' is not a lamp technology"),
    ("{code},P 2,IT001E2,44.3,8.4,,,LED,40,10", "plant_code", "is not a plant code"),
    ("{code},P9,IT001E8,44.3,8.4,QE-9,,LED,40,10", "pod", "differs from line 2 of the same plant P9"),
    ("{code},P9,IT001E9,44.3,8.4,QE-9,,HPS,100,7", "technology", "HPS 100 W repeats a lamp group of plant P9"),
    ("1234,P2,IT001E2,44.3,8.4,,,LED,40,10", "istat_code", "is not an ISTAT municipality code"),
]


@pytest.mark.parametrize("line, field, reason", BAD_PLANTS, ids=[f for _l, f, _r in BAD_PLANTS])
def test_a_bad_plant_record_refuses_the_whole_file(ctx, tmp_path, town, line, field, reason):
    before = counts(ctx)
    path = tmp_path / "bad-plants.csv"
    path.write_text(PLANTS_HEADER + good_plant(town) + line.format(code=town) + "\n")
    with pytest.raises(PellRecordError) as refused:
        import_file(ctx, path, "csv", now=NOW)
    assert (refused.value.line, refused.value.field) == (3, field)
    assert str(refused.value).startswith(f"{path}:3: field {field}: ") and reason in str(refused.value)
    assert str(refused.value).endswith("nothing of the file was stored")
    assert counts(ctx) == before


BAD_CONSUMPTION = [
    ("{code},P1,2027-01,10", "period", "2027-01 is a month in the future"),
    ("{code},P1,2026-12-05T12:00:00+00:00,1", "period", "an interval in the future"),
    ("{code},P1,2026-13,10", "period", "is not a month YYYY-MM"),
    ("{code},P1,2026-03-01 25:00,10", "period", "is not a time"),
    ("{code},P1,2026-03-01T10:00:00,10", "period", "has no UTC offset"),
    ("{code},P1,2026-03-01T10:05:00+01:00,10", "period", "is not the start of a quarter-hour"),
    ("{code},P1,2026-03,-1", "kwh", "-1 kWh: consumption is not negative"),
    ("{code},P1,2026-03,1.2345", "kwh", "more than 3 decimals"),
    ("{code},P1,2026-03,1_000", "kwh", "'_' digit separators are not accepted"),
    ("{code},P1,2026-03,nan", "kwh", "'nan' is not a number"),
    ("{code},P7,2026-03,10", "plant_code", "has no plant P7"),
    ("999997,P1,2026-03,10", "istat_code", "unknown municipality 999997"),
    ("{code},P1,2026-02,10", "period", "repeats line 2"),
    ("{code},P1,2026-02-10T10:00:00+01:00,1", "period", "both a monthly figure and 15-minute readings for 2026-02"),
]


@pytest.mark.parametrize("line, field, reason", BAD_CONSUMPTION, ids=[r[:24] for _l, _f, r in BAD_CONSUMPTION])
def test_a_bad_consumption_record_refuses_the_whole_file(ctx, tmp_path, town, line, field, reason):
    before = counts(ctx)
    path = tmp_path / "bad-consumption.csv"
    path.write_text(CONSUMPTION_HEADER + f"{town},P1,2026-02,1.5\n" + line.format(code=town) + "\n")
    with pytest.raises(PellRecordError) as refused:
        import_file(ctx, path, "csv", now=NOW)
    assert (refused.value.line, refused.value.field) == (3, field) and reason in str(refused.value)
    assert counts(ctx) == before


def test_a_bad_municipality_and_a_bad_header_are_refused(ctx, tmp_path):
    before = counts(ctx)
    for text, line, field, reason in [
        (
            "istat_code,name,province,region\n010999,Ok,GE,Liguria\n01099,Bad,GE,Liguria\n",
            3,
            "istat_code",
            "'01099' is not an ISTAT municipality code",
        ),
        (
            "istat_code,name,province,region\n010998,Ok,GE,Liguria\n010997,Bad,Genova,Liguria\n",
            3,
            "province",
            "not a province code",
        ),
        ("istat_code,name,province,region,reserved\n010996,Bad,GE,Liguria,maybe\n", 2, "reserved", "not true/false"),
        ("istat_code,name,province,region,mayor\n010995,Bad,GE,Liguria,X\n", 1, "mayor", "not a column"),
        ("code,name\n1,x\n", 1, None, "not one of a municipalities, plants or consumption file"),
        ("istat_code;name;province;region\n010994;Bad;GE;Liguria\n", 1, None, "separated by ';'"),
    ]:
        path = tmp_path / "bad.csv"
        path.write_text(text)
        with pytest.raises(PellRecordError) as refused:
            import_file(ctx, path, "csv", now=NOW)
        assert (refused.value.line, refused.value.field) == (line, field) and reason in str(refused.value)
    assert counts(ctx) == before


def test_importing_the_same_files_again_changes_nothing_and_a_changed_plant_is_updated(ctx, tmp_path, town):
    plants = PLANTS_HEADER + good_plant(town) + f"{town},P9,IT001E9,44.3,8.4,QE-9,,LED,30,2\n"
    first = load(ctx, tmp_path, "p9.csv", plants)
    assert first.counts["plants new"] == 1
    with ctx.session() as s:
        stamp = s.scalar(select(PellPlant.updated_at).where(PellPlant.plant_code == "P9", PellPlant.pod == "IT001E9"))
    again = load(ctx, tmp_path, "p9.csv", plants)
    assert again.counts == {"plants unchanged": 1}
    changed = load(ctx, tmp_path, "p9.csv", plants.replace("LED,30,2", "LED,30,3"))
    assert changed.counts == {"plants changed": 1}
    with ctx.session() as s:
        plant = s.scalar(select(PellPlant).where(PellPlant.plant_code == "P9", PellPlant.pod == "IT001E9"))
        assert plant.updated_at > stamp
        assert sorted(
            (l.technology, l.unit_power_w, l.count)
            for l in s.scalars(select(PellLamp).where(PellLamp.plant_id == plant.id))
        ) == [("HPS", Decimal("100.00"), 5), ("LED", Decimal("30.00"), 3)]
    consumption = CONSUMPTION_HEADER + f"{town},P1,2026-01,10.5\n{town},P1,2026-02,9.25\n"
    assert load(ctx, tmp_path, "c.csv", consumption).counts == {"measurements new": 2}
    assert load(ctx, tmp_path, "c.csv", consumption).counts == {"measurements unchanged": 2}
    assert load(ctx, tmp_path, "c.csv", consumption.replace("9.25", "9.5")).counts == {
        "measurements changed": 1,
        "measurements unchanged": 1,
    }


def test_a_municipalities_file_makes_each_submitter_on_the_embedded_setup(ctx, town):
    from oracle.pell.chain import lighting
    from oracle.pell.keys import submitter_address

    address = submitter_address(ctx, town)
    assert ctx.chain.call(lighting(ctx).functions.isSubmitter(town, address))
    with ctx.session() as s:
        m = s.scalar(select(PellMunicipality).where(PellMunicipality.istat_code == town))
        assert (m.province, m.reserved) == ("SV", True)
        assert s.scalar(select(PellViewer.address).where(PellViewer.municipality_id == m.id)) == address


def urbandataset(spec: str, lines: list[dict], time_zone: str = "Europe/Rome", units: dict | None = None) -> str:
    definitions = [{"propertyName": n, "unitOfMeasure": u} for n, u in (units or {}).items()]
    doc = {
        "UrbanDataset": {
            "specification": {"id": {"value": spec}, "properties": {"propertyDefinition": definitions}},
            "context": {"producer": {"id": "SCP-Liguria"}, "timeZone": time_zone},
            "values": {"line": lines},
        }
    }
    return json.dumps(doc, indent=1)


def prop(**values) -> list[dict]:
    return [{"name": name, "val": val} for name, val in values.items()]


def test_urbandataset_plants_and_consumption_are_imported(ctx, tmp_path, town):
    plants = urbandataset(
        "PublicLightingPlant-1.0",
        [
            {
                "id": 1,
                "coordinates": {"latitude": 44.31, "longitude": 8.48},
                "property": prop(
                    TownCode=town,
                    PlantID="U1",
                    PODID="IT001E77",
                    LampTechnology="SAP",
                    LampUnitPower="150",
                    LampCount="20",
                    ControlSystem="astronomical clock",
                ),
            },
            {
                "id": 2,
                "coordinates": {"latitude": 44.31, "longitude": 8.48},
                "property": prop(
                    TownCode=town,
                    PlantID="U1",
                    PODID="IT001E77",
                    LampTechnology="LED",
                    LampUnitPower="56",
                    LampCount="4",
                    ControlSystem="astronomical clock",
                ),
            },
        ],
    )
    assert load(ctx, tmp_path, "plants.json", plants, "urbandataset").counts == {"plants new": 1}
    consumption = urbandataset(
        "SinglePhaseCounterReading-2.0",
        [
            {
                "id": 1,
                "period": {"start_ts": "2026-03-01T00:00:00", "end_ts": "2026-04-01T00:00:00"},
                "property": prop(TownCode=town, PODID="IT001E77", ActiveEnergy="1234567"),
            },
            {
                "id": 2,
                "period": {"start_ts": "2026-04-10T20:00:00", "end_ts": "2026-04-10T20:15:00"},
                "property": prop(TownCode=town, PlantID="P1", ActiveEnergy="250"),
            },
        ],
        units={"ActiveEnergy": "wattHour"},
    )
    assert load(ctx, tmp_path, "c.json", consumption, "urbandataset").counts == {"measurements new": 2}
    with ctx.session() as s:
        rows = s.execute(
            select(PellPlant.plant_code, PellConsumption.period_start, PellConsumption.resolution, PellConsumption.kwh)
            .join(PellPlant, PellPlant.id == PellConsumption.plant_id)
            .where(PellPlant.source_file.like("%json"))
            .order_by(PellPlant.plant_code)
        ).all()
        u1 = s.scalar(select(PellPlant).where(PellPlant.plant_code == "U1", PellPlant.pod == "IT001E77"))
        lamps = sorted((l.technology, l.count) for l in s.scalars(select(PellLamp).where(PellLamp.plant_id == u1.id)))
    assert lamps == [("HPS", 20), ("LED", 4)]  # SAP: sodio alta pressione = HPS
    assert [(r[0], r[1].isoformat(), r[2], r[3]) for r in rows] == [
        ("U1", "2026-02-28T23:00:00+00:00", "month", Decimal("1234.567"))
    ]  # 1 234 567 Wh, March in Italy


def test_a_bad_urbandataset_line_refuses_the_document(ctx, tmp_path, town):
    before = counts(ctx)
    doc = urbandataset(
        "SinglePhaseCounterReading-2.0",
        [
            {
                "id": 1,
                "period": {"start_ts": "2026-03-01T00:00:00", "end_ts": "2026-04-01T00:00:00"},
                "property": prop(TownCode=town, PlantID="P1", ActiveEnergy="12.5"),
            },
            {
                "id": 2,
                "period": {"start_ts": "2026-03-02T00:00:00", "end_ts": "2026-03-02T01:00:00"},
                "property": prop(TownCode=town, PlantID="P1", ActiveEnergy="1"),
            },
        ],
    )
    path = tmp_path / "bad.json"
    path.write_text(doc)
    with pytest.raises(PellRecordError) as refused:
        import_file(ctx, path, "urbandataset", now=NOW)
    assert refused.value.field == "period" and "neither 15 minutes nor a calendar month" in str(refused.value)
    assert refused.value.line == [n for n, text in enumerate(doc.splitlines()) if '"id": 2' in text][0]
    assert counts(ctx) == before
