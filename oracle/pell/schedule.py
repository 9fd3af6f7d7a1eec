"""PELL-IP certification on the oracle's schedule (`oracle serve`): a `"pell"` entry of the schedule file,

    {"jobs": [...], "pell": {"cron": "15 3 * * *", "timezone": "Europe/Rome"}}

runs `oracle pell certify` (every municipality: new or changed static records, months just completed) at
those times. A run that fails is logged; the next one certifies what is still due, and finishes first any
certification a stopped run left sent but unrecorded.
"""

from __future__ import annotations

import logging
from pathlib import Path

from oracle.errors import OracleError, read_json_file

log = logging.getLogger("oracle.serve")


def pell_job(path: Path) -> dict | None:
    """The schedule file's "pell" entry, checked (None when it has none)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from apscheduler.triggers.cron import CronTrigger

    data = read_json_file(path, "schedule file")
    job = data.get("pell") if isinstance(data, dict) else None
    if job is None:
        return None
    if not isinstance(job, dict) or not isinstance(job.get("cron"), str) or not job["cron"]:
        raise OracleError(f'{path}: "pell" needs a "cron", e.g. {{"cron": "15 3 * * *"}}')
    job = {"timezone": "Europe/Rome", **job}
    try:
        ZoneInfo(job["timezone"])
        CronTrigger.from_crontab(job["cron"], timezone=job["timezone"])
    except ZoneInfoNotFoundError:
        raise OracleError(f"{path}: pell: unknown time zone {job['timezone']!r}") from None
    except ValueError as exc:
        raise OracleError(f"{path}: pell: bad cron {job['cron']!r} ({exc})") from None
    return job


def run_certification(ctx) -> None:
    """The scheduled job: certify whatever is due; a failure is logged, never raised into the scheduler."""
    from oracle.pell.certify import certify

    try:
        summary = certify(ctx, progress=False, log=log.info)
    except OracleError as exc:
        log.error("PELL-IP certification not run: %s; it runs again at the next time", exc)
        return
    except Exception:
        log.exception("PELL-IP certification failed; what is still due is certified at the next run")
        return
    log.info("PELL-IP certification: %s", summary.sentence())


def add_pell_job(scheduler, ctx, path: Path) -> None:
    from apscheduler.triggers.cron import CronTrigger

    job = pell_job(path)
    if job is None:
        return
    scheduler.add_job(
        run_certification,
        CronTrigger.from_crontab(job["cron"], timezone=job["timezone"]),
        kwargs={"ctx": ctx},
        name="PELL-IP certification",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    log.info("scheduled PELL-IP certification (%s, %s)", job["cron"], job["timezone"])
