"""The Oracle Admin's API: a community's models from the registry, and the preview of a model on the last done
epoch (recomputed on the same data, nothing written) — every route × audience, numbers worked by hand.

The `rewarded` community's epoch 1 is the hand-worked hour of tests/oracle/builders.py, paid with
self_consumption alpha_consumer 1, alpha_producer 0.5: anna 0.5, bruno 0.883333, shop 0.566666 tokens.
With alpha_consumer 2 (alpha_producer 0.5), from the same comments:
  anna  = 2 * 0.5                               = 1.0       -> 10**18
  bruno = 2 * 0.2333333… + 0.5 * 1.3 (= 0.65)   = 1.1166666… -> 1.116666
  shop  = 2 * 0.5666666…                        = 1.1333333… -> 1.133333
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oracle.db.schema import Epoch, EpochMember, EpochStep

from .admin_helpers import NOT_A_COMMUNITY, TOKEN, as_audience, refused
from .conftest import csrf_token, role_account, signed_in

MICRO = 10**12  # base units of 1e-6 token


def preview_path(token):
    return f"/api/oracle/communities/{token}/models/preview"


def post_preview(client, token, body, *, csrf=True):
    headers = {"X-CSRFToken": csrf_token(client)} if csrf else {}
    return client.post(preview_path(token), json=body, headers=headers)


SECOND_ALPHA = {"model": "self_consumption", "params": {"alpha_consumer": "2", "alpha_producer": "0.5"}}


@pytest.mark.parametrize(
    "audience, status",
    [
        ("anonymous", 401),
        ("member", 403),
        ("outsider", 403),
        ("community_admin", 403),
        ("token_admin", 403),
        ("platform_admin", 403),
        ("oracle_admin", 200),
    ],
)
@pytest.mark.parametrize("route", ["models", "preview"])
def test_every_route_answers_each_audience(client, base_ctx, rewarded, route, audience, status):
    as_audience(client, base_ctx, audience, member=rewarded.anna, other_admin=rewarded.outsider)
    if route == "models":
        response = client.get(f"/api/oracle/communities/{rewarded.token}/models")
    else:
        response = post_preview(client, rewarded.token, SECOND_ALPHA)
    if status == 200:
        assert response.status_code == 200, response.get_json()
    else:
        body = refused(response, status)
        assert status == 401 or body["error"].endswith("is not oracle_admin")


def test_models_lists_the_schedule_and_every_version_from_the_registry(client, base_ctx, rewarded):
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    body = client.get(f"/api/oracle/communities/{rewarded.token}/models").get_json()
    oracle_admin = base_ctx.keyring.address("oracle_admin")
    [version] = body["versions"]
    assert {k: version[k] for k in ("id", "version", "params", "publishedBy")} == {
        "id": "self_consumption",
        "version": 1,
        "params": {"alpha_consumer": 1.0, "alpha_producer": 0.5},
        "publishedBy": oracle_admin,
    }
    [switch] = body["schedule"]
    assert switch["model"] == "self_consumption" and switch["by"] == oracle_admin
    assert version["effectiveFrom"].endswith("+00:00") and switch["effectiveFrom"].endswith("+00:00")


def test_a_token_that_is_no_community_is_404(client, base_ctx):
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    refused(client.get(f"/api/oracle/communities/{NOT_A_COMMUNITY}/models"), 404, "token")
    refused(post_preview(client, NOT_A_COMMUNITY, SECOND_ALPHA), 404, "token")


def test_a_community_without_a_done_epoch_has_nothing_to_preview(client, base_ctx, community):
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    body = refused(post_preview(client, community[1], SECOND_ALPHA), 404)
    assert body["error"] == f"community {community[0]!r} has no done epoch yet: nothing to preview on"


def counts(ctx):
    with ctx.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(table)) for table in (Epoch, EpochMember, EpochStep))


def test_preview_recomputes_the_last_epoch_and_writes_nothing(client, base_ctx, rewarded):
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    before, block = counts(base_ctx), base_ctx.chain.w3.eth.block_number
    response = post_preview(client, rewarded.token, SECOND_ALPHA)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    anna, bruno, shop = rewarded.anna.address, rewarded.bruno.address, rewarded.shop.address
    worked = {anna: TOKEN, bruno: 1_116_666 * MICRO, shop: 1_133_333 * MICRO}
    assert {m["member"]: m["amount"] for m in body["members"]} == {w: str(a) for w, a in worked.items()}
    assert {m["member"]: m["current"] for m in body["members"]} == {w: str(a) for w, a in rewarded.expected.items()}
    assert all(m["paid"] for m in body["members"])
    assert body["total"] == str(TOKEN + 1_116_666 * MICRO + 1_133_333 * MICRO)
    assert body["currentTotal"] == str(sum(rewarded.expected.values()))
    assert (body["epoch"], body["model"]) == (rewarded.epoch, "self_consumption")
    assert body["params"] == {"alpha_consumer": 2.0, "alpha_producer": 0.5}
    assert body["currentModel"] == {
        "id": "self_consumption",
        "version": 1,
        "params": {"alpha_consumer": 1.0, "alpha_producer": 0.5},
    }
    assert body["period"] == {"start": "2026-10-01T00:00:00+00:00", "end": "2026-10-01T01:00:00+00:00"}
    assert counts(base_ctx) == before and base_ctx.chain.w3.eth.block_number == block


def test_the_same_parameters_reproduce_what_was_paid(client, base_ctx, rewarded):
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    body = post_preview(
        client, rewarded.token, {"model": "self_consumption", "params": {"alpha_consumer": 1, "alpha_producer": 0.5}}
    ).get_json()
    assert all(m["amount"] == m["current"] for m in body["members"]) and body["total"] == body["currentTotal"]


def test_models_with_a_baseline_read_the_period_before(client, base_ctx, rewarded):
    """peak_shaving and combined also read the hour before the epoch (23:00-00:00), which has no readings:
    coverage 0 < min_coverage 0.9, so peak shaving pays nobody, and combined (w_sc 1, w_ps 1) pays exactly the
    self-consumption part worked out above."""
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    peak = post_preview(client, rewarded.token, {"model": "peak_shaving", "params": {"beta": "2", "cap": "20"}})
    assert peak.status_code == 200, peak.get_json()
    assert {m["amount"] for m in peak.get_json()["members"]} == {"0"} and peak.get_json()["total"] == "0"
    assert peak.get_json()["params"] == {"beta": 2.0, "cap": 20.0, "q": 97.5, "min_coverage": 0.9}
    combined = post_preview(
        client,
        rewarded.token,
        {
            "model": "combined",
            "params": {
                "alpha_consumer": "2",
                "alpha_producer": "0.5",
                "beta": "2",
                "cap": "20",
                "w_sc": "1",
                "w_ps": "1",
            },
        },
    )
    amounts = {m["member"]: m["amount"] for m in combined.get_json()["members"]}
    assert amounts == {
        rewarded.anna.address: str(TOKEN),
        rewarded.bruno.address: str(1_116_666 * MICRO),
        rewarded.shop.address: str(1_133_333 * MICRO),
    }


@pytest.mark.parametrize(
    "body, field, words",
    [
        (
            {"model": "self_consumption", "params": {"alpha_consumer": "abc", "alpha_producer": "0.5"}},
            "params.alpha_consumer",
            "is not a number in plain decimal",
        ),
        (
            {"model": "self_consumption", "params": {"alpha_consumer": "1e3", "alpha_producer": "0.5"}},
            "params.alpha_consumer",
            "is not a number in plain decimal",
        ),
        (
            {"model": "self_consumption", "params": {"alpha_consumer": "1000", "alpha_producer": "0.5"}},
            "params.alpha_consumer",
            "outside its plausible range 0 to 100",
        ),
        (
            {"model": "self_consumption", "params": {"alpha_consumer": "1", "alpha_producer": "0.1234567"}},
            "params.alpha_producer",
            "has more than 6 decimals",
        ),
        (
            {"model": "self_consumption", "params": {"alpha_consumer": "1"}},
            "params.alpha_producer",
            "needs parameter 'alpha_producer'",
        ),
        (
            {"model": "self_consumption", "params": {"alpha_consumer": "1", "alpha_producer": "1", "beta": "2"}},
            "params.beta",
            "'beta' is not a parameter of self_consumption",
        ),
        (
            {"model": "peak_shaving", "params": {"beta": "2", "cap": "20", "q": "40"}},
            "params.q",
            "outside its plausible range 50 to 100",
        ),
        ({"model": "magic", "params": {}}, "model", "'magic' is not a reward model"),
        ({"params": {}}, "model", "model: missing data for required field"),
        ({"model": "self_consumption", "params": "alpha"}, "params", "params: not a valid mapping type"),
    ],
)
def test_a_bad_model_or_parameter_is_400_naming_it(client, base_ctx, rewarded, body, field, words):
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    assert words in refused(post_preview(client, rewarded.token, body), 400, field)["error"]


def test_the_preview_without_the_csrf_token_is_refused(client, base_ctx, rewarded):
    signed_in(client, role_account(base_ctx, "oracle_admin"))
    body = refused(post_preview(client, rewarded.token, SECOND_ALPHA, csrf=False), 400, "X-CSRFToken")
    assert "X-CSRFToken" in body["error"]
