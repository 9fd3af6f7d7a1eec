"""Browser end to end: the Platform Admin page. The Platform Admin grants an auditor (GET /api/me of that address
then says "auditor") and revokes it, creates a community in the wallet (the page shows the new token's address
from the factory's event), grants and revokes a role on the new token; a name too long for the token is a
sentence, no transaction."""

from __future__ import annotations

from eth_account import Account
from eth_utils import keccak
from playwright.sync_api import expect

from tests.dapp.browser.conftest import fund, screenshot
from tests.dapp.conftest import role_account, signed_in
from tests.oracle.conftest import unique_name

TIMEOUT = 60_000


def open_page(wallet_page, base_ctx, viewport=None):
    account = role_account(base_ctx, "platform_admin")
    fund(base_ctx, account.address)
    wallet = wallet_page(account, viewport=viewport)
    wallet.sign_in()
    wallet.goto("/platform-admin.html")
    expect(wallet.page.locator("body[data-ready=true]")).to_have_count(1, timeout=TIMEOUT)
    return wallet


def roles_of(client, account) -> list[str]:
    return signed_in(client, account).get("/api/me").get_json()["roles"]


def test_platform_admin_grants_and_revokes_an_auditor(wallet_page, base_ctx, app):
    auditor = Account.create()
    wallet = open_page(wallet_page, base_ctx)
    page = wallet.page
    assert "auditor" not in roles_of(app.test_client(), auditor)

    page.get_by_test_id("auditor-address").fill(auditor.address.lower())
    page.get_by_test_id("auditor-grant").click()
    expect(page.get_by_test_id("auditor-status")).to_have_text(f"{auditor.address} is now an auditor.")
    expect(page.get_by_test_id(f"auditor-row-{auditor.address}")).to_be_visible()
    assert "auditor" in roles_of(app.test_client(), auditor)
    screenshot(page, "platform-admin-page")

    page.get_by_test_id(f"auditor-revoke-{auditor.address}").click()
    expect(page.get_by_test_id("auditor-status")).to_have_text(f"{auditor.address} is no longer an auditor.")
    expect(page.get_by_test_id(f"auditor-row-{auditor.address}")).to_have_count(0)
    assert "auditor" not in roles_of(app.test_client(), auditor)

    page.get_by_test_id("auditor-address").fill("not an address")
    page.get_by_test_id("auditor-grant").click()
    expect(page.get_by_test_id("auditor-error")).to_have_text(
        "“not an address” is not an address (0x followed by 40 hexadecimal digits)."
    )
    assert wallet.errors == []


def test_platform_admin_creates_a_community_and_grants_a_role_on_its_token(wallet_page, base_ctx):
    community_admin, token_admin, helper = Account.create(), Account.create(), Account.create()
    name = unique_name("Browser Created LEC")
    wallet = open_page(wallet_page, base_ctx)
    page = wallet.page

    page.get_by_test_id("create-name").fill("A community name far longer than 31 bytes")
    page.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("create-error")).to_have_text("The name is 41 bytes long; at most 31 fit the token.")
    assert wallet.calls("eth_sendTransaction") == []

    page.get_by_test_id("create-name").fill(name)
    page.get_by_test_id("create-symbol").fill("BCL")
    page.get_by_test_id("create-community-admin").fill(community_admin.address)
    page.get_by_test_id("create-token-admin").fill(token_admin.address)
    page.get_by_test_id("create-welcome-citizen").fill("50")
    page.get_by_test_id("create-welcome-stakeholder").fill("250,5")
    page.get_by_test_id("create-fee").fill("1.5")
    page.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("create-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)

    chain = base_ctx.chain
    token_address = chain.call(chain.factory.functions.communityByName(name))
    expect(page.get_by_test_id("create-result")).to_have_attribute("data-token", token_address)
    expect(page.get_by_test_id("create-result")).to_have_text(f"Created {name} (BCL): its token is {token_address}.")
    token = chain.token(token_address)
    assert token.functions.symbol().call() == "BCL"
    assert token.functions.feeBps().call() == 150
    assert token.functions.welcomeBonus(1).call() == 50 * 10**18
    assert token.functions.welcomeBonus(2).call() == 250 * 10**18 + 5 * 10**17
    assert token.functions.hasRole(keccak(text="COMMUNITY_ADMIN"), community_admin.address).call()
    assert token.functions.hasRole(keccak(text="TOKEN_ADMIN"), token_admin.address).call()

    page.get_by_test_id("role-contract").select_option("CommunityToken")
    page.get_by_test_id("role-token").fill(token_address)
    page.get_by_test_id("role-name").select_option("TOKEN_ADMIN")
    page.get_by_test_id("role-account").fill(helper.address)
    expect(page.get_by_test_id("role-id")).to_have_text("TOKEN_ADMIN = 0x" + keccak(text="TOKEN_ADMIN").hex())
    page.get_by_test_id("role-grant").click()
    expect(page.get_by_test_id("role-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    expect(page.get_by_test_id("role-holds")).to_have_attribute("data-holds", "true")
    assert token.functions.hasRole(keccak(text="TOKEN_ADMIN"), helper.address).call()

    page.get_by_test_id("role-grant").click()  # granting again: said before the wallet opens
    expect(page.get_by_test_id("role-error")).to_contain_text("already holds TOKEN_ADMIN")
    page.get_by_test_id("role-revoke").click()
    expect(page.get_by_test_id("role-holds")).to_have_attribute("data-holds", "false", timeout=TIMEOUT)
    assert not token.functions.hasRole(keccak(text="TOKEN_ADMIN"), helper.address).call()
    assert len(wallet.calls("eth_sendTransaction")) == 3
    screenshot(page, "platform-admin-created")
    assert wallet.errors == []


def test_platform_admin_page_fits_a_phone(wallet_page, base_ctx):
    wallet = open_page(wallet_page, base_ctx, viewport={"width": 375, "height": 740})
    assert wallet.page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(wallet.page, "platform-admin-page-phone")


def test_someone_without_the_platform_admin_role_is_told_so(wallet_page, rewarded):
    wallet = wallet_page(rewarded.anna)
    wallet.sign_in()
    wallet.goto("/platform-admin.html")
    expect(wallet.page.get_by_test_id("page-forbidden")).to_contain_text("This page is for: platform admin.")
    expect(wallet.page.get_by_test_id("create-form")).to_be_hidden()
