"""`oracle serve`: run epochs on a cron schedule (APScheduler).

Schedule file (JSON; --schedule or env LEC_SCHEDULE):

    {"jobs": [{"community": "Borgo Solare", "cron": "30 2 1 * *", "period": "previous_month",
               "timezone": "Europe/Rome"}]}

`period` is previous_month, previous_week (Monday to Monday) or previous_day, in the job's time
zone. A job that fails (e.g. the chain is down) is logged and retried at its next run: the epoch of
the same period resumes where it stopped.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from oracle.context import Context
from oracle.errors import OracleError, read_json_file

PERIODS = ("previous_month", "previous_week", "previous_day")
log = logging.getLogger("oracle.serve")


def period_bounds(period: str, now: datetime, tz: str) -> tuple[str, str]:
    """The last whole period before `now`, as ISO strings with the zone's offset."""
    local = pd.Timestamp(now).tz_convert(tz)
    today = local.normalize()
    if period == "previous_day":
        start, end = today - pd.DateOffset(days=1), today
    elif period == "previous_week":
        monday = today - pd.Timedelta(days=today.weekday())
        start, end = monday - pd.DateOffset(weeks=1), monday
    elif period == "previous_month":
        first = today.replace(day=1)
        start, end = first - pd.DateOffset(months=1), first
    else:
        raise OracleError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    # DateOffset arithmetic keeps wall-clock midnight across daylight-saving changes
    return start.tz_localize(None).tz_localize(tz).isoformat(), end.tz_localize(None).tz_localize(tz).isoformat()


def load_schedule(path: Path) -> list[dict]:
    data = read_json_file(path, "schedule file")
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, list) or not jobs:
        raise OracleError(f"{path}: expected {{\"jobs\": [...]}} with at least one job")
    from apscheduler.triggers.cron import CronTrigger

    for n, job in enumerate(jobs, start=1):
        for key in ("community", "cron", "period"):
            if not isinstance(job.get(key), str) or not job[key]:
                raise OracleError(f"{path}: job {n} needs a {key!r}")
        if job["period"] not in PERIODS:
            raise OracleError(f"{path}: job {n}: period {job['period']!r} is not one of {', '.join(PERIODS)}")
        job.setdefault("timezone", "Europe/Rome")
        try:
            ZoneInfo(job["timezone"])
            CronTrigger.from_crontab(job["cron"], timezone=job["timezone"])
        except ZoneInfoNotFoundError:
            raise OracleError(f"{path}: job {n}: unknown time zone {job['timezone']!r}") from None
        except ValueError as exc:
            raise OracleError(f"{path}: job {n}: bad cron {job['cron']!r} ({exc})") from None
    return jobs


def run_job(ctx: Context, job: dict, now: datetime | None = None) -> None:
    from oracle.epochs.runner import run_epoch

    start, end = period_bounds(job["period"], now or datetime.now(ZoneInfo(job["timezone"])), job["timezone"])
    log.info("epoch for %s over %s .. %s", job["community"], start, end)
    try:
        epoch = run_epoch(ctx, job["community"], start, end, progress=False, log=log.info)
        log.info("epoch %s of %s: %s, root %s", epoch.number, job["community"], epoch.status, epoch.merkle_root)
    except Exception:  # a scheduled job must not kill the scheduler; the next run resumes
        log.exception("epoch for %s over %s .. %s failed; it resumes at the next run", job["community"], start, end)


def serve(ctx: Context, schedule: Path | None) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    if schedule is None:
        raise OracleError("no schedule: pass --schedule FILE or set LEC_SCHEDULE")
    jobs = load_schedule(schedule)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    scheduler = BlockingScheduler()
    for job in jobs:
        scheduler.add_job(run_job, CronTrigger.from_crontab(job["cron"], timezone=job["timezone"]), args=[ctx, job],
                          name=f"{job['community']} {job['period']}", max_instances=1, coalesce=True,
                          misfire_grace_time=3600)
        log.info("scheduled %s for %r (%s, %s)", job["period"], job["community"], job["cron"], job["timezone"])
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopped")
