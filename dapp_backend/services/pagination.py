"""One page of a list: query `page` (>= 1, default 1) and `per_page` (1..200, default 50).

A list route counts its rows, asks `paginate` where the page starts, reads that slice and answers
`{**envelope, "items": rows}`. The marshmallow schema (dapp_backend/blueprints/paging.py) refuses bad values
with a 400 before a view runs; `paginate` checks again so that a service called without the schema is safe.
"""

from __future__ import annotations

from dapp_backend.services.errors import InvalidInput

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


def _whole_number(query_args: dict, name: str, default: int, low: int, high: int | None) -> int:
    raw = query_args.get(name, default)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} {raw!r} is not a whole number", name) from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise InvalidInput(f"{name} {value} must be {bounds}", name)
    return value


def paginate(query_args: dict, total: int) -> tuple[int, int, dict]:
    """(offset, limit, {"page", "per_page", "total"}) for the page the query asks; a page past the end is
    empty, not an error (the total says how many there are). The offset never passes the total, so a page
    of any size stays a valid SQL OFFSET."""
    page = _whole_number(query_args, "page", 1, 1, None)
    per_page = _whole_number(query_args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    offset = min((page - 1) * per_page, int(total))
    return offset, per_page, {"page": page, "per_page": per_page, "total": int(total)}
