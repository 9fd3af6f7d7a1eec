"""`oracle ingest --correction --reason TEXT`: stored readings that differ are replaced and each replacement is
recorded in reading_corrections (values, file, line, reason); without --correction they stay conflicts."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, inspect, select

from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import AnomalyRecord, CounterReading, Device, Ingestion, ReadingCorrection
from oracle.db.session import alembic_config, upgrade
from oracle.errors import OracleError
from oracle.ingest.corrections import CORRECTION_COLUMNS, corrections_since
from oracle.ingest.loader import ingest_file
from oracle.members import import_members

from .conftest import unique_name, write
from .test_partitions import scratch_db  # noqa: F401 (a fixture)

A = "0x00000000000000000000000000000000000000C3"
T0 = pd.Timestamp("2026-09-01T00:00:00Z")
HEADER = "deviceid,timestamp,energy\n"
REASON = "DSO re-read of meter M, letter 2026/117"


def at(slot: int) -> str:
    return (T0 + pd.Timedelta(minutes=15 * slot)).strftime("%Y-%m-%dT%H:%M:%SZ")


def community_with_readings(ctx, tmp_path, slots: int = 12) -> tuple[str, str, int]:
    """A community with meters M (energy 100 + slot) and PV (-50 - slot) over `slots` quarter-hours from T0:
    (name, device-id prefix, the id of that first ingestion)."""
    name = unique_name("Corrections LEC")
    p = name.replace(" ", "")
    create_community(ctx, name, endowment="1000")
    rows = "".join(f"{A},Cleo,cleo@example.org,citizen,prosumer,{p}{d}\n" for d in ("M", "PV"))
    import_members(ctx, name, write(tmp_path / f"{p}-members.csv", "wallet,name,email,kind,profile,deviceid\n" + rows))
    lines = [f"{p}M,{at(s)},{100 + s}\n{p}PV,{at(s)},{-50 - s}\n" for s in range(slots)]
    first = ingest_file(ctx, name, write(tmp_path / f"{p}-base.csv", HEADER + "".join(lines)))
    assert (first.rows_loaded, first.anomaly_count) == (2 * slots, 0)
    return name, p, first.ingestion_id


def readings(ctx, p: str) -> dict[tuple[str, int], tuple[float, str, int]]:
    """(device without prefix, slot) -> (energy, quality, ingestion id) of every stored reading."""
    with ctx.session() as s:
        rows = s.execute(
            select(Device.deviceid, CounterReading.ts, CounterReading.energy, CounterReading.quality)
            .add_columns(CounterReading.ingestion_id)
            .join(Device, Device.id == CounterReading.device_id)
            .where(Device.deviceid.startswith(p))
        ).all()
    step = pd.Timedelta(minutes=15)
    return {(d.removeprefix(p), (pd.Timestamp(ts) - T0) // step): (e, q, i) for d, ts, e, q, i in rows}


def corrections(ctx, p: str) -> list[tuple]:
    """(device, slot, old, new, old ingestion, ingestion, file, line, reason) in the order recorded."""
    with ctx.session() as s:
        rows = s.execute(
            select(
                Device.deviceid,
                ReadingCorrection.ts,
                ReadingCorrection.old_energy,
                ReadingCorrection.new_energy,
                ReadingCorrection.old_ingestion_id,
                ReadingCorrection.ingestion_id,
                ReadingCorrection.file_name,
                ReadingCorrection.line,
                ReadingCorrection.reason,
            )
            .join(Device, Device.id == ReadingCorrection.device_id)
            .where(Device.deviceid.startswith(p))
            .order_by(ReadingCorrection.id)
        ).all()
    step = pd.Timedelta(minutes=15)
    return [(d.removeprefix(p), (pd.Timestamp(ts) - T0) // step, *rest) for d, ts, *rest in rows]


def anomaly_kinds(ctx, ingestion_id: int) -> list[tuple]:
    with ctx.session() as s:
        return s.execute(
            select(AnomalyRecord.kind, AnomalyRecord.deviceid, AnomalyRecord.ts)
            .where(AnomalyRecord.ingestion_id == ingestion_id)
            .order_by(AnomalyRecord.id)
        ).all()


def two_changes_one_repeat(tmp_path, p: str):
    """Line 2: M at slot 3, 103 -> 200 Wh; line 3: M at slot 4, 104 Wh as stored; line 4: PV at slot 7,
    -57 -> -10 Wh. No gap between M's two lines: nothing is interpolated."""
    body = f"{p}M,{at(3)},200\n{p}M,{at(4)},104\n{p}PV,{at(7)},-10\n"
    return write(tmp_path / f"{p}-fix.csv", HEADER + body)


