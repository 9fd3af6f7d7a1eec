"""Months of the PELL-IP data: calendar months of Italian local time (Europe/Rome), written YYYY-MM.

A month's consumption is every measurement whose period starts in it (local time); a month is complete,
and may be certified, once it is over: its end (the next month's first midnight in Italy) is past.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TIME_ZONE = ZoneInfo("Europe/Rome")
MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


def parse_month(text: str) -> date:
    """'2026-03' -> date(2026, 3, 1); ValueError with a sentence otherwise."""
    match = MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2999:
        raise ValueError(f"{text!r} is not a month YYYY-MM (e.g. 2026-03)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_number(month: date) -> int:
    """The contract's YYYYMM."""
    return month.year * 100 + month.month


def month_of_number(number: int) -> date:
    return date(number // 100, number % 100, 1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_start(month: date | datetime) -> datetime:
    """The UTC instant the month starts in Italy (a datetime stands for the month it falls in, in Italy)."""
    if isinstance(month, datetime):
        local = month.astimezone(TIME_ZONE)
        month = date(local.year, local.month, 1)
    return datetime(month.year, month.month, 1, tzinfo=TIME_ZONE).astimezone(UTC)


def month_end(month: date) -> datetime:
    return month_start(next_month(month))


def month_of(instant: datetime) -> date:
    local = instant.astimezone(TIME_ZONE)
    return date(local.year, local.month, 1)


def is_complete(month: date, now: datetime) -> bool:
    return month_end(month) <= now
