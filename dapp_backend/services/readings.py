"""Quarter-hour energy of a member, or of the whole community, between two instants (at most 31 days).

Consumption and production follow the reward models (oracle/models/frames.py): a reading's energy is the
device's net Wh in the interval, withdrawn or absorbed > 0, produced or injected < 0 (DOMAIN.md; the sample's
PV meters read negative). Per interval, consumption = Σ over devices of max(E, 0) and production =
Σ max(−E, 0), a device's rows in one interval summed first. Every stored reading counts (no ingestion
watermark: this is the data as it is now, not an epoch's frozen view). An interval without any reading is
null, not 0: a chart should show the gap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from dapp_backend.services.access import require_community_reader
from dapp_backend.services.communities import find_community
from dapp_backend.services.errors import InvalidInput
from dapp_backend.services.rewards import personal_request, require_known_member
from dapp_backend.services.roles import Standing
from oracle.context import Context
from oracle.errors import OracleError
from oracle.instants import iso, parse_instant

MAX_SPAN = timedelta(days=31)
INTERVAL = timedelta(minutes=15)

ENERGY_SQL = """
SELECT bucket, sum(greatest(energy, 0)) AS consumption, sum(greatest(-energy, 0)) AS production
FROM (
  SELECT to_timestamp(floor(extract(epoch FROM r.ts) / 900) * 900) AS bucket, r.device_id, sum(r.energy) AS energy
  FROM counterreading r
  JOIN devices d ON d.id = r.device_id
  JOIN users_communities m ON m.id = d.membership_id
  WHERE m.community_id = :community AND r.ts >= :start AND r.ts < :end {member_filter}
  GROUP BY 1, 2
) per_device
GROUP BY bucket ORDER BY bucket
"""


def _instant(value, name: str) -> datetime:
    if value is None or value == "":
        raise InvalidInput(
            f"{name} is missing: give an ISO 8601 time with its UTC offset, e.g. 2026-10-01T00:00:00+00:00", name
        )
    try:
        return parse_instant(value, name, grid="15min")
    except OracleError as exc:
        raise InvalidInput(str(exc), name) from None
    except ValueError:  # pandas parses years Python's datetime cannot hold (e.g. -2026)
        raise InvalidInput(f"{name} {value!r} is outside the years 1 to 9999", name) from None


def time_range(start, end) -> tuple[datetime, datetime]:
    """(start, end) from the query: aware ISO 8601 instants on the quarter-hour grid, start before end, at most
    31 days apart; InvalidInput naming the field otherwise."""
    first, last = _instant(start, "start"), _instant(end, "end")
    if last <= first:
        raise InvalidInput(f"end {iso(last)} is not after start {iso(first)}", "end")
    if last - first > MAX_SPAN:
        raise InvalidInput(
            f"from start {iso(first)} to end {iso(last)} is more than {MAX_SPAN.days} days: ask at "
            f"most {MAX_SPAN.days} days at a time",
            "end",
        )
    return first, last


def _series(ctx: Context, community_id: int, start: datetime, end: datetime, member: str | None) -> list[dict]:
    sql = ENERGY_SQL.format(member_filter="AND m.wallet = :member" if member else "")
    params = {"community": community_id, "start": start, "end": end, "member": member}
    with ctx.engine.connect() as connection:
        found = {row.bucket: row for row in connection.execute(text(sql), params)}
    series, moment = [], start
    while moment < end:
        row = found.get(moment)
        series.append(
            {
                "ts": iso(moment),
                "consumption_wh": None if row is None else float(row.consumption),
                "production_wh": None if row is None else float(row.production),
            }
        )
        moment += INTERVAL
    return series


def member_readings(ctx: Context, held: Standing, token: str, member: str, start, end) -> dict:
    community, member = personal_request(ctx, held, token, member)
    first, last = time_range(start, end)
    require_known_member(ctx, community, member)
    return {
        "member": member,
        "start": iso(first),
        "end": iso(last),
        "series": _series(ctx, community.id, first, last, member),
    }


def community_production(ctx: Context, held: Standing, token: str, start, end) -> dict:
    community = find_community(ctx, token)
    require_community_reader(held, community.token_address)
    first, last = time_range(start, end)
    return {"start": iso(first), "end": iso(last), "series": _series(ctx, community.id, first, last, None)}
