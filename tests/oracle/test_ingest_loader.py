"""`oracle ingest` into PostgreSQL: bulk load, anomalies with reason and line, one transaction per file."""

import gzip

import pytest
from sqlalchemy import func, select

from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import AnomalyRecord, CounterReading, Device, Ingestion
from oracle.errors import OracleError
from oracle.ingest.loader import ingest_file
from oracle.members import import_members

from .conftest import unique_name, write

A = "0x00000000000000000000000000000000000000A1"


@pytest.fixture
def community(ctx, tmp_path):
    name = unique_name("Ingest LEC")
    p = name.replace(" ", "")
    create_community(ctx, name, endowment="1000")
    import_members(
        ctx,
        name,
        write(
            tmp_path / "m.csv",
            "wallet,name,email,kind,profile,deviceid\n"
            f"{A},Anna,anna@example.org,citizen,prosumer,{p}M\n"
            f"{A},Anna,anna@example.org,citizen,prosumer,{p}PV\n",
        ),
    )
    return name, p


def stored(ctx, name):
    community_id = get_community(ctx, name).id
    with ctx.session() as s:
        rows = s.execute(
            select(Device.deviceid, CounterReading.ts, CounterReading.energy, CounterReading.quality)
            .join(Device, Device.id == CounterReading.device_id)
            .join(Ingestion, Ingestion.id == CounterReading.ingestion_id)
            .where(Ingestion.community_id == community_id)
            .order_by(Device.deviceid, CounterReading.ts)
        ).all()
        anomalies = s.execute(
            select(AnomalyRecord.kind, AnomalyRecord.line, AnomalyRecord.deviceid, AnomalyRecord.reason)
            .join(Ingestion, Ingestion.id == AnomalyRecord.ingestion_id)
            .where(Ingestion.community_id == community_id)
            .order_by(AnomalyRecord.id)
        ).all()
    return rows, anomalies


def test_readings_and_anomalies_are_stored(ctx, community, tmp_path):
    name, p = community
    path = write(
        tmp_path / "r.csv",
        f"""deviceid,timestamp,energy
{p}M,2026-10-01T00:00:00+00:00,100
{p}M,2026-10-01T00:15:00+00:00,abc
{p}M,2026-10-01T00:30:00+00:00,150
{p}M,2026-10-01T00:30:00+00:00,999
{p}PV,2026-10-01T00:07:00+00:00,-50
UNKNOWN-1,2026-10-01T00:00:00+00:00,10
""",
    )
    result = ingest_file(ctx, name, path)
    rows, anomalies = stored(ctx, name)
    # 00:15 unparsable -> dropped, then interpolated between 100 and 150 (a 15-min gap < 6 h): 125
    # the duplicate 00:30 keeps the first value (150); PV at 00:07 snaps to 00:00
    assert [(d, t.strftime("%H:%M"), e, q) for d, t, e, q in rows] == [
        (f"{p}M", "00:00", 100.0, "measured"),
        (f"{p}M", "00:15", 125.0, "interpolated"),
        (f"{p}M", "00:30", 150.0, "measured"),
        (f"{p}PV", "00:00", -50.0, "snapped"),
    ]
    kinds = {(kind, line) for kind, line, _d, _r in anomalies}
    assert {("bad_number", 3), ("duplicate", 5), ("off_grid_snapped", 6), ("unknown_device", 7)} <= {
        (k, ln) for k, ln in kinds
    }
    assert any(k == "gap_interpolated" for k, _ in kinds)
    assert all(reason for *_, reason in anomalies)
    assert result.rows_loaded == 4 and result.anomaly_count == len(anomalies)


@pytest.mark.parametrize(
    "content,pattern",
    [
        ("device,timestamp,energy\nX,2026-10-01T00:00:00+00:00,1\n", r"r\.csv:1"),
        ('{"UrbanDataset": {}}', r"r\.csv:1"),
        ("", r"r\.csv:1:1: empty file"),
    ],
)
def test_unreadable_file_loads_nothing(ctx, community, tmp_path, content, pattern):
    name, _ = community
    with ctx.session() as s:
        before = s.scalar(select(func.count()).select_from(Ingestion))
    with pytest.raises(OracleError, match=pattern):
        ingest_file(ctx, name, write(tmp_path / "r.csv", content))
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Ingestion)) == before
    assert stored(ctx, name) == ([], [])


