"""Browser end to end: a member downloads their data and asks to be forgotten (after a dialog saying what is erased
and what stays on-chain); the Community Admin confirms in the browser, and the member's page then says the data was
erased. A community of this test alone: the erasure is for good."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.dapp.browser.conftest import screenshot
from tests.dapp.conftest import make_rewarded, role_account

TIMEOUT = 60_000  # a loaded machine


@pytest.fixture(scope="module")
def forgettable(base_ctx, tmp_path_factory):
    return make_rewarded(base_ctx, tmp_path_factory.mktemp("browser-privacy"))


def member_page(wallet, token: str):
    wallet.goto(f"/member.html?token={token}")
    expect(wallet.page.get_by_test_id("my-data-section")).to_be_visible(timeout=TIMEOUT)
    return wallet.page


def test_a_member_downloads_their_data_asks_to_be_forgotten_and_the_admin_confirms(wallet_page, base_ctx, forgettable):
    anna = forgettable.anna
    wallet = wallet_page(anna)
    wallet.sign_in()
    page = member_page(wallet, forgettable.token)

    with page.expect_download(timeout=TIMEOUT) as download:
        page.get_by_test_id("download-my-data").click()
    saved = download.value
    assert saved.suggested_filename.startswith("lec-my-data-") and saved.suggested_filename.endswith(
        f"-{anna.address}.json"
    )
    text = open(saved.path(), encoding="utf-8").read()
    assert [p["name"] for p in json.loads(text)["person"]] == ["Anna Rossi"] and "Bruno Bianchi" not in text
    expect(page.get_by_test_id("my-data-status")).to_have_attribute("data-state", "done")

    page.get_by_test_id("forget-submit").click()  # no reason yet: said before any dialog
    expect(page.get_by_test_id("forget-error")).to_have_text("Say why you ask to be forgotten.")
    expect(page.get_by_test_id("forget-dialog")).not_to_be_visible()
    page.get_by_test_id("forget-reason").fill("I moved away")
    page.get_by_test_id("forget-submit").click()
    dialog = page.get_by_test_id("forget-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("your token balance and transfers, and each reward leaf's amount and data hash")
    screenshot(page, "member-ask-to-be-forgotten")
    page.get_by_test_id("forget-confirm").click()
    status = page.get_by_test_id("erasure-request-status")
    expect(status).to_have_attribute("data-state", "pending", timeout=TIMEOUT)
    expect(page.get_by_test_id("forget-form")).to_be_hidden()

    admin = wallet_page(role_account(base_ctx, "community_admin"))
    admin.sign_in()
    admin.goto(f"/community-admin.html?token={forgettable.token}")
    admin_page = admin.page
    item = admin_page.locator("li[data-testid^='erasure-request-']")
    expect(item).to_have_count(1, timeout=TIMEOUT)
    expect(item).to_contain_text(anna.address)
    expect(item).to_contain_text("I moved away")
    item.locator("[data-testid^='erasure-confirm-']").click()
    expect(admin_page.get_by_test_id("erasure-dialog")).to_be_visible()
    admin_page.get_by_test_id("erasure-dialog-confirm").click()
    done = admin_page.get_by_test_id("erasures-status")
    expect(done).to_have_attribute("data-state", "done", timeout=TIMEOUT)
    expect(done).to_contain_text(f"The data of {anna.address} was erased: ")
    expect(done).to_contain_text("readings: 3")  # 00:00, 00:15, 00:30
    expect(admin_page.get_by_test_id("erasures-empty")).to_be_visible()
    row = admin_page.get_by_test_id(f"member-row-{anna.address}")  # the members list is drawn again, nameless
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("Anna Rossi")
    screenshot(admin_page, "community-admin-erasure-confirmed")

    page.reload()
    expect(page.get_by_test_id("erasure-request-status")).to_have_attribute("data-state", "confirmed", timeout=TIMEOUT)
    expect(page.get_by_test_id("forget-form")).to_be_hidden()
    with page.expect_download(timeout=TIMEOUT) as download:
        page.get_by_test_id("download-my-data").click()
    after = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert after["nothingLeft"] is True and "Anna Rossi" not in json.dumps(after)
    assert [e for e in wallet.errors if "status of 401" not in e] == []
    assert admin.errors == []
