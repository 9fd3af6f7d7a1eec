"""Browser end to end: the Community Admin page. A Community Admin adds a member in the wallet (the member is then
one on-chain and holds the welcome bonus of its kind); a Token Admin sets the fee, and a fee above the token's cap
is refused in a sentence before the wallet opens; someone without a role on the page is told so."""
from __future__ import annotations

import pytest
from eth_account import Account
from playwright.sync_api import expect

from oracle.communities import create_community
from tests.dapp.browser.conftest import fund, screenshot
from tests.dapp.conftest import role_account
from tests.oracle.conftest import unique_name

WELCOME_CITIZEN = 100 * 10**18  # create_community(welcome_citizen="100"), 18 decimals
WELCOME_STAKEHOLDER = 500 * 10**18
TIMEOUT = 60_000  # a transaction on a loaded machine


@pytest.fixture(scope="module")
def own_community(base_ctx):
    """A community of these tests alone (their fee changes must not reach other tests); treasury 10 000 tokens."""
    from sqlalchemy import select

    from oracle.db.schema import Community

    name = unique_name("Admin Page LEC")
    create_community(base_ctx, name, welcome_citizen="100", welcome_stakeholder="500", fee_bps=100,
                     endowment="10000")
    with base_ctx.session() as s:
        token = s.scalar(select(Community.token_address).where(Community.name == name))
    return name, token


def open_page(wallet_page, base_ctx, role: str, token: str):
    account = role_account(base_ctx, role)
    fund(base_ctx, account.address)
    wallet = wallet_page(account)
    wallet.sign_in()
    wallet.goto(f"/community-admin.html?token={token}")
    expect(wallet.page.locator("body[data-ready=true]")).to_have_count(1, timeout=TIMEOUT)
    return wallet


def test_community_admin_adds_a_member_who_gets_the_welcome_bonus(wallet_page, base_ctx, own_community):
    _name, token = own_community
    wallet = open_page(wallet_page, base_ctx, "community_admin", token)
    page = wallet.page
    newcomer = Account.create()
    contract = base_ctx.chain.token(token)
    treasury_before = contract.functions.balanceOf(token).call()

    page.get_by_test_id("new-member-wallet-0").fill(newcomer.address.lower())
    page.get_by_test_id("new-member-kind-0").select_option("citizen")
    page.get_by_test_id("new-member-profile-0").select_option("prosumer")
    page.get_by_test_id("add-members-submit").click()

    expect(page.get_by_test_id("add-members-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    expect(page.get_by_test_id(f"member-row-{newcomer.address}")).to_be_visible()
    assert contract.functions.isMember(newcomer.address).call() is True
    kind, profile, active, welcomed, _joined = contract.functions.memberInfo(newcomer.address).call()
    assert (kind, profile, active, welcomed) == (1, 2, True, True)  # citizen, prosumer
    # the welcome bonus of a citizen, from the treasury (a treasury payment pays no fee)
    assert contract.functions.balanceOf(newcomer.address).call() == WELCOME_CITIZEN
    assert contract.functions.balanceOf(token).call() == treasury_before - WELCOME_CITIZEN
    assert len(wallet.calls("eth_sendTransaction")) == 1
    screenshot(page, "community-admin-page")
    assert wallet.errors == []


def test_adding_an_existing_member_is_refused_before_the_wallet_opens(wallet_page, base_ctx, own_community):
    _name, token = own_community
    member = Account.create()
    wallet = open_page(wallet_page, base_ctx, "community_admin", token)
    page = wallet.page
    page.get_by_test_id("new-member-wallet-0").fill(member.address)
    page.get_by_test_id("add-members-submit").click()
    expect(page.get_by_test_id("add-members-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)

    page.get_by_test_id("new-member-wallet-0").fill(member.address)
    page.get_by_test_id("add-members-submit").click()
    expect(page.get_by_test_id("add-members-error")).to_have_text(
        f"{member.address} is already a member of this community.")
    page.get_by_test_id("new-member-wallet-0").fill("0x1234")
    page.get_by_test_id("add-members-submit").click()
    expect(page.get_by_test_id("add-members-error")).to_have_text(
        "“0x1234” is not a wallet address (0x followed by 40 hexadecimal digits).")
    assert len(wallet.calls("eth_sendTransaction")) == 1
    assert wallet.errors == []


def test_token_admin_sets_the_fee_and_a_fee_above_the_cap_is_a_sentence(wallet_page, base_ctx, own_community):
    _name, token = own_community
    wallet = open_page(wallet_page, base_ctx, "token_admin", token)
    page = wallet.page
    expect(page.get_by_test_id("fee-current")).to_have_text("1.00 % (100 basis points); at most 20 %")

    page.get_by_test_id("fee-input").fill("25")
    page.get_by_test_id("fee-submit").click()
    expect(page.get_by_test_id("fee-error")).to_have_text(
        "A fee of 25 % is above the highest the token allows, 20 %.")
    page.get_by_test_id("fee-input").fill("1.555")
    page.get_by_test_id("fee-submit").click()
    expect(page.get_by_test_id("fee-error")).to_have_text(
        "“1.555” is not a percentage: write a number like 1 or 1.5 (at most two decimals).")
    assert wallet.calls("eth_sendTransaction") == []

    page.get_by_test_id("fee-input").fill("2,5")  # a decimal comma, as an Italian writes it
    page.get_by_test_id("fee-submit").click()
    expect(page.get_by_test_id("fee-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    expect(page.get_by_test_id("fee-error")).to_have_text("")
    assert base_ctx.chain.token(token).functions.feeBps().call() == 250
    expect(page.get_by_test_id("fee-current")).to_have_text("2.50 % (250 basis points); at most 20 %")
    screenshot(page, "community-admin-token-settings")
    assert wallet.errors == []


def test_a_member_without_an_admin_role_is_told_the_page_is_not_theirs(wallet_page, rewarded):
    wallet = wallet_page(rewarded.anna)
    wallet.sign_in()
    wallet.goto(f"/community-admin.html?token={rewarded.token}")
    expect(wallet.page.get_by_test_id("page-forbidden")).to_contain_text(
        "This page is for: community admin, token admin.")
    expect(wallet.page.get_by_test_id("members-table")).to_be_hidden()