def test_same_file_twice_is_loaded_once_and_conflicts_are_recorded(ctx, community, tmp_path):
    name, p = community
    first = write(tmp_path / "a.csv", f"deviceid,timestamp,energy\n{p}M,2026-10-01T00:00:00+00:00,100\n")
    ingest_file(ctx, name, first)
    again = ingest_file(ctx, name, first)
    assert again.already_ingested and again.rows_loaded == 0
    second = write(
        tmp_path / "b.csv",
        f"deviceid,timestamp,energy\n{p}M,2026-10-01T00:00:00+00:00,120\n{p}M,2026-10-01T00:15:00+00:00,80\n",
    )
    result = ingest_file(ctx, name, second)
    rows, anomalies = stored(ctx, name)
    assert [e for _d, _t, e, _q in rows] == [100.0, 80.0]  # the stored 100 Wh is kept
    assert result.rows_loaded == 1
    assert [k for k, *_ in anomalies] == ["conflicting_duplicate"]
    assert "kept the stored reading" in anomalies[0][3]


def test_gzip_and_cli(ctx, community, tmp_path, capsys):
    name, p = community
    path = tmp_path / "r.csv.gz"
    path.write_bytes(gzip.compress(f"deviceid,timestamp,energy\n{p}M,2026-10-01T02:00:00+02:00,42.5\n".encode()))
    assert oracle_main(["--home", str(ctx.settings.home), "ingest", "--community", name, str(path)]) == 0
    assert "1 readings loaded" in capsys.readouterr().out
    rows, _ = stored(ctx, name)
    assert rows[0][2] == 42.5 and rows[0][1].isoformat().startswith("2026-10-01T00:00:00")
    bad = write(tmp_path / "bad.csv", "nonsense\n")
    assert oracle_main(["--home", str(ctx.settings.home), "ingest", "--community", name, str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("reading ")  # progress goes to stderr, the error is the last line
    assert err[-1].startswith("error: ") and "bad.csv:1" in err[-1] and "nothing was loaded" in err[-1]
    assert not any("Traceback" in line for line in err)


def test_urbandataset_through_the_loader(ctx, community, tmp_path):
    name, p = community
    doc = (
        '{"UrbanDataset": {"specification": {"id": {"value": "ElectricMeterReading-2.0"}, "properties": '
        '{"propertyDefinition": [{"propertyName": "ActiveEnergy", "unitOfMeasure": "kilowattHour"}]}}, '
        '"context": {"producer": {"id": "t"}, "timeZone": "Europe/Rome", "timestamp": "2026-10-26T00:10:00"}, '
        '"values": {"line": [{"id": 1, "period": {"start_ts": "2026-10-01T02:00:00", "end_ts": '
        f'"2026-10-01T02:15:00"}}, "property": [{{"name": "PODID", "val": "{p}M"}}, '
        '{"name": "ActiveEnergy", "val": "0.125"}]}]}}}'
    )
    result = ingest_file(ctx, name, write(tmp_path / "u.json", doc), "urbandataset")
    rows, _ = stored(ctx, name)
    assert result.rows_loaded == 1 and rows[0][2] == 125.0 and rows[0][1].isoformat().startswith("2026-10-01T00:00")


def test_a_file_with_no_loadable_reading_is_refused_naming_its_commonest_anomaly(ctx, community, tmp_path):
    name, p = community
    with ctx.session() as s:
        before = s.scalar(select(func.count()).select_from(Ingestion))
    path = write(
        tmp_path / "r.csv",
        "deviceid,timestamp,energy\nNOPE-1,2026-10-01T00:00:00Z,1\n"
        f"{p}M,2026-10-01T00:00:00Z,abc\nNOPE-1,2026-10-01T00:15:00Z,1\n"
        "NOPE-2,2026-10-01T00:00:00Z,1\n",
    )
    with pytest.raises(OracleError) as info:
        ingest_file(ctx, name, path)
    assert str(info.value) == (
        f"{path}: no reading could be loaded, 4 anomalies, most of them unknown_device (3; the "
        "first at line 2: device 'NOPE-1' is not registered in the community; reading "
        "dropped) — nothing was loaded"
    )
    # a seed-003 file whose only PV model has no modules installed holds no reading at all
    ec = write(tmp_path / "ec.csv", "Δt;15\nSt;20261001\nDt;2\nN;1\nNPV;1\nZPV;0\nPPV;0,1;0,2\n")
    with pytest.raises(OracleError, match=r"ec\.csv: the file holds no reading — nothing was loaded"):
        ingest_file(ctx, name, ec, "ec-csv")
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Ingestion)) == before
    assert stored(ctx, name) == ([], [])


@pytest.mark.parametrize("hours", [float("nan"), float("inf"), 0.0, -1.0, 24.5])
def test_gap_limit_outside_its_range_through_the_api(ctx, community, tmp_path, hours):
    name, p = community
    path = write(tmp_path / "r.csv", f"deviceid,timestamp,energy\n{p}M,2026-10-01T00:00:00Z,1\n")
    with pytest.raises(OracleError, match="--gap-limit-hours .* is outside the range: more than 0 and at most 24"):
        ingest_file(ctx, name, path, gap_limit_hours=hours)
    assert stored(ctx, name) == ([], [])