def test_a_correction_replaces_two_readings_records_each_and_leaves_the_equal_one(ctx, tmp_path, capsys):
    name, p, base = community_with_readings(ctx, tmp_path)
    path = two_changes_one_repeat(tmp_path, p)
    home = str(ctx.settings.home)
    assert (
        oracle_main(["--home", home, "ingest", "--community", name, str(path), "--correction", "--reason", REASON]) == 0
    )
    with ctx.session() as s:
        fix = s.scalars(select(Ingestion).where(Ingestion.path == str(path))).one()
        assert (fix.correction, fix.correction_reason, fix.rows_loaded, fix.anomaly_count) == (True, REASON, 0, 0)
    out = capsys.readouterr().out
    assert f"0 readings loaded, 2 corrected (3 read), 0 anomalies recorded (ingestion {fix.id})" in out

    name_of_file = f"{p}-fix.csv"
    assert corrections(ctx, p) == [
        ("M", 3, 103.0, 200.0, base, fix.id, name_of_file, 2, REASON),
        ("PV", 7, -57.0, -10.0, base, fix.id, name_of_file, 4, REASON),
    ]
    stored = readings(ctx, p)
    assert stored[("M", 3)] == (200.0, "measured", fix.id)
    assert stored[("PV", 7)] == (-10.0, "measured", fix.id)
    assert stored[("M", 4)] == (104.0, "measured", base)  # equal: untouched, still the first ingestion's
    assert sum(i == fix.id for _, _, i in stored.values()) == 2 and len(stored) == 24

    community_id = get_community(ctx, name).id
    with ctx.session() as s:
        seen_by_base = corrections_since(s, community_id, base, T0, T0 + pd.Timedelta(hours=3))
        after_fix = corrections_since(s, community_id, fix.id, T0, T0 + pd.Timedelta(hours=3))
        before_pv = corrections_since(s, community_id, base, T0, T0 + pd.Timedelta(minutes=15 * 7))
    assert list(seen_by_base.columns) == CORRECTION_COLUMNS
    assert [(r.deviceid.removeprefix(p), r.old_energy, r.new_energy) for r in seen_by_base.itertuples()] == [
        ("M", 103.0, 200.0),
        ("PV", -57.0, -10.0),
    ]
    assert seen_by_base["ts"].tolist() == [T0 + pd.Timedelta(minutes=45), T0 + pd.Timedelta(minutes=105)]
    assert (seen_by_base["old_ingestion_id"] == base).all() and (seen_by_base["ingestion_id"] == fix.id).all()
    assert after_fix.empty and len(before_pv) == 1  # [start, end): PV's slot 7 is the end, left out


