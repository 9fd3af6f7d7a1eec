"""GET /api/communities/<token>/epochs and /epochs/<n>: the community's members and the platform's readers
see its epochs (oracle records, paid count from the notary); others 403."""

from __future__ import annotations

import pytest

from .conftest import signed_in
from .test_communities_api import (
    AGGREGATE_STATUS,
    AUDIENCES,
    EPOCH_TOTAL,
    UNKNOWN_TOKEN,
    auditor,  # noqa: F401 (a fixture)
    get_as,
    refused,
)

START, END = "2026-10-01T00:00:00+00:00", "2026-10-01T01:00:00+00:00"
# the hand-worked hour (tests/oracle/builders.py): L = 600+600+300+500 Wh, P = 600+200+0+1000 Wh,
# S = min(L, P) = 600+200+0+500 Wh
COMMUNITY_KPIS = {
    "withdrawn_kwh": 2.0,
    "injected_kwh": 1.8,
    "self_consumption_pct": 1300 / 1800 * 100,
    "self_sufficiency_pct": 1300 / 2000 * 100,
}


def check_epoch_one(epoch: dict):
    assert epoch["number"] == 1 and epoch["status"] == "done"
    assert epoch["period"] == {"start": START, "end": END, "dataStart": START}  # self_consumption reads no baseline
    assert epoch["model"]["id"] == "self_consumption" and epoch["model"]["version"] == 1
    assert epoch["model"]["params"] == {"alpha_consumer": 1.0, "alpha_producer": 0.5}
    assert epoch["leafCount"] == 3 and epoch["paidCount"] == 3  # all three pushed
    assert epoch["total"] == str(EPOCH_TOTAL) == "1949999000000000000"
    assert epoch["root"].startswith("0x") and len(epoch["root"]) == 66
    assert epoch["datasetHash"].startswith("0x") and epoch["payableAt"].endswith("+00:00")
    for name, value in COMMUNITY_KPIS.items():
        assert epoch["kpis"][name] == pytest.approx(value), name


@pytest.mark.parametrize("who", AUDIENCES)
def test_epochs_by_audience(client, base_ctx, rewarded, auditor, who):  # noqa: F811
    response = get_as(client, who, f"/api/communities/{rewarded.token}/epochs", base_ctx, rewarded, auditor)
    status = AGGREGATE_STATUS[who]
    if status != 200:
        refused(response, status, None, "sign in first" if status == 401 else "is not a member of community")
        return
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 1)
    check_epoch_one(body["items"][0])
    assert "steps" not in body["items"][0]


@pytest.mark.parametrize("who", AUDIENCES)
def test_one_epoch_with_its_steps_by_audience(client, base_ctx, rewarded, auditor, who):  # noqa: F811
    response = get_as(client, who, f"/api/communities/{rewarded.token}/epochs/1", base_ctx, rewarded, auditor)
    status = AGGREGATE_STATUS[who]
    if status != 200:
        refused(response, status, None)
        return
    body = response.get_json()
    assert response.status_code == 200, body
    check_epoch_one(body)
    steps = [s["step"] for s in body["steps"]]
    assert steps[:5] == ["select", "compute", "hash", "tree", "commit"] and "pay" in steps
    select = body["steps"][0]
    assert sorted(select["detail"]["members"]) == sorted(rewarded.expected)
    assert all(s["finishedAt"].endswith("+00:00") for s in body["steps"])


def test_a_bad_page_of_epochs_is_400(client, rewarded):
    signed_in(client, rewarded.anna)
    refused(client.get(f"/api/communities/{rewarded.token}/epochs?per_page=500"), 400, "per_page", "per_page")


@pytest.mark.parametrize("number", ["2", "0", "abc", "-1"])
def test_an_unknown_epoch_is_404(client, rewarded, number):
    signed_in(client, rewarded.anna)
    refused(client.get(f"/api/communities/{rewarded.token}/epochs/{number}"), 404, "epoch", number)


@pytest.mark.parametrize("path", ["epochs", "epochs/1"])
def test_an_unknown_token_is_404_before_anything_else(client, rewarded, path):
    signed_in(client, rewarded.outsider)
    refused(client.get(f"/api/communities/{UNKNOWN_TOKEN}/{path}"), 404, "token", UNKNOWN_TOKEN)


def test_an_epoch_number_beyond_any_epoch_is_404(client, rewarded):
    signed_in(client, rewarded.anna)
    refused(client.get(f"/api/communities/{rewarded.token}/epochs/{2**31}"), 404, "epoch")
    refused(client.get(f"/api/communities/{rewarded.token}/epochs/{2**31 - 1}"), 404, "epoch", "has no epoch")
