"""The security review of the dApp backend (issue 8): each test pins a finding that was fixed, or a behaviour an
attacker would probe that no other test pinned."""
from __future__ import annotations

import time

from eth_account import Account

from dapp_backend.app import create_app
from dapp_backend.context import EXTENSION

from .conftest import login, new_nonce, sign, signed_in, siwe_text
from .test_communities_api import refused

RANGE = "start={start}&end={end}"


# ------------------------------------------------------------------ sign-in: cost of a malformed message


def test_a_long_message_is_refused_before_the_eip4361_parser_spends_seconds_on_it(client):
    """The ABNF parser is quadratic: 10 000 characters without a line break took 27 s of CPU (unauthenticated, one
    request per sign-in attempt). A real message is a few hundred characters."""
    body = {"message": "x" * 20_000, "signature": "0x" + "11" * 65}
    started = time.monotonic()
    refused(client.post("/api/auth/login", json=body), 400, "message", "longer than")
    assert time.monotonic() - started < 2


def test_a_real_length_message_still_signs_in(client):
    account = Account.create()
    response = login(client, account)
    assert response.status_code == 200, response.get_json()


# ------------------------------------------------------------------ readings: an instant out of Python's range


def test_a_year_before_one_is_400_naming_the_field_not_500(client, rewarded):
    signed_in(client, rewarded.anna)
    query = RANGE.format(start="-2026-10-01T00:00:00Z", end="2026-10-01T00:00:00Z")
    for url in (f"/api/communities/{rewarded.token}/members/{rewarded.anna.address}/readings?{query}",
                f"/api/communities/{rewarded.token}/production?{query}"):
        refused(client.get(url), 400, "start", "-2026-10-01T00:00:00Z")
