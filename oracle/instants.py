"""Instants as users write them (ISO 8601 with a UTC offset) and as the chain keeps them (unix seconds)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from oracle.errors import OracleError


def parse_instant(text: str, what: str, *, grid: str | None = None) -> datetime:
    """`text` as an aware UTC datetime; `grid` (e.g. "15min") requires it to lie on that grid."""
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise OracleError(f"{what} {text!r} is not an ISO 8601 timestamp") from None
    if ts.tzinfo is None:
        raise OracleError(f"{what} {text!r} has no UTC offset: write e.g. 2026-10-01T00:00:00+02:00")
    ts = ts.tz_convert("UTC")
    if grid is not None and ts != ts.floor(grid):
        raise OracleError(f"{what} {text!r} is not on the {grid.replace('min', '-minute')} grid")
    if ts != ts.floor("s"):
        raise OracleError(f"{what} {text!r} has a fraction of a second: the chain keeps whole seconds")
    return ts.to_pydatetime()


def to_unix(instant: datetime) -> int:
    return int(instant.timestamp())


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def iso(instant: datetime | int) -> str:
    """An instant for a message: ISO 8601 in UTC."""
    if not isinstance(instant, datetime):
        instant = from_unix(instant)
    return instant.astimezone(UTC).isoformat()


def duration(seconds: int) -> str:
    """A duration for a message: "7 days", "24 h", "90 s"."""
    if seconds % 86_400 == 0 and seconds:
        return f"{seconds // 86_400} day{'s' if seconds != 86_400 else ''}"
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600} h"
    return f"{seconds} s"
