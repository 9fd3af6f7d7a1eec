"""`oracle serve`: run epochs on a cron schedule (APScheduler).

Schedule file (JSON; --schedule or env LEC_SCHEDULE):

    {"jobs": [{"community": "Borgo Solare", "cron": "30 2 1 * *", "period": "previous_month",
               "timezone": "Europe/Rome"}]}

`period` is previous_month, previous_week (Monday to Monday) or previous_day, in the job's time
zone. A job that fails (e.g. the chain is down) is logged and retried at its next run: the epoch of
the same period resumes where it stopped — every run first finishes the community's unfinished epoch,
whatever its period. A run that stops in the notary's challenge window (committed, not yet payable)
schedules a one-off resume of the same period at the time it becomes payable.

A `"pell"` entry, `{"cron": "15 3 * * *", "timezone": "Europe/Rome"}`, also runs the PELL-IP certification
(`oracle pell certify`) at those times; see oracle/pell/schedule.py. A schedule may hold only that entry.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from oracle.context import Context
from oracle.errors import OracleError, read_json_file

PERIODS = ("previous_month", "previous_week", "previous_day")
RESUME_DELAY = timedelta(seconds=5)  # after payableAt, so the chain's next block is surely past it
RETRY_DELAY = timedelta(seconds=60)
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
    if Path(path).is_dir():
        raise OracleError(f"{path} is a directory, not a schedule file")
    data = read_json_file(path, "schedule file")
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if isinstance(data, dict) and "pell" in data and jobs is None:
        jobs = []  # a schedule of PELL-IP certification only (oracle.pell.schedule)
    if not isinstance(jobs, list) or (not jobs and not (isinstance(data, dict) and "pell" in data)):
        raise OracleError(f'{path}: expected {{"jobs": [...]}} with at least one job')
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


def run_job(ctx: Context, job: dict, now: datetime | None = None, scheduler=None) -> None:
    """The cron job: first the community's unfinished epoch, if any (a run that failed, or whose resume was
    lost with a restart), then the epoch of the last whole period before `now`."""
    start, end = period_bounds(job["period"], now or datetime.now(ZoneInfo(job["timezone"])), job["timezone"])
    pending = _unfinished_period(ctx, job["community"])
    if pending is not None and pending != _utc(start, end):
        epoch = run_period(ctx, job["community"], *pending, scheduler)
        if epoch is None or epoch.status != "done":
            log.info("the epoch over %s .. %s of %s waits for the unfinished one", start, end, job["community"])
            return
    run_period(ctx, job["community"], start, end, scheduler)


def _utc(start: str, end: str) -> tuple[str, str]:
    return tuple(pd.Timestamp(t).tz_convert("UTC").isoformat() for t in (start, end))


def _unfinished_period(ctx: Context, community: str) -> tuple[str, str] | None:
    from oracle.communities import get_community
    from oracle.epochs.runner import unfinished_epoch

    try:
        epoch = unfinished_epoch(ctx, get_community(ctx, community))
    except Exception:  # the database is down, the community unknown: run_period reports it
        return None
    return None if epoch is None else _utc(epoch.period_start.isoformat(), epoch.period_end.isoformat())


def run_period(ctx: Context, community: str, start: str, end: str, scheduler=None):
    """Runs (or resumes) the epoch of one period and returns it (None when the run failed); when it stops in
    the challenge window, schedules its own resume at the time it becomes payable (plus RESUME_DELAY)."""
    from oracle.epochs.runner import run_epoch

    log.info("epoch for %s over %s .. %s", community, start, end)
    try:
        epoch = run_epoch(ctx, community, start, end, progress=False, log=log.info)
    except OracleError as exc:  # said in a sentence (another run holds the lock, the treasury is short, …)
        log.error("epoch for %s over %s .. %s not run: %s; it resumes at the next run", community, start, end, exc)
        return None
    except Exception:  # a scheduled job must not kill the scheduler; the next run resumes
        log.exception("epoch for %s over %s .. %s failed; it resumes at the next run", community, start, end)
        return None
    log.info("epoch %s of %s: %s, root %s", epoch.number, community, epoch.status, epoch.merkle_root)
    if epoch.status == "waiting" and scheduler is not None:
        # a chain whose latest block lags behind the clock may still be short of payableAt: try again later
        at = max(epoch.payable_at + RESUME_DELAY, datetime.now(UTC) + RETRY_DELAY)
        scheduler.add_job(
            run_period,
            "date",
            run_date=at,
            args=[ctx, community, start, end, scheduler],
            id=f"resume {community} {start}",
            name=f"resume {community} {start} .. {end}",
            replace_existing=True,
            misfire_grace_time=None,
        )
        log.info(
            "epoch %s of %s resumes at %s, when its challenge window is over", epoch.number, community, at.isoformat()
        )
    return epoch


def serve(ctx: Context, schedule: Path | None) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    if schedule is None:
        raise OracleError("no schedule: pass --schedule FILE or set LEC_SCHEDULE")
    jobs = load_schedule(schedule)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    scheduler = BlockingScheduler()
    for job in jobs:
        scheduler.add_job(
            run_job,
            CronTrigger.from_crontab(job["cron"], timezone=job["timezone"]),
            kwargs={"ctx": ctx, "job": job, "scheduler": scheduler},
            name=f"{job['community']} {job['period']}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
        log.info("scheduled %s for %r (%s, %s)", job["period"], job["community"], job["cron"], job["timezone"])
    from oracle.pell.schedule import add_pell_job

    add_pell_job(scheduler, ctx, schedule)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopped")
