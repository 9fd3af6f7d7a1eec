"""Two `oracle ingest` of one community at the same time: the second is refused at once, never a double load."""

from __future__ import annotations

import threading

import pandas as pd
from sqlalchemy import func, select, text

from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import CounterReading, Ingestion
from oracle.ingest.loader import ingest_file
from oracle.members import import_members

from .conftest import unique_name, write

A = "0x00000000000000000000000000000000000000C3"


def test_a_second_ingest_of_the_same_community_is_refused_while_the_first_runs(ctx, tmp_path, capsys):
    name = unique_name("Concurrent LEC")
    p = name.replace(" ", "")
    create_community(ctx, name, endowment="1000")
    import_members(
        ctx,
        name,
        write(
            tmp_path / "m.csv",
            f"wallet,name,email,kind,profile,deviceid\n{A},Cleo,cleo@example.org,citizen,consumer,{p}M\n",
        ),
    )
    stamps = pd.date_range("2026-10-01T00:00:00Z", periods=50, freq="15min").strftime("%Y-%m-%dT%H:%M:%SZ")
    path = write(
        tmp_path / "r.csv", "deviceid,timestamp,energy\n" + "".join(f"{p}M,{t},{i}\n" for i, t in enumerate(stamps))
    )
    inside, release = threading.Event(), threading.Event()
    outcome = {}

    def pause_in_first_chunk(message: str) -> None:
        if message.startswith("chunk 1:"):
            inside.set()
            release.wait(30)

    def first_ingest():  # its own connections: the lock's and the file's transaction
        outcome["first"] = ingest_file(ctx, name, path, chunk_rows=20, log=pause_in_first_chunk)

    first = threading.Thread(target=first_ingest)
    first.start()
    try:
        assert inside.wait(30)  # the first has loaded a chunk and holds the lock, uncommitted
        status = oracle_main(["--home", str(ctx.settings.home), "ingest", "--community", name, str(path)])
    finally:
        release.set()
        first.join(30)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert err[-1] == (
        f"error: an ingestion for {name!r} is already in progress (in another process): wait for it "
        "to end, then run the same command again (a file it loaded is not loaded twice)"
    )
    assert outcome["first"].rows_loaded == 50
    community_id = get_community(ctx, name).id
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Ingestion).where(Ingestion.community_id == community_id)) == 1
        assert (
            s.scalar(
                select(func.count())
                .select_from(CounterReading)
                .where(CounterReading.ingestion_id == outcome["first"].ingestion_id)
            )
            == 50
        )
    # once the first is over, the same command finds the file loaded
    assert oracle_main(["--home", str(ctx.settings.home), "ingest", "--community", name, str(path)]) == 0
    assert "was already ingested" in capsys.readouterr().out


def _community_with_meter(ctx, tmp_path, wallet: str, tag: str) -> tuple[str, str]:
    name = unique_name(f"Partition LEC {tag}")
    meter = name.replace(" ", "") + "M"
    create_community(ctx, name, endowment="1000")
    members = f"wallet,name,email,kind,profile,deviceid\n{wallet},Dora,dora@example.org,citizen,consumer,{meter}\n"
    import_members(ctx, name, write(tmp_path / f"m{tag}.csv", members))
    return name, meter


def _readings_file(path, meter: str, start: str, periods: int):
    stamps = pd.date_range(start, periods=periods, freq="15min").strftime("%Y-%m-%dT%H:%M:%SZ")
    return write(path, "deviceid,timestamp,energy\n" + "".join(f"{meter},{t},{i % 90}\n" for i, t in enumerate(stamps)))


def test_a_new_months_partition_is_committed_before_the_load_so_other_ingests_of_that_month_go_on(ctx, tmp_path):
    """A file of a month without its partition makes it in a short transaction of its own: while that file's
    transaction is still open, the partition is visible to everyone, the file's transaction holds no lock on
    the readings table that blocks attaching (another community's file of the same and of a newer month loads
    meanwhile), and both files are loaded whole."""
    first_name, first_meter = _community_with_meter(ctx, tmp_path, "0x00000000000000000000000000000000000000C4", "A")
    second_name, second_meter = _community_with_meter(ctx, tmp_path, "0x00000000000000000000000000000000000000C5", "B")
    first_file = _readings_file(tmp_path / "a.csv", first_meter, "2009-06-30T12:00:00Z", 60)  # June into July
    second_file = _readings_file(tmp_path / "b.csv", second_meter, "2009-07-31T12:00:00Z", 96)  # July into August
    inside, release = threading.Event(), threading.Event()
    outcome = {}

    def pause_after_first_chunk(message: str) -> None:
        if message.startswith("chunk 1:"):
            inside.set()
            release.wait(60)

    first = threading.Thread(
        target=lambda: outcome.__setitem__(
            "first", ingest_file(ctx, first_name, first_file, log=pause_after_first_chunk)
        )
    )
    first.start()
    try:
        assert inside.wait(30)
        with ctx.engine.connect() as other:
            visible = {
                row[0]
                for row in other.exec_driver_sql(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'counterreading'::regclass"
                )
            }
            blocking = other.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE relation = 'counterreading'::regclass "
                "AND mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', "
                "'AccessExclusiveLock') AND granted"
            ).scalar()
        assert {"counterreading_y2009m06", "counterreading_y2009m07"} <= visible
        assert blocking == 0
        second = threading.Thread(
            target=lambda: outcome.__setitem__("second", ingest_file(ctx, second_name, second_file))
        )
        second.start()
        second.join(30)
        assert not second.is_alive(), "the second file waited for the first file's transaction"
    finally:
        release.set()
        first.join(60)
    assert outcome["first"].rows_loaded == 60
    assert outcome["second"].rows_loaded == 96
    with ctx.session() as s:
        per_month = dict(
            s.execute(
                text(
                    "SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM counterreading "
                    "WHERE ingestion_id IN (:a, :b) GROUP BY 1"
                ),
                {"a": outcome["first"].ingestion_id, "b": outcome["second"].ingestion_id},
            ).all()
        )
    # June 30 12:00 + 60 quarter hours: 48 in June, 12 in July; July 31 12:00 + 96: 48 in July, 48 in August
    assert per_month == {"2009-06": 48, "2009-07": 12 + 48, "2009-08": 48}
