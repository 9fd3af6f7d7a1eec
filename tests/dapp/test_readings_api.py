"""Quarter-hour energy: a member's own readings (/members/<member>/readings; the member, community admin,
auditors) and the community's production and consumption (/production; its members and the platform's
readers). Values are the hand-worked hour of tests/oracle/builders.py, in Wh; negative energy is production."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from .conftest import signed_in
from .test_communities_api import (
    AGGREGATE_STATUS,
    AUDIENCES,
    PERSONAL_STATUS,
    UNKNOWN_TOKEN,
    auditor,  # noqa: F401 (a fixture)
    get_as,
    refused,
)

HOUR = {"start": "2026-10-01T00:00:00+00:00", "end": "2026-10-01T01:00:00+00:00"}
QUARTERS = [
    "2026-10-01T00:00:00+00:00",
    "2026-10-01T00:15:00+00:00",
    "2026-10-01T00:30:00+00:00",
    "2026-10-01T00:45:00+00:00",
]


def readings_url(rewarded, member: str, **query) -> str:
    return f"/api/communities/{rewarded.token}/members/{member}/readings?{urlencode(query or HOUR)}"


def production_url(rewarded, **query) -> str:
    return f"/api/communities/{rewarded.token}/production?{urlencode(query or HOUR)}"


def pairs(series: list[dict]) -> list[tuple]:
    return [(q["consumption_wh"], q["production_wh"]) for q in series]


@pytest.mark.parametrize("who", AUDIENCES)
def test_annas_readings_by_audience(client, base_ctx, rewarded, auditor, who):  # noqa: F811
    anna = rewarded.anna.address
    response = get_as(client, who, readings_url(rewarded, anna), base_ctx, rewarded, auditor)
    status = PERSONAL_STATUS[who]
    if status != 200:
        refused(response, status, None, "sign in first" if status == 401 else f"personal data of {anna}")
        return
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["member"], body["start"], body["end"]) == (anna, HOUR["start"], HOUR["end"])
    assert [q["ts"] for q in body["series"]] == QUARTERS
    # A-M: 400, 300, 100 Wh and no reading at 00:45 (null, not 0)
    assert pairs(body["series"]) == [(400, 0), (300, 0), (100, 0), (None, None)]


def test_a_prosumer_sees_consumption_and_production_apart(client, rewarded):
    signed_in(client, rewarded.bruno)
    # Times in another offset name the same instants: 02:00+02:00 is 00:00 UTC.
    body = client.get(
        readings_url(
            rewarded, rewarded.bruno.address, start="2026-10-01T02:00:00+02:00", end="2026-10-01T03:00:00+02:00"
        )
    ).get_json()
    assert body["start"] == HOUR["start"]
    # B-M 200, 100, 100, 0 Wh; B-PV −600, −200, 0, −1000 Wh
    assert pairs(body["series"]) == [(200, 600), (100, 200), (100, 0), (0, 1000)]


@pytest.mark.parametrize("who", AUDIENCES)
def test_community_production_by_audience(client, base_ctx, rewarded, auditor, who):  # noqa: F811
    response = get_as(client, who, production_url(rewarded), base_ctx, rewarded, auditor)
    status = AGGREGATE_STATUS[who]
    if status != 200:
        refused(response, status, None)
        return
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["start"], body["end"]) == (HOUR["start"], HOUR["end"]) and "member" not in body
    assert [q["ts"] for q in body["series"]] == QUARTERS
    # L: 400+200+0, 300+100+200, 100+100+100, 0+0+500; P: Bruno's PV 600, 200, 0, 1000
    assert pairs(body["series"]) == [(600, 600), (600, 200), (300, 0), (500, 1000)]


def test_quarters_without_any_reading_are_null(client, rewarded):
    signed_in(client, rewarded.shop)
    body = client.get(production_url(rewarded, start="2026-09-30T23:30:00Z", end="2026-10-01T00:15:00Z")).get_json()
    assert pairs(body["series"]) == [(None, None), (None, None), (600, 600)]


@pytest.mark.parametrize(
    "query, field, words",
    [
        ({"end": HOUR["end"]}, "start", "missing"),
        ({"start": HOUR["start"]}, "end", "missing"),
        ({"start": "yesterday", "end": HOUR["end"]}, "start", "'yesterday' is not an ISO 8601 timestamp"),
        ({"start": "2026-10-01T00:00:00", "end": HOUR["end"]}, "start", "has no UTC offset"),
        ({"start": HOUR["start"], "end": "2026-10-01T00:50:00+00:00"}, "end", "not on the 15-minute grid"),
        ({"start": HOUR["end"], "end": HOUR["start"]}, "end", "is not after start"),
        ({"start": HOUR["start"], "end": HOUR["start"]}, "end", "is not after start"),
        ({"start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:15:00Z"}, "end", "at most 31 days"),
    ],
)
@pytest.mark.parametrize("route", ["readings", "production"])
def test_a_bad_time_range_is_400_naming_the_field(client, rewarded, query, field, words, route):
    signed_in(client, rewarded.anna)
    if route == "readings":
        url = f"/api/communities/{rewarded.token}/members/{rewarded.anna.address}/readings?{urlencode(query)}"
    else:
        url = f"/api/communities/{rewarded.token}/production?{urlencode(query)}"
    refused(client.get(url), 400, field, words)


def test_thirty_one_days_are_allowed(client, rewarded):
    signed_in(client, rewarded.anna)
    body = client.get(production_url(rewarded, start="2026-10-01T00:00:00Z", end="2026-11-01T00:00:00Z")).get_json()
    assert len(body["series"]) == 31 * 96


def test_unknown_token_member_and_bad_member(client, rewarded, auditor):  # noqa: F811
    signed_in(client, auditor)
    outsider = rewarded.outsider.address
    refused(client.get(readings_url(rewarded, outsider)), 404, "member", f"{outsider} is not a member of community")
    refused(client.get(readings_url(rewarded, "0xabc")), 400, "member", "is not an Ethereum address")
    refused(client.get(f"/api/communities/{UNKNOWN_TOKEN}/production?{urlencode(HOUR)}"), 404, "token")
    refused(client.get(f"/api/communities/{UNKNOWN_TOKEN}/members/{outsider}/readings?{urlencode(HOUR)}"), 404, "token")