def test_without_correction_the_differences_stay_conflicts_and_the_file_may_then_correct(ctx, tmp_path):
    name, p, base = community_with_readings(ctx, tmp_path)
    path = two_changes_one_repeat(tmp_path, p)
    before = readings(ctx, p)
    plain = ingest_file(ctx, name, path)
    assert (plain.rows_loaded, plain.corrected, plain.anomaly_count) == (0, 0, 2)
    assert [(k, d.removeprefix(p), ts) for k, d, ts in anomaly_kinds(ctx, plain.ingestion_id)] == [
        ("conflicting_duplicate", "M", T0 + pd.Timedelta(minutes=45)),
        ("conflicting_duplicate", "PV", T0 + pd.Timedelta(minutes=105)),
    ]
    assert readings(ctx, p) == before and corrections(ctx, p) == []

    # the same file (same SHA-256) is not "already ingested" for a correction: the plain load only reported
    fix = ingest_file(ctx, name, path, correction=True, reason=REASON)
    assert (fix.already_ingested, fix.rows_loaded, fix.corrected) == (False, 0, 2)
    assert [c[:4] for c in corrections(ctx, p)] == [("M", 3, 103.0, 200.0), ("PV", 7, -57.0, -10.0)]
    again = ingest_file(ctx, name, path, correction=True, reason=REASON)
    assert (again.already_ingested, again.ingestion_id) == (True, fix.ingestion_id)


def test_a_correction_file_refused_on_a_later_line_corrects_nothing(ctx, tmp_path):
    name, p, _ = community_with_readings(ctx, tmp_path)
    before = readings(ctx, p)
    body = f"{p}M,{at(3)},200\n{p}PV,{at(7)},-10\n{p}M,{at(8)},300\n{p}M,{at(9)},301\n".encode()
    path = tmp_path / f"{p}-bad.csv"
    path.write_bytes(HEADER.encode() + body + f"{p}M,{at(10)},3\xff2\n".encode("latin-1"))  # not UTF-8: line 6
    with pytest.raises(OracleError, match=r"-bad\.csv:6:.*nothing was loaded"):
        ingest_file(ctx, name, path, chunk_rows=2, correction=True, reason=REASON)  # lines 2-3 written first
    assert readings(ctx, p) == before and corrections(ctx, p) == []
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Ingestion).where(Ingestion.path == str(path))) == 0


def test_a_sparse_correction_replaces_only_its_lines_never_by_interpolated_rows(ctx, tmp_path):
    name, p, base = community_with_readings(ctx, tmp_path, slots=16)
    before = readings(ctx, p)
    path = write(tmp_path / f"{p}-sparse.csv", HEADER + f"{p}M,{at(1)},300\n{p}M,{at(13)},400\n")  # 3 h apart
    fix = ingest_file(ctx, name, path, correction=True, reason=REASON)
    # the 11 quarter-hours between are interpolated by the cleaner (one gap_interpolated) but all are stored
    assert (fix.rows_loaded, fix.corrected) == (0, 2)
    assert [k for k, _, _ in anomaly_kinds(ctx, fix.ingestion_id)] == ["gap_interpolated"]
    assert [c[:4] + (c[7],) for c in corrections(ctx, p)] == [("M", 1, 101.0, 300.0, 2), ("M", 13, 113.0, 400.0, 3)]
    after = readings(ctx, p)
    assert after[("M", 1)] == (300.0, "measured", fix.ingestion_id)
    assert after[("M", 13)] == (400.0, "measured", fix.ingestion_id)
    unchanged = {k: v for k, v in after.items() if k not in {("M", 1), ("M", 13)}}
    assert unchanged == {k: v for k, v in before.items() if k in unchanged} and len(after) == 32


@pytest.mark.parametrize(
    "options, message",
    [
        (["--correction"], "error: --correction needs --reason TEXT: why the stored readings are replaced (recorded)"),
        (["--reason", REASON], "error: --reason goes with --correction: a plain ingestion takes no reason"),
        (["--correction", "--reason", "  "], "error: --reason is empty: say why the stored readings are replaced"),
    ],
)
def test_correction_and_reason_go_together_and_a_refusal_writes_nothing(ctx, tmp_path, capsys, options, message):
    name, p, _ = community_with_readings(ctx, tmp_path, slots=1)
    path = two_changes_one_repeat(tmp_path, p)
    with ctx.session() as s:
        count = s.scalar(select(func.count()).select_from(Ingestion))
    capsys.readouterr()
    assert oracle_main(["--home", str(ctx.settings.home), "ingest", "--community", name, str(path), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Ingestion)) == count


