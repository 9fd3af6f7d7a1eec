"""Two `oracle ingest` of one community at the same time: the second is refused at once, never a double load."""

from __future__ import annotations

import threading

import pandas as pd
from sqlalchemy import func, select

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
