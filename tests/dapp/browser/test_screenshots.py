"""Every page, opened by a signed-in holder of its role on the community with a paid epoch, loads without a
console error; a full-page screenshot of each (desktop and a 375x740 phone) is saved under reports/screenshots/
as a test artifact."""

from __future__ import annotations

import pytest
from eth_account import Account
from playwright.sync_api import expect

from tests.dapp.browser.conftest import PHONE, screenshot

# Every page of the frontend contract (dapp_frontend/<page>.html)
PAGES = ["index", "member", "community-admin", "oracle-admin", "auditor", "platform-admin"]


@pytest.fixture(scope="module")
def auditor(base_ctx):
    from dapp_backend.services.auditors import grant_auditor

    account = Account.create()
    grant_auditor(base_ctx, account.address, by=base_ctx.keyring.address("platform_admin"))
    return account


def holder(page: str, rewarded, base_ctx, auditor):
    """Who opens `page`: a holder of the role it is for."""
    return {
        "index": rewarded.anna,
        "member": rewarded.anna,
        "auditor": auditor,
        "community-admin": base_ctx.keyring.account("community_admin"),
        "oracle-admin": base_ctx.keyring.account("oracle_admin"),
        "platform-admin": base_ctx.keyring.account("platform_admin"),
    }[page]


def open_signed_in(wallet_page, page: str, account, token: str, viewport: dict | None = None):
    wallet = wallet_page(account, viewport=viewport)
    wallet.sign_in()
    wallet.goto("/" if page == "index" else f"/{page}.html?token={token}")
    expect(wallet.page.get_by_test_id("wallet-address")).to_have_text(account.address)
    wallet.page.wait_for_load_state("networkidle")  # the page's own API calls and charts have settled
    expect(wallet.page.get_by_test_id("page-forbidden")).to_have_count(0)
    expect(wallet.page.locator("[data-testid=page-error]:visible")).to_have_count(0)
    return wallet


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_for_its_role_without_console_errors(page, wallet_page, rewarded, base_ctx, auditor):
    wallet = open_signed_in(wallet_page, page, holder(page, rewarded, base_ctx, auditor), rewarded.token)
    assert screenshot(wallet.page, page).stat().st_size > 0
    assert wallet.errors == []


@pytest.mark.parametrize("page", PAGES)
def test_page_fits_a_phone_screen(page, wallet_page, rewarded, base_ctx, auditor):
    wallet = open_signed_in(
        wallet_page, page, holder(page, rewarded, base_ctx, auditor), rewarded.token, viewport=PHONE
    )
    assert screenshot(wallet.page, f"{page}-phone").stat().st_size > 0
    overflow = wallet.page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"], f"{page} is {overflow} px wide on a {PHONE['width']} px phone"
    assert wallet.errors == []