def test_a_correction_in_many_chunks_gives_what_one_chunk_gives(ctx, tmp_path):
    """Corrections, equal values, a snapped line that must not replace, and new readings after the stored ones,
    spread over chunks of two lines."""

    def body(p):
        return HEADER + (
            f"{p}M,{at(2)},20\n"  # line 2: corrected
            f"{p}PV,{at(2)},-52\n"  # line 3: equal
            f"{p}M,{at(3)},103\n"  # line 4: equal
            f"{p}PV,{at(5)},-5\n"  # line 5: corrected (PV's slots 3 and 4 interpolated: stored ones win)
            f"{p}M,2026-09-01T01:32:00Z,7\n"  # line 6: slot 6 snapped: a conflict, not a correction
            f"{p}PV,{at(9)},-9\n"  # line 7: corrected
            f"{p}M,{at(11)},111.5\n"  # line 8: corrected
            f"{p}M,{at(12)},112\n"  # line 9: new
            f"{p}M,{at(13)},113\n"  # line 10: new
        )

    results, messages = [], []
    for chunk_rows in (2, None):
        name, p, base = community_with_readings(ctx, tmp_path)
        path = write(tmp_path / f"{p}.csv", body(p))
        fix = ingest_file(ctx, name, path, chunk_rows=chunk_rows, correction=True, reason=REASON, log=messages.append)
        recorded = [(*c[:4], c[4] == base, c[5] == fix.ingestion_id, c[7]) for c in corrections(ctx, p)]
        kinds = [(k, d.removeprefix(p)) for k, d, _ in anomaly_kinds(ctx, fix.ingestion_id)]
        stored = {k: (e, q, "fix" if i == fix.ingestion_id else "base") for k, (e, q, i) in readings(ctx, p).items()}
        results.append((fix.rows_loaded, fix.corrected, fix.anomaly_count, recorded, sorted(kinds), stored))
        assert recorded == [
            ("M", 2, 102.0, 20.0, True, True, 2),
            ("PV", 5, -55.0, -5.0, True, True, 5),
            ("PV", 9, -59.0, -9.0, True, True, 7),
            ("M", 11, 111.0, 111.5, True, True, 8),
        ]
    assert sum(m.startswith("chunk ") for m in messages) == 5 + 1 and not any("whole" in m for m in messages)
    assert results[0] == results[1]
    loaded, corrected, anomaly_count, _, kinds, stored = results[0]
    assert (loaded, corrected) == (2, 4)
    assert stored[("M", 6)] == (106.0, "measured", "base") and stored[("M", 12)] == (112.0, "measured", "fix")
    assert ("conflicting_duplicate", "M") in kinds and ("off_grid_snapped", "M") in kinds


def test_migration_0008_adds_the_corrections_table_and_takes_it_away_again(scratch_db):  # noqa: F811
    from alembic import command

    def shape():
        engine = create_engine(scratch_db)
        try:
            found = inspect(engine)
            tables = set(found.get_table_names())
            columns = {c["name"] for c in found.get_columns("ingestions")} & {"correction", "correction_reason"}
            indexes = found.get_indexes("reading_corrections") if "reading_corrections" in tables else []
            return (
                "reading_corrections" in tables,
                columns,
                sorted((i["name"], tuple(i["column_names"])) for i in indexes),
            )
        finally:
            engine.dispose()

    upgrade(scratch_db, "0008")
    assert shape() == (
        True,
        {"correction", "correction_reason"},
        [
            ("ix_reading_corrections_device_ts", ("device_id", "ts")),
            ("ix_reading_corrections_ingestion", ("ingestion_id",)),
        ],
    )
    command.downgrade(alembic_config(scratch_db), "0007")
    assert shape() == (False, set(), [])
    upgrade(scratch_db, "0008")
    assert shape()[0]
