"""Streamed ingestion: a file larger than one chunk loads exactly what a whole-file load does, in every
format, and a bad line in the last chunk rolls the whole file back."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from sqlalchemy import func, select

from oracle.communities import create_community, get_community
from oracle.db.schema import AnomalyRecord, CounterReading, Device, Ingestion
from oracle.errors import OracleError
from oracle.ingest.loader import ingest_file
from oracle.members import import_members

from .conftest import unique_name, write

A = "0x00000000000000000000000000000000000000B2"
T0 = pd.Timestamp("2026-10-01T00:00:00Z")
CHUNK = 10  # lines per chunk in these tests: every file below spans several chunks


def new_community(ctx, tmp_path, devices=("M", "PV")) -> tuple[str, str]:
    name = unique_name("Stream LEC")
    p = name.replace(" ", "")
    create_community(ctx, name, endowment="1000")
    rows = "".join(f"{A},Bea,bea@example.org,citizen,prosumer,{p}{d}\n" for d in devices)
    import_members(ctx, name, write(tmp_path / f"{p}.csv", "wallet,name,email,kind,profile,deviceid\n" + rows))
    return name, p


def stored(ctx, name: str, p: str):
    """Readings and anomalies of the community, with its device-id prefix and ingestion ids taken out."""
    community_id = get_community(ctx, name).id
    with ctx.session() as s:
        rows = s.execute(
            select(
                Device.deviceid,
                CounterReading.ts,
                CounterReading.energy,
                CounterReading.quality,
                CounterReading.voltage,
            )
            .join(Device, Device.id == CounterReading.device_id)
            .join(Ingestion, Ingestion.id == CounterReading.ingestion_id)
            .where(Ingestion.community_id == community_id)
            .order_by(Device.deviceid, CounterReading.ts)
        ).all()
        anomalies = s.execute(
            select(
                AnomalyRecord.kind, AnomalyRecord.line, AnomalyRecord.deviceid, AnomalyRecord.ts, AnomalyRecord.reason
            )
            .join(Ingestion, Ingestion.id == AnomalyRecord.ingestion_id)
            .where(Ingestion.community_id == community_id)
            .order_by(AnomalyRecord.id)
        ).all()

    def plain(value):
        return re.sub(r"ingestion \d+", "ingestion N", value.replace(p, "")) if isinstance(value, str) else value

    return [tuple(map(plain, r)) for r in rows], [tuple(map(plain, a)) for a in anomalies]


def load_both_ways(ctx, tmp_path, make_file, fmt="csv", before=None):
    """(streamed result, whole-file result, progress messages of the streamed load), each in a community of
    its own; `make_file(prefix)` writes the file, `before(prefix)` an optional file loaded first."""
    results, messages = [], []
    for chunk_rows in (CHUNK, None):
        name, p = new_community(ctx, tmp_path, devices=("M", "PV", "B"))
        if before:
            ingest_file(ctx, name, before(p))
        log = messages.append if chunk_rows else (lambda m: None)
        result = ingest_file(ctx, name, make_file(p), fmt, chunk_rows=chunk_rows, log=log)
        results.append((result.rows_read, result.rows_loaded, result.anomaly_count, stored(ctx, name, p)))
    return results[0], results[1], messages


def chunks_streamed(messages) -> int:
    assert not any("whole" in m for m in messages), messages
    return sum(m.startswith("chunk ") for m in messages)


def at(slot: int, offset_hours: int = 0) -> str:
    """The wall time of quarter-hour `slot` written with a UTC offset of `offset_hours`."""
    t = (T0 + pd.Timedelta(minutes=15 * slot) + pd.Timedelta(hours=offset_hours)).strftime("%Y-%m-%dT%H:%M:%S")
    return t + (f"+{offset_hours:02d}:00" if offset_hours else "Z")


def csv_lines(p: str) -> list[str]:
    """72 quarter-hours of M and PV in time order, with one problem of every kind spread over the file."""
    lines = []
    for slot in range(72):
        offset = 2 if slot < 30 else 1  # written in summer time, then winter time: a dst_change per device
        if slot not in (10, 11, 12):  # a 45-minute gap of M, interpolated
            energy = "abc" if slot == 5 else ("inf" if slot == 33 else f"{100 + slot}")
            voltage = "-230" if slot == 50 else ("231.5" if slot % 9 == 0 else "")
            lines.append(f"{p}M,{at(slot, offset)},{energy},{voltage}")
        if slot < 40 or slot > 68:  # 29 missing quarter-hours (7 h 15 min): left missing
            lines.append(f"{p}PV,{at(slot, offset)},{-50 - slot}.5,")
        if slot == 7:  # 7 minutes past slot 7: snapped back to it
            lines.append(f"{p}B,{(T0 + pd.Timedelta(minutes=15 * 7 + 7)).strftime('%Y-%m-%dT%H:%M:%SZ')},5,")
        if slot == 14:
            lines.append(f"{p}PV,{at(slot, offset)},-999,")  # a duplicate, next to the first (same chunk)
            lines.append(f"NOPE-1,{at(slot, offset)},1,")
        if slot == 20:
            lines += [
                "",
                f"{p}M,2026-10-01T05:00:00,1,",
                f"{p}M,{at(21, offset)},2,3,4",
                f"{p}PV,{at(slot, offset)},300000,",
            ]
    return lines


def test_a_csv_file_of_many_chunks_loads_what_a_whole_load_does(ctx, tmp_path):
    def make_file(p):
        return write(tmp_path / f"{p}.csv", "deviceid,timestamp,energy,voltage\n" + "\n".join(csv_lines(p)) + "\n")

    def before(p):  # M at slot 22 with another value, PV at slot 23 with the same: stored readings win
        return write(
            tmp_path / f"{p}-before.csv", f"deviceid,timestamp,energy\n{p}M,{at(22)},7\n{p}PV,{at(23)},-73.5\n"
        )

    streamed, whole, messages = load_both_ways(ctx, tmp_path, make_file, before=before)
    assert streamed == whole
    assert chunks_streamed(messages) == -(-(len(csv_lines("x")) + 1) // CHUNK)
    rows_read, rows_loaded, anomaly_count, (rows, anomalies) = streamed
    kinds = [k for k, *_ in anomalies]
    for kind in (
        "conflicting_duplicate",
        "bad_number",
        "non_finite",
        "impossible_magnitude",
        "missing_offset",
        "bad_field_count",
        "unknown_device",
        "duplicate",
        "off_grid_snapped",
        "dst_change",
        "gap_interpolated",
        "gap_left_missing",
    ):
        assert kind in kinds, kind
    m = [r for r in rows if r[0] == "M"]
    pv = [r for r in rows if r[0] == "PV"]
    # M: 72 quarter-hours; slot 5 (abc) and 33 (inf) dropped, 10-12 missing, slot 50 (negative voltage)
    # dropped: 6 interpolated rows, and slot 22 is the stored 7 Wh of the earlier file
    assert len(m) == 72 and sum(q == "interpolated" for *_, q, _v in m) == 6
    assert [e for _d, t, e, _q, _v in m if t == T0 + pd.Timedelta(minutes=15 * 22)] == [7.0]
    # PV: slots 0-39 and 69-71 (its 300 kWh at slot 20 dropped: the reading written before stays); B: one
    # reading, 7 minutes past slot 7, snapped
    assert len(pv) == 43 and [r[3] for r in rows if r[0] == "B"] == ["snapped"]
    assert kinds.count("dst_change") == 2 and kinds.count("conflicting_duplicate") == 1
    assert rows_loaded == len(rows) - 2 and anomaly_count == len(anomalies)  # two readings were stored before


def test_a_device_going_back_in_time_across_chunks_is_read_whole_with_the_same_result(ctx, tmp_path):
    def make_file(p):
        lines = [f"{p}M,{at(slot)},{slot}" for slot in range(30) if slot != 3] + [f"{p}M,{at(3)},3"]
        return write(tmp_path / f"{p}.csv", "deviceid,timestamp,energy\n" + "\n".join(lines) + "\n")

    streamed, whole, messages = load_both_ways(ctx, tmp_path, make_file)
    assert streamed == whole and any("whole" in m for m in messages)
    assert streamed[1] == 30 and [k for k, *_ in streamed[3][1]] == []  # slot 3 arrives last: no gap at all


def ec_csv(p: str) -> str:
    """Seed-003 file: 2 users (M, B) × 24 steps of fixed load, one PV model; some values missing."""
    pfix = []
    for t in range(24):
        for n in range(2):
            pfix.append("-" if (n == 0 and t in (6, 7, 15)) or (n == 1 and t == 11) else f"{400 + 10 * t + n}")
    rows = [f"Pfix;{pfix[0]}"] + [f";{v}" for v in pfix[1:]]
    ppv = ";".join("-" if t == 12 else f"0,{t % 10}" for t in range(24))
    return (
        "\n".join(
            [
                "Δt;15",
                "St;20261001",
                "Dt;24",
                "N;2",
                f"IDn;{p}M;{p}B",
                *rows,
                "NPV;1",
                f"IDPV;{p}PV",
                "ZPV;2",
                f"PPV;{ppv}",
            ]
        )
        + "\n"
    )


def test_an_ec_csv_file_of_many_chunks_loads_what_a_whole_load_does(ctx, tmp_path):
    streamed, whole, messages = load_both_ways(
        ctx, tmp_path, lambda p: write(tmp_path / f"{p}.ec", ec_csv(p)), "ec-csv"
    )
    assert streamed == whole
    assert chunks_streamed(messages) == -(-(24 * 2 - 4 + 23) // CHUNK)  # readings, not lines, are chunked
    _read, _loaded, _count, (rows, anomalies) = streamed
    assert len(rows) == 3 * 24  # every missing step is a short gap, interpolated
    assert [k for k, *_ in anomalies].count("gap_interpolated") == 4


def urban_dataset(p: str) -> str:
    entries = []
    for slot in range(30):
        for dev in ("M", "PV"):
            if dev == "PV" and slot in (9, 10, 20):
                continue
            start = T0 + pd.Timedelta(minutes=15 * slot + (4 if (dev, slot) == ("M", 17) else 0))
            entries.append(
                {
                    "id": len(entries) + 1,
                    "period": {"start_ts": start.strftime("%Y-%m-%dT%H:%M:%S")},
                    "property": [
                        {"name": "PODID", "val": f"{p}{dev}"},
                        {"name": "ActiveEnergy", "val": f"0.{slot + 10}"},
                    ],
                }
            )
            if (dev, slot) == ("M", 25):
                entries.append(dict(entries[-1], id=len(entries) + 1))
    doc = {
        "UrbanDataset": {
            "specification": {"id": {"value": "ElectricMeterReading-2.0"}},
            "context": {"producer": {"id": "t"}, "timeZone": "UTC"},
            "values": {"line": entries},
        }
    }
    return json.dumps(doc, indent=1)


def test_an_urbandataset_of_many_chunks_loads_what_a_whole_load_does(ctx, tmp_path):
    streamed, whole, messages = load_both_ways(
        ctx, tmp_path, lambda p: write(tmp_path / f"{p}.json", urban_dataset(p)), "urbandataset"
    )
    assert streamed == whole
    assert chunks_streamed(messages) == -(-(30 + 27 + 1) // CHUNK)
    _read, _loaded, _count, (rows, anomalies) = streamed
    assert len(rows) == 30 + 30  # PV's three missing quarter-hours interpolated, M's 00:04 snapped
    assert sorted(k for k, *_ in anomalies) == ["duplicate", "gap_interpolated", "gap_interpolated", "off_grid_snapped"]


def counts(ctx, name: str) -> tuple[int, int, int]:
    community_id = get_community(ctx, name).id
    with ctx.session() as s:
        ingestions = s.scalar(select(func.count()).select_from(Ingestion).where(Ingestion.community_id == community_id))
        readings = s.scalar(
            select(func.count())
            .select_from(CounterReading)
            .join(Ingestion, Ingestion.id == CounterReading.ingestion_id)
            .where(Ingestion.community_id == community_id)
        )
        anomalies = s.scalar(
            select(func.count())
            .select_from(AnomalyRecord)
            .join(Ingestion, Ingestion.id == AnomalyRecord.ingestion_id)
            .where(Ingestion.community_id == community_id)
        )
    return ingestions, readings, anomalies


@pytest.mark.parametrize(
    "bad,message",
    [
        (b"\xff", "invalid UTF-8 byte 0xff"),
        (b"\x00", "binary content (NUL byte)"),
    ],
)
def test_a_bad_line_in_the_last_chunk_rolls_back_the_whole_file(ctx, tmp_path, bad, message):
    name, p = new_community(ctx, tmp_path)
    lines = [f"{p}M,{at(slot)},{slot}".encode() for slot in range(40)]
    lines[3] = f"NOPE,{at(3)},1".encode()  # an anomaly in the first chunk
    lines[37] = f"{p}M,{at(37)},3".encode() + bad + b"7"  # line 39 of the file, in the last chunk
    path = tmp_path / "r.csv"
    path.write_bytes(b"deviceid,timestamp,energy\n" + b"\n".join(lines) + b"\n")
    messages = []
    with pytest.raises(OracleError) as info:
        ingest_file(ctx, name, path, chunk_rows=CHUNK, log=messages.append)
    assert str(info.value).startswith(f"{path}:39:energy: {message}") and "nothing was loaded" in str(info.value)
    assert sum(m.startswith("chunk ") for m in messages) == 3  # three chunks were loaded, then rolled back
    assert counts(ctx, name) == (0, 0, 0)
    path.write_bytes(path.read_bytes().replace(bad, b""))  # once corrected the file loads:
    result = ingest_file(ctx, name, path, chunk_rows=CHUNK)  # 39 of M's 40 slots, slot 3 interpolated
    assert (result.rows_loaded, result.anomaly_count) == (40, 2) and counts(ctx, name) == (1, 40, 2)


def test_the_chunk_rows_option_sets_the_chunk_and_refuses_sizes_outside_its_range(ctx, tmp_path, capsys):
    from oracle.cli import main as oracle_main

    name, p = new_community(ctx, tmp_path, devices=("M",))
    stamps = pd.date_range(T0, periods=2500, freq="15min").strftime("%Y-%m-%dT%H:%M:%SZ")
    path = write(tmp_path / "r.csv", "deviceid,timestamp,energy\n" + "".join(f"{p}M,{t},5\n" for t in stamps))
    home = str(ctx.settings.home)
    for bad in ("999", "10000001", "0", "-5", "1e4", "lots"):
        with pytest.raises(SystemExit) as refused:  # argparse's refusal: exit status 2, one sentence
            oracle_main(["--home", home, "ingest", "--community", name, f"--chunk-rows={bad}", str(path)])
        assert refused.value.code == 2
        err = capsys.readouterr().err
        assert "error: oracle ingest: argument --chunk-rows: " in err and "Traceback" not in err
    assert stored(ctx, name, p) == ([], [])
    assert oracle_main(["--home", home, "ingest", "--community", name, "--chunk-rows", "1000", str(path)]) == 0
    out = capsys.readouterr()
    # 2,501 lines with the header: chunks of 1,000, 1,000 and 501 lines
    assert [line.split(":")[0] for line in out.err.splitlines() if line.startswith("chunk ")] == [
        "chunk 1",
        "chunk 2",
        "chunk 3",
    ]
    assert "2500 readings loaded (2500 read)" in out.out
    assert len(stored(ctx, name, p)[0]) == 2500
