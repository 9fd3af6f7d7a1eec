"""`oracle pell …` on the command line: one-line errors (exit 2, no traceback), grant and revoke, the submitter
command, --plant/--month verification, and the certification on the oracle's schedule."""

from __future__ import annotations

import json

import pytest
from eth_utils import to_checksum_address
from sqlalchemy import select

from oracle.cli import main
from oracle.db.schema import PellMunicipality, PellViewer
from oracle.errors import OracleError
from oracle.pell.chain import latest_monthly_ids, latest_static_ids
from tests.oracle.test_pell_certify import new_code, tiny_municipality

ADDRESS = "0x" + "ab" * 20
CHECKSUMMED = to_checksum_address(ADDRESS)  # EIP-55


def run(ctx, capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(["--home", str(ctx.settings.home), "pell", *args])
    except SystemExit as exit_:  # argparse's refusals
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def town(base_ctx, tmp_path_factory):
    code = new_code()
    tiny_municipality(base_ctx, tmp_path_factory.mktemp("cli"), code)
    return code


def test_user_mistakes_are_one_line_errors(ctx, capsys, tmp_path, town):
    bad = tmp_path / "bad.csv"
    bad.write_text("istat_code,plant_code,period,kwh\n" + f"{town},P1,2026-03,-5\n")
    cases = [
        (
            ["import", "--format", "csv", str(bad)],
            f"error: {bad}:2: field kwh: -5 kWh: consumption is not negative — nothing of the file was stored",
        ),
        (["import", "--format", "xml", str(bad)], "error: oracle pell import: argument --format: invalid choice"),
        (
            ["import", "--format", "csv", str(tmp_path / "missing.csv")],
            f"error: {tmp_path / 'missing.csv'}: cannot read the file: No such file or directory",
        ),
        (["verify", "--municipality", "123456"], "error: no municipality with ISTAT code '123456'"),
        (
            ["verify", "--municipality", town, "--plant", "P404"],
            f"error: Testville {town} ({town}) has no plant 'P404'",
        ),
        (["certify", "--month", "2026-13"], "error: '2026-13' is not a month YYYY-MM (e.g. 2026-03)"),
        (["certify", "--month", "2999-12"], "error: 2999-12 is not over yet: a month is certified once it is over"),
        (["grant", "--address", "0x123", "--region", "Liguria"], "error: '0x123' is not an account address"),
        (["grant", "--address", ADDRESS, "--region", "Atlantis"], "error: no municipality of region 'Atlantis'"),
        (["grant", "--address", ADDRESS], "error: oracle pell grant: one of the arguments --municipality --region"),
        (["submitter", "create", "--municipality", "999999"], "error: no municipality with ISTAT code '999999'"),
    ]
    for args, start in cases:
        code, out, err = run(ctx, capsys, *args)
        assert code == 2, (args, err)
        assert err.startswith(start) and err.count("\n") == 1 and "Traceback" not in err, (args, err)


def test_grant_and_revoke_a_regional_administrator_and_a_municipality_account(ctx, capsys, town):
    assert run(ctx, capsys, "grant", "--address", ADDRESS, "--region", "Liguria")[1] == (
        f"{CHECKSUMMED} is now an administrator of the region Liguria: it may see that reserved data\n"
    )
    assert run(ctx, capsys, "grant", "--address", ADDRESS, "--region", "Liguria")[1] == (
        f"{CHECKSUMMED} already is an administrator of the region Liguria\n"
    )
    assert run(ctx, capsys, "grant", "--address", ADDRESS, "--municipality", town)[0] == 0
    with ctx.session() as s:
        m = s.scalar(select(PellMunicipality).where(PellMunicipality.istat_code == town))
        rows = s.execute(
            select(PellViewer.municipality_id, PellViewer.region)
            .where(PellViewer.address == CHECKSUMMED)
            .order_by(PellViewer.id)
        ).all()
        assert [tuple(r) for r in rows] == [(None, "Liguria"), (m.id, None)]
    assert run(ctx, capsys, "revoke", "--address", ADDRESS, "--region", "Liguria")[1] == (
        f"{CHECKSUMMED} is no longer an administrator of the region Liguria\n"
    )
    assert run(ctx, capsys, "revoke", "--address", ADDRESS, "--region", "Liguria")[1] == (
        f"{CHECKSUMMED} was not an administrator of the region Liguria: nothing to revoke\n"
    )
    with ctx.session() as s:
        assert s.scalars(select(PellViewer.region).where(PellViewer.address == CHECKSUMMED)).all() == [None]


def test_submitter_create_is_idempotent(ctx, capsys, town):
    code, out, _ = run(ctx, capsys, "submitter", "create", "--municipality", town)
    assert code == 0 and out.startswith(f"submitter of {town}: 0x") and "(existing key, already authorized" in out


def test_certify_and_verify_a_month_and_a_plant(ctx, capsys, town):
    code, out, err = run(ctx, capsys, "certify", "--municipality", town, "--month", "2026-03")
    assert code == 0 and out.endswith("0 static records and 1 months certified, 0 already certified as they stand\n")
    assert "certifying" in err  # the progress bar, on stderr
    assert latest_static_ids(ctx, [(town, "P1")]) == [0]  # --month certifies that month only
    code, out, _ = run(ctx, capsys, "verify", "--municipality", town, "--month", "2026-03")
    assert code == 0 and out.startswith(
        f"Testville {town} ({town}) 2026-03: certified, 123.831 kWh from 3 measurements"
    )
    code, out, err = run(ctx, capsys, "verify", "--municipality", town, "--plant", "P1")
    assert code == 2 and out == f"plant P1 of Testville {town} ({town}): never certified\n"
    assert err == "error: 0 of 1 records changed since their certification, 1 never certified\n"


def test_the_schedule_runs_the_certification(ctx, tmp_path, town):
    from oracle.pell.schedule import pell_job, run_certification
    from oracle.scheduler import load_schedule

    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps({"pell": {"cron": "15 3 * * *"}}))
    assert load_schedule(schedule) == []
    assert pell_job(schedule) == {"cron": "15 3 * * *", "timezone": "Europe/Rome"}
    schedule.write_text(json.dumps({"pell": {"cron": "61 3 * * *"}}))
    with pytest.raises(OracleError, match="pell: bad cron '61 3 \\* \\* \\*'"):
        pell_job(schedule)
    run_certification(ctx)
    assert 0 not in latest_static_ids(ctx, [(town, "P1"), (town, "P2")]) + latest_monthly_ids(ctx, [(town, 202603)])
