"""Clean errors instead of tracebacks (issue 7): each case once ended in a traceback with exit 1. Now a user's
mistake is one sentence "error: …" on standard error with exit 2, a problem of the environment (a database or
chain that does not answer, a home that cannot be written, another `oracle up`) the same with exit 1, and
nothing is half-written. Per-line problems of a meter file are anomalies with their line, as the ingest design
has it (oracle/ingest/FORMATS.md): the rest of the file loads."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from oracle.chain.encoding import to_bytes32
from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import AnomalyRecord, Community, CounterReading, Ingestion
from oracle.epochs.runner import run_epoch
from oracle.members import import_members

from .builders import ANNA, END, START, quiet, small_community
from .conftest import free_port, unique_name, write

PROJECT = Path(__file__).resolve().parents[2]
YEARS = ["2999", "1600", "0001", "9999", "1678", "2262"]  # 1678 and 2262 once loaded silently


def run(*argv: str) -> int:
    """`oracle …` in this process; argparse's refusals end in SystemExit, whose code is the exit status."""
    try:
        return oracle_main(list(argv))
    except SystemExit as exc:
        return exc.code


def refusal(capsys) -> str:
    """The one error line on standard error (ingest's progress lines may come before it), never a traceback."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and "Exception ignored" not in err, err
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], err
    return errors[0]


def stored(ctx) -> tuple[int, int, int]:
    """Ingestions, readings and anomalies in the database."""
    with ctx.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(table)) for table in (Ingestion, CounterReading, AnomalyRecord)
        )


def anomalies_of(ctx, ingestion_id: int) -> list[tuple[str, int | None, str | None]]:
    with ctx.session() as s:
        return s.execute(
            select(AnomalyRecord.kind, AnomalyRecord.line, AnomalyRecord.deviceid)
            .where(AnomalyRecord.ingestion_id == ingestion_id)
            .order_by(AnomalyRecord.id)
        ).all()


def last_ingestion(ctx) -> Ingestion:
    with ctx.session() as s:
        return s.scalars(select(Ingestion).order_by(Ingestion.id.desc()).limit(1)).one()


@pytest.fixture(scope="module")
def lec(base_ctx, tmp_path_factory):
    """A community with one meter, {p}M, for the ingest cases: (name, device-id prefix)."""
    name = unique_name("Clean Errors LEC")
    p = name.replace(" ", "") + "-"
    create_community(base_ctx, name, endowment="1000")
    import_members(
        base_ctx,
        name,
        write(
            tmp_path_factory.mktemp("members") / "m.csv",
            f"wallet,name,email,kind,profile,deviceid\n{ANNA},Anna,anna@example.org,citizen,consumer,{p}M\n",
        ),
    )
    return name, p


@pytest.fixture
def home():
    """A new home of its own (0755: the embedded PostgreSQL may run as another user)."""
    path = Path(tempfile.mkdtemp(prefix="lec-clean-errors-"))
    path.chmod(0o755)
    yield path
    oracle_main(["--home", str(path), "down"])
    shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------ meter files


def test_a_device_id_longer_than_its_column_is_an_anomaly_with_its_line_and_the_rest_loads(ctx, lec, tmp_path, capsys):
    # An anomaly, not a refusal of the file: per-line content problems are anomalies in the ingest design (an
    # empty deviceid already was one), and an id longer than the column can be no registered device.
    name, p = lec
    long_id = "X" * 65
    path = write(
        tmp_path / "long-id.csv",
        f"deviceid,timestamp,energy\n{long_id},2026-03-01T00:00:00Z,5\n{p}M,2026-03-01T00:00:00Z,7\n",
    )
    before = stored(ctx)
    assert run("--home", str(ctx.settings.home), "ingest", "--community", name, str(path)) == 0
    assert "1 readings loaded (1 read), 1 anomalies" in capsys.readouterr().out
    ingestion = last_ingestion(ctx)
    assert anomalies_of(ctx, ingestion.id) == [("bad_deviceid", 2, None)]
    assert stored(ctx) == (before[0] + 1, before[1] + 1, before[2] + 1)


@pytest.mark.parametrize("fmt", ["csv", "ec-csv", "urbandataset"])
def test_times_outside_2000_to_2100_are_anomalies_with_their_line_in_every_format(ctx, lec, tmp_path, fmt, capsys):
    name, p = lec
    good = {"csv": "2026-03-02", "ec-csv": "2026-03-03", "urbandataset": "2026-03-04"}[fmt]
    if fmt == "csv":
        text = (
            "deviceid,timestamp,energy\n"
            + "".join(f"{p}M,{y}-10-01T00:00:00Z,1\n" for y in YEARS)
            + f"{p}M,{good}T00:00:00Z,1\n"
        )
        bad_lines = [2, 3, 4, 5, 6, 7]
    elif fmt == "ec-csv":  # one interval of one step per start date (ddmmyyyy), one user: Pfix on lines 6..12
        starts = ";".join(f"0110{y}" for y in YEARS) + ";" + good[8:10] + good[5:7] + good[:4]
        text = f"Δt;15\nSt;{starts}\nDt;1\nN;1\nIDn;{p}M\nPfix;4\n" + ";4\n" * len(YEARS)
        bad_lines = [6, 7, 8, 9, 10, 11]
    else:
        entries = [
            {
                "id": i + 1,
                "period": {"start_ts": f"{y}T00:00:00Z"},
                "property": [{"name": "PODID", "val": f"{p}M"}, {"name": "energy", "val": 1}],
            }
            for i, y in enumerate([f"{y}-10-01" for y in YEARS] + [good])
        ]
        text = json.dumps({"UrbanDataset": {"context": {"timeZone": "UTC"}, "values": {"line": entries}}}, indent=1)
        lines = text.split("\n")
        bad_lines = [n + 1 for n, line in enumerate(lines) if line == "    {"][: len(YEARS)]  # values.line[i]
    path = write(tmp_path / f"years.{fmt}", text)
    before = stored(ctx)
    assert run("--home", str(ctx.settings.home), "ingest", "--community", name, "--format", fmt, str(path)) == 0
    assert "1 readings loaded" in capsys.readouterr().out
    found = anomalies_of(ctx, last_ingestion(ctx).id)
    assert [(kind, line) for kind, line, _ in found] == [("implausible_time", line) for line in bad_lines]
    assert stored(ctx)[1] == before[1] + 1


def test_a_line_longer_than_the_limit_is_refused_before_it_is_read_whole(ctx, lec, tmp_path, capsys, monkeypatch):
    import oracle.ingest.source as source

    monkeypatch.setattr(source, "MAX_LINE_BYTES", 64 << 10)
    name, p = lec
    path = tmp_path / "one-long-line.csv"
    with open(path, "wb") as f:  # 3 MB on line 3
        f.write(f"deviceid,timestamp,energy\n{p}M,2026-03-05T00:00:00Z,1\n{p}M,2026-03-05T00:15:00Z,".encode())
        f.write(b"9" * (3 << 20) + b"\n")
    before = stored(ctx)
    assert run("--home", str(ctx.settings.home), "ingest", "--community", name, str(path)) == 2
    line = refusal(capsys)
    assert f"{path}:3: the line is longer than 65,536 bytes" in line and "nothing was loaded" in line
    assert stored(ctx) == before


def test_a_file_without_utc_offsets_loads_nothing_and_says_so(ctx, lec, tmp_path, capsys):
    name, p = lec
    path = write(
        tmp_path / "no-offsets.csv",
        "deviceid,timestamp,energy\n"
        + "".join(f"{p}M,2026-03-06T00:{m:02d}:00,1\n" for m in (0, 15, 30, 45))
        + f"{p}M,2026-03-06T01:00:00Z,x\n",
    )
    before = stored(ctx)
    assert run("--home", str(ctx.settings.home), "ingest", "--community", name, str(path)) == 2
    line = refusal(capsys)
    assert line.startswith(
        f"error: {path}: no reading could be loaded, 5 anomalies, most of them missing_offset (4; "
        "the first at line 2: timestamp '2026-03-06T00:00:00' has no UTC offset"
    )
    assert line.endswith("nothing was loaded")
    assert stored(ctx) == before


def test_digit_separators_and_other_scripts_digits_are_not_numbers(ctx, lec, tmp_path, capsys):
    name, p = lec
    path = write(
        tmp_path / "digits.csv",
        f"deviceid,timestamp,energy\n{p}M,2026-03-07T00:00:00Z,1_000\n"
        f"{p}M,2026-03-07T00:15:00Z,١٢٣\n{p}M,2026-03-07T00:30:00Z,42\n",
    )
    assert run("--home", str(ctx.settings.home), "ingest", "--community", name, str(path)) == 0
    ingestion = last_ingestion(ctx)
    assert ingestion.rows_loaded == 1
    assert [(k, ln) for k, ln, _ in anomalies_of(ctx, ingestion.id)] == [("bad_number", 2), ("bad_number", 3)]
    with ctx.session() as s:
        assert s.scalars(select(CounterReading.energy).where(CounterReading.ingestion_id == ingestion.id)).all() == [42]


# ------------------------------------------------------------------ arguments


@pytest.mark.parametrize("hours", ["nan", "1e400", "-1", "0", "inf", "25", "1_0"])
def test_gap_limit_hours_outside_its_documented_range(ctx, lec, tmp_path, capsys, hours):
    name, p = lec
    path = write(tmp_path / "r.csv", f"deviceid,timestamp,energy\n{p}M,2026-03-08T00:00:00Z,1\n")
    before = stored(ctx)
    assert (
        run("--home", str(ctx.settings.home), "ingest", "--community", name, f"--gap-limit-hours={hours}", str(path))
        == 2
    )
    line = refusal(capsys)
    assert line.startswith("error: oracle ingest: argument --gap-limit-hours: ") and "at most 24" in line
    assert stored(ctx) == before


@pytest.mark.parametrize(
    "command",
    [["ingest", "--community", "X"], ["members", "import", "--community", "X"], ["verify"], ["serve", "--schedule"]],
)
def test_a_directory_given_as_the_file(ctx, tmp_path, capsys, command):
    assert run("--home", str(ctx.settings.home), *command, str(tmp_path)) == 2
    assert f"{tmp_path} is a directory, not a file" in refusal(capsys)


def test_a_directory_as_the_schedule_from_the_environment(ctx, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEC_SCHEDULE", str(tmp_path))
    assert run("--home", str(ctx.settings.home), "serve") == 2
    assert refusal(capsys) == f"error: {tmp_path} is a directory, not a schedule file"


@pytest.mark.parametrize(
    "value,says",
    [
        ("99999999999999999999999", "is not an ISO 8601 time"),
        ("99999-01-01T00:00:00+00:00", "is not an ISO 8601"),
        ("2027-01-01T00:00:00", "has no UTC offset"),
        ("9999-12-31T00:00:00Z", "outside the plausible window"),
        ("0001-01-01T00:00:00Z", "outside the plausible window"),
        ("nan", "is not an ISO 8601 time"),
    ],
)
def test_effective_from_with_absurd_values(ctx, lec, capsys, value, says):
    name, _ = lec
    chain = ctx.chain
    token = get_community(ctx, name).token_address
    count = chain.call(chain.registry.functions.versionCount(token, to_bytes32("self_consumption")))
    assert (
        run(
            "--home",
            str(ctx.settings.home),
            "models",
            "publish",
            "--model",
            "self_consumption",
            "--set",
            "alpha_consumer=1",
            "--set",
            "alpha_producer=0.5",
            "--community",
            name,
            f"--effective-from={value}",
        )
        == 2
    )
    line = refusal(capsys)
    assert line.startswith("error: oracle models publish: argument --effective-from: ") and says in line
    assert chain.call(chain.registry.functions.versionCount(token, to_bytes32("self_consumption"))) == count


@pytest.mark.parametrize(
    "argv,says",
    [
        (["community", "create", "ENDOW", "--endowment", "1e400"], "1e400 tokens is outside the range: 0 to"),
        (["community", "create", "ENDOW", "--endowment", "1_000"], "'_' digit separators are not accepted"),
        (["community", "create", "ENDOW", "--reward-ceiling", "١٠٠"], "only the ASCII digits 0-9 are accepted"),
        (["community", "create", "ENDOW", "--fee-bps", "1_0"], "'1_0' is not a whole number"),
        (["epoch", "show", "--community", "X", "--epoch", "99999999999999999999"], "is not an epoch number"),
    ],
)
def test_amounts_and_numbers_on_the_command_line(ctx, capsys, argv, says):
    name = unique_name("Argument LEC")
    argv = [name if a == "ENDOW" else a for a in argv]
    assert run("--home", str(ctx.settings.home), *argv) == 2
    assert says in refusal(capsys)
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(Community).where(Community.name == name)) == 0


# ------------------------------------------------------------------ database and chain


@pytest.mark.parametrize(
    "url,says",
    [
        ("sqlite:///x.db", "the database URL sqlite:///x.db is not PostgreSQL (sqlite)"),
        ("mysql://lec:secret@db/lec", "the database URL mysql://lec:***@db/lec is not PostgreSQL (mysql)"),
        ("not a url", "the database URL 'not a url' is not a URL"),
    ],
)
@pytest.mark.parametrize("command", [["epoch", "show", "--community", "X", "--epoch", "1"], ["db", "upgrade"]])
def test_a_malformed_or_non_postgresql_database_url(tmp_path, capsys, monkeypatch, url, says, command):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert run("--home", str(tmp_path / "home"), *command) == 2
    assert refusal(capsys).startswith(f"error: {says}: ")
    assert list(tmp_path.iterdir()) == []  # no x.db, no home


@pytest.mark.parametrize(
    "url,says",
    [
        (
            "postgresql://lec:secret@nohost.invalid:5432/lec",
            "the database at postgresql://lec:***@nohost.invalid:5432/lec does not answer (failed to resolve host",
        ),
        (
            "postgresql://lec@127.0.0.1:{port}/lec",
            "the database at postgresql://lec@127.0.0.1:{port}/lec does not answer (connection failed: ",
        ),
    ],
)
def test_a_database_that_does_not_answer(tmp_path, capsys, monkeypatch, url, says):
    port = free_port()
    url, says = url.format(port=port), says.format(port=port)
    monkeypatch.setenv("DATABASE_URL", url)
    for command in (["epoch", "show", "--community", "X", "--epoch", "1"], ["db", "upgrade"], ["up"]):
        assert run("--home", str(tmp_path), *command) == 1
        assert refusal(capsys).startswith(f"error: {says}")
    assert run("--home", str(tmp_path), "status") == 0
    assert json.loads(capsys.readouterr().out)["database"].startswith(says)
    assert not (tmp_path / "pgdata").exists() and not (tmp_path / "anvil").exists()  # `up` started nothing


def test_status_says_a_configured_database_answers(ctx, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", ctx.database_url)
    assert run("--home", str(ctx.settings.home), "status") == 0
    assert json.loads(capsys.readouterr().out)["database"].endswith(" answers")


def test_a_database_without_the_oracle_schema(ctx, capsys, monkeypatch):
    import psycopg

    database = f"empty_{os.getpid()}_{free_port()}"
    admin = ctx.database_url.replace("postgresql+psycopg://", "postgresql://").replace("/lec?", "/postgres?")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    monkeypatch.setenv("DATABASE_URL", ctx.database_url.replace("/lec?", f"/{database}?"))
    try:
        assert run("--home", str(ctx.settings.home), "epoch", "show", "--community", "X", "--epoch", "1") == 1
        line = refusal(capsys)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {database} WITH (FORCE)")
    assert line.startswith("error: the database has no oracle schema yet (") and "run `oracle db upgrade`" in line


def test_a_chain_that_does_not_answer_or_is_no_url(ctx, tmp_path, capsys, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("LEC_RPC_URL", url)
    monkeypatch.setenv("LEC_CHAIN_ID", "31337")
    monkeypatch.setenv("LEC_MANIFEST", str(ctx.settings.manifest_path))
    assert run("--home", str(tmp_path), "up") == 1
    assert refusal(capsys).startswith(f"error: the chain at {url} does not answer (")
    assert list(tmp_path.iterdir()) == [tmp_path / ".lock"]  # nothing started, nothing migrated
    assert run("--home", str(tmp_path), "status") == 0
    assert json.loads(capsys.readouterr().out)["chain"].startswith(f"the chain at {url} does not answer (")
    monkeypatch.setenv("LEC_RPC_URL", "localhost:8545")
    assert run("--home", str(tmp_path), "status") == 2
    assert "LEC_RPC_URL='localhost:8545' is not an http(s) URL" in refusal(capsys)


# ------------------------------------------------------------------ homes and processes


def test_a_home_that_is_a_file_or_cannot_be_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEC_ANVIL_PORT", str(free_port()))
    a_file = write(tmp_path / "a-file", "not a directory\n")
    assert run("--home", str(a_file), "up") == 2
    assert refusal(capsys) == (
        f"error: the home {a_file} is a file, not a directory: give --home (or LEC_HOME) a directory"
    )
    assert run("--home", str(a_file / "inside"), "up") == 2
    assert "part of its path is a file" in refusal(capsys)
    assert a_file.read_text() == "not a directory\n"
    # /sys refuses new files to everyone, root included (a chmod would not stop root)
    assert run("--home", "/sys/kernel", "up") == 1
    assert refusal(capsys).startswith("error: the home /sys/kernel cannot be written (Permission denied)")


def test_a_home_on_a_read_only_file_system(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEC_ANVIL_PORT", str(free_port()))
    mount = tmp_path / "ro"
    mount.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("mounting a read-only file system needs root")
    try:
        assert run("--home", str(mount), "up") == 1
        assert refusal(capsys).startswith(f"error: the home {mount} cannot be written (Read-only file system)")
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def oracle_process(home: Path, *argv: str, env: dict | None = None, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "oracle.cli", "--home", str(home), *argv],
        cwd=PROJECT,
        env=env or dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_two_ups_at_once_on_a_new_home(home):
    env = dict(os.environ, LEC_ANVIL_PORT=str(free_port()))
    first = oracle_process(home, "up", env=env)
    lock = home / ".lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().strip()):  # the first holds the lock (its pid in the file)
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    second = oracle_process(home, "up", env=env)
    out, err = second.communicate(timeout=60)
    assert first.poll() is None, "the first `up` ended before the second was refused: nothing was tested"
    assert second.returncode == 1 and out == ""
    assert err.splitlines() == [
        f"error: another `oracle up` is running on this home ({home}, process "
        f"{first.pid}): wait for it to end, then see `oracle status`"
    ]
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert out.count("deploying the platform contracts") == 1
    with open(lock) as handle:  # released with the process
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_epoch_show_into_a_pipe_closed_early(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    run_epoch(ctx, name, START, END, progress=False, log=quiet)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # block-buffered, as in a shell
    # `head -n 0` leaves before the first write (`head -1` may take a short report whole and hide the problem)
    show = oracle_process(ctx.settings.home, "epoch", "show", "--community", name, "--epoch", "1", env=env)
    head = subprocess.Popen(["head", "-n", "0"], stdin=show.stdout)
    show.stdout.close()
    err = show.stderr.read()
    assert head.wait(timeout=60) == 0
    assert show.wait(timeout=60) == 0
    assert err == ""  # no traceback, no "Exception ignored … BrokenPipeError"
