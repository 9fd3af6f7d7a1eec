"""`oracle serve`: the periods it runs, its schedule file, and a scheduled job running an epoch."""

from datetime import UTC, datetime

import pytest

from oracle.errors import OracleError
from oracle.scheduler import load_schedule, period_bounds, run_job

from .builders import ANNA, EXPECTED, small_community


@pytest.mark.parametrize(
    "period,now,expected",
    [
        ("previous_month", "2026-11-01T01:30:00+00:00", ("2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00")),
        ("previous_month", "2026-03-15T12:00:00+00:00", ("2026-02-01T00:00:00+01:00", "2026-03-01T00:00:00+01:00")),
        ("previous_week", "2026-10-28T08:00:00+00:00", ("2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00")),
        ("previous_day", "2026-10-26T05:00:00+00:00", ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00")),
        ("previous_day", "2026-03-30T05:00:00+00:00", ("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00")),
    ],
)
def test_period_bounds_keep_local_midnight_across_dst(period, now, expected):
    assert period_bounds(period, datetime.fromisoformat(now), "Europe/Rome") == expected


def test_schedule_file_errors(tmp_path):
    def check(text, pattern):
        path = tmp_path / "s.json"
        path.write_text(text)
        with pytest.raises(OracleError, match=pattern):
            load_schedule(path)

    check("{", r"s\.json:1:2: not JSON")
    check('{"jobs": []}', "at least one job")
    check('{"jobs": [{"community": "A", "cron": "0 2 1 * *"}]}', "job 1 needs a 'period'")
    check('{"jobs": [{"community": "A", "cron": "0 2 1 * *", "period": "yearly"}]}', "period 'yearly'")
    check('{"jobs": [{"community": "A", "cron": "61 2 1 * *", "period": "previous_day"}]}', "bad cron")
    check(
        '{"jobs": [{"community": "A", "cron": "0 2 1 * *", "period": "previous_day", "timezone": "Mars/Base"}]}',
        "unknown time zone",
    )
    with pytest.raises(OracleError, match="no such schedule"):
        load_schedule(tmp_path / "missing.json")
    ok = tmp_path / "ok.json"
    ok.write_text('{"jobs": [{"community": "A", "cron": "30 2 1 * *", "period": "previous_month"}]}')
    assert load_schedule(ok)[0]["timezone"] == "Europe/Rome"


def test_scheduled_job_runs_the_epoch_of_its_period(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    job = {"community": name, "cron": "* * * * *", "period": "previous_day", "timezone": "UTC"}
    # at 2026-10-02 the previous UTC day is 2026-10-01: the builder's readings lie in its first hour
    run_job(ctx, job, now=datetime(2026, 10, 2, 3, 0, tzinfo=UTC))
    token = ctx.chain.token(ctx.chain.manifest["communities"][name]["address"])
    assert token.functions.balanceOf(ANNA).call() == 100 * 10**18 + EXPECTED[ANNA]
