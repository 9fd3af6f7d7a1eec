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
TIMEOUT = 60_000  # a transaction on a loaded machine


@pytest.fixture(scope="module")
def own_community(base_ctx):
    """A community of these tests alone (their fee changes must not reach other tests); treasury 10 000 tokens."""
    from sqlalchemy import select

    from oracle.db.schema import Community

    name = unique_name("Admin Page LEC")
    create_community(base_ctx, name, welcome_citizen="100", welcome_stakeholder="500", fee_bps=100, endowment="10000")
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
    expect(page.get_by_test_id("new-member-wallet-0")).to_have_value("")  # the form was emptied after the add

    page.get_by_test_id("new-member-wallet-0").fill(member.address)
    page.get_by_test_id("add-members-submit").click()
    expect(page.get_by_test_id("add-members-error")).to_have_text(
        f"{member.address} is already a member of this community."
    )
    page.get_by_test_id("new-member-wallet-0").fill("0x1234")
    page.get_by_test_id("add-members-submit").click()
    expect(page.get_by_test_id("add-members-error")).to_have_text(
        "“0x1234” is not a wallet address (0x followed by 40 hexadecimal digits)."
    )
    assert len(wallet.calls("eth_sendTransaction")) == 1
    assert wallet.errors == []


def test_token_admin_sets_the_fee_and_a_fee_above_the_cap_is_a_sentence(wallet_page, base_ctx, own_community):
    _name, token = own_community
    wallet = open_page(wallet_page, base_ctx, "token_admin", token)
    page = wallet.page
    expect(page.get_by_test_id("fee-current")).to_have_text("1.00 % (100 basis points); at most 20 %")

    page.get_by_test_id("fee-input").fill("25")
    page.get_by_test_id("fee-submit").click()
    expect(page.get_by_test_id("fee-error")).to_have_text("A fee of 25 % is above the highest the token allows, 20 %.")
    page.get_by_test_id("fee-input").fill("1.555")
    page.get_by_test_id("fee-submit").click()
    expect(page.get_by_test_id("fee-error")).to_have_text(
        "“1.555” is not a percentage: write a number like 1 or 1.5 (at most two decimals)."
    )
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
        "This page is for: community admin, token admin."
    )
    expect(wallet.page.get_by_test_id("members-table")).to_be_hidden()


def test_community_admin_reviews_work_changes_a_profile_removes_a_member_and_approves_an_incentive(
    wallet_page, base_ctx, own_community
):
    from oracle.chain.encoding import to_bytes32
    from tests.dapp.admin_helpers import send_as

    _name, token_address = own_community
    chain = base_ctx.chain
    token = chain.token(token_address)
    citizen, other, shop = Account.create(), Account.create(), Account.create()
    zero = "0x" + "00" * 20
    for account, kind in ((citizen, 1), (other, 1), (shop, 2)):
        chain.send(token.functions.addMember(account.address, kind, 1), "community_admin")
        fund(base_ctx, account.address)
    first = token.functions.workRequestCount().call() + 1
    send_as(base_ctx, citizen, token.functions.requestCommunityWork(6, 5 * 10**18, to_bytes32("garden"), zero, 0))
    send_as(base_ctx, other, token.functions.requestCommunityWork(6, 7 * 10**18, to_bytes32("flyers"), zero, 0))
    wallet = open_page(wallet_page, base_ctx, "community_admin", token_address)
    page = wallet.page

    page.get_by_test_id(f"work-approve-{first}").click()
    expect(page.get_by_test_id("work-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    # the treasury pays community work fee-free: the welcome bonus plus the whole 5 tokens
    assert token.functions.balanceOf(citizen.address).call() == WELCOME_CITIZEN + 5 * 10**18
    expect(page.get_by_test_id(f"work-request-{first}")).to_have_count(0)  # no longer pending
    page.get_by_test_id(f"work-reason-{first + 1}").fill("not agreed")
    page.get_by_test_id(f"work-reject-{first + 1}").click()
    expect(page.get_by_test_id(f"work-request-{first + 1}")).to_have_count(0, timeout=TIMEOUT)
    assert token.functions.workRequest(first + 1).call()[2] == 3  # WorkStatus.Rejected
    [event] = token.events.CommunityWorkRejected().get_logs(from_block=0, argument_filters={"id": first + 1})
    assert event["args"]["reasonRef"] == to_bytes32("not agreed")  # the reason, in clear within 32 bytes

    page.get_by_test_id(f"member-profile-{other.address}").select_option("prostormer")
    page.get_by_test_id(f"member-profile-save-{other.address}").click()
    expect(page.get_by_test_id("members-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    assert token.functions.memberInfo(other.address).call()[1] == 3  # prostormer
    expect(page.get_by_test_id(f"member-row-{other.address}").locator("td").nth(2)).to_have_text("prostormer")
    remove = page.get_by_test_id(f"member-remove-{other.address}")
    remove.click()
    expect(remove).to_have_text("Press again to remove")  # a second press confirms
    remove.click()
    expect(page.get_by_test_id(f"member-row-{other.address}")).to_contain_text("removed", timeout=TIMEOUT)
    assert token.functions.isMember(other.address).call() is False

    page.get_by_test_id("approve-ref").fill("bike repair")
    page.get_by_test_id("approve-payer").fill(citizen.address)
    page.get_by_test_id("approve-provider").fill(shop.address)
    page.get_by_test_id("approve-category").select_option("3")  # citizen → stakeholder
    page.get_by_test_id("approve-amount").fill("20")
    page.get_by_test_id("approve-submit").click()
    expect(page.get_by_test_id("approve-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    payer, category, used, provider, max_amount = token.functions.incentiveApproval(to_bytes32("bike repair")).call()
    assert (payer, category, used, provider, max_amount) == (citizen.address, 3, False, shop.address, 20 * 10**18)
    assert len(wallet.calls("eth_sendTransaction")) == 5
    assert wallet.errors == []


def test_the_token_admin_page_in_italian_with_the_keyboard(wallet_page, base_ctx, own_community):
    _name, token = own_community
    account = role_account(base_ctx, "token_admin")
    wallet = wallet_page(account, locale="it-IT")
    wallet.sign_in()
    wallet.goto(f"/community-admin.html?token={token}")
    page = wallet.page
    expect(page.locator("body[data-ready=true]")).to_have_count(1, timeout=TIMEOUT)
    expect(page.get_by_test_id("fee-form").locator("h3")).to_have_text("Commissione sui trasferimenti")
    page.get_by_test_id("fee-input").focus()
    page.keyboard.type("20,5")
    page.keyboard.press("Enter")  # the form submits from the keyboard
    expect(page.get_by_test_id("fee-error")).to_have_text(
        "Una commissione del 20,5 % supera il massimo consentito dal token, 20 %."
    )
    expect(page.get_by_test_id("fee-input")).to_be_focused()  # back on the field to correct it
    assert wallet.calls("eth_sendTransaction") == []


def test_community_admin_adds_two_members_in_one_transaction(wallet_page, base_ctx, own_community):
    _name, token_address = own_community
    token = base_ctx.chain.token(token_address)
    citizen, business = Account.create(), Account.create()
    stakeholder_bonus = token.functions.welcomeBonus(2).call()  # 500 tokens unless another test set it
    wallet = open_page(wallet_page, base_ctx, "community_admin", token_address)
    page = wallet.page
    page.get_by_test_id("new-member-wallet-0").fill(citizen.address)
    page.get_by_test_id("new-member-add-row").click()
    expect(page.get_by_test_id("new-member-wallet-1")).to_be_focused()
    page.get_by_test_id("new-member-wallet-1").fill(business.address)
    page.get_by_test_id("new-member-kind-1").select_option("stakeholder")
    page.get_by_test_id("new-member-profile-1").select_option("prostormer")
    page.get_by_test_id("add-members-submit").click()
    expect(page.get_by_test_id("add-members-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    assert len(wallet.calls("eth_sendTransaction")) == 1  # addMembers: all or none, one transaction
    assert token.functions.memberInfo(citizen.address).call()[:3] == [1, 1, True]  # citizen, consumer
    assert token.functions.memberInfo(business.address).call()[:3] == [2, 3, True]  # stakeholder, prostormer
    assert token.functions.balanceOf(business.address).call() == stakeholder_bonus
    assert wallet.errors == []


def test_token_admin_sets_a_welcome_bonus_and_an_incentive_within_the_cap(wallet_page, base_ctx, own_community):
    _name, token_address = own_community
    token = base_ctx.chain.token(token_address)
    symbol = token.functions.symbol().call()
    wallet = open_page(wallet_page, base_ctx, "token_admin", token_address)
    page = wallet.page
    expect(page.get_by_test_id("welcome-current")).to_have_text(f"citizen 100 {symbol} · stakeholder 500 {symbol}")
    page.get_by_test_id("welcome-kind").select_option("stakeholder")
    page.get_by_test_id("welcome-input").fill("abc")
    page.get_by_test_id("welcome-submit").click()
    expect(page.get_by_test_id("welcome-error")).to_have_text(
        "“abc” is not an amount: write digits with an optional decimal part, like 100 or 2.5."
    )
    page.get_by_test_id("welcome-input").fill("600")
    page.get_by_test_id("welcome-submit").click()
    expect(page.get_by_test_id("welcome-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    expect(page.get_by_test_id("welcome-current")).to_have_text(f"citizen 100 {symbol} · stakeholder 600 {symbol}")
    assert token.functions.welcomeBonus(2).call() == 600 * 10**18

    page.get_by_test_id("incentive-category").select_option("3")
    page.get_by_test_id("incentive-input").fill("50.01")
    page.get_by_test_id("incentive-submit").click()
    expect(page.get_by_test_id("incentive-error")).to_have_text(
        "An incentive of 50.01 % is above the highest the token allows, 50 %."
    )
    page.get_by_test_id("incentive-input").fill("0.5")
    page.get_by_test_id("incentive-recipient").select_option("provider")
    page.get_by_test_id("incentive-submit").click()
    expect(page.get_by_test_id("incentive-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    assert token.functions.categoryIncentive(3).call() == [50, 1]  # 0.5 % = 50 bps, to the provider
    expect(page.get_by_test_id("incentive-row-3")).to_contain_text("0.50 %")
    assert len(wallet.calls("eth_sendTransaction")) == 2
    assert wallet.errors == []


def test_an_admin_of_another_community_is_told_this_one_is_not_theirs(wallet_page, base_ctx, own_community, rewarded):
    from eth_utils import keccak

    _name, token_address = own_community
    admin = Account.create()  # Community Admin of the tests' own community only
    base_ctx.chain.send(
        base_ctx.chain.token(token_address).functions.grantRole(keccak(text="COMMUNITY_ADMIN"), admin.address),
        "platform_admin",
    )
    wallet = wallet_page(admin)
    wallet.sign_in()
    wallet.goto(f"/community-admin.html?token={rewarded.token}")
    expect(wallet.page.get_by_test_id("not-authorized")).to_have_text(
        f"You are not a Community Admin or Token Admin of this community ({rewarded.name})."
    )
    expect(wallet.page.get_by_test_id("members-table")).to_be_hidden()
    wallet.page.get_by_test_id("community-select").select_option(token_address)
    expect(wallet.page.get_by_test_id("not-authorized")).to_be_hidden()
    expect(wallet.page.get_by_test_id("members-table")).to_be_visible()
    assert wallet.errors == []


def test_switching_to_italian_rewrites_what_the_page_wrote(wallet_page, base_ctx, own_community):
    _name, token = own_community
    wallet = open_page(wallet_page, base_ctx, "community_admin", token)
    page = wallet.page
    page.get_by_test_id("new-member-kind-0").select_option("stakeholder")
    page.get_by_test_id("language-select").select_option("it")
    expect(page.locator("h1")).to_have_text("Amministrazione della comunità")
    expect(page.get_by_test_id("new-member-kind-0").locator("option:checked")).to_have_text("stakeholder")
    expect(page.get_by_test_id("new-member-profile-0").locator("option:checked")).to_have_text("consumatore")
    expect(page.get_by_test_id("my-roles")).to_have_text("Community Admin")
    expect(page.get_by_test_id("work-empty")).to_have_text("Nessuna richiesta.")
    screenshot(page, "community-admin-page-it")
    assert wallet.errors == []


def test_a_cancelled_signature_and_a_refusal_of_the_contract_are_sentences(wallet_page, base_ctx, own_community):
    _name, token_address = own_community
    chain = base_ctx.chain
    token = chain.token(token_address)
    citizen, other = Account.create(), Account.create()
    for account in (citizen, other):
        chain.send(token.functions.addMember(account.address, 1, 1), "community_admin")
    wallet = open_page(wallet_page, base_ctx, "community_admin", token_address)
    page = wallet.page

    newcomer = Account.create()
    page.get_by_test_id("new-member-wallet-0").fill(newcomer.address)
    wallet.reject_next("eth_sendTransaction")
    page.get_by_test_id("add-members-submit").click()
    expect(page.get_by_test_id("add-members-tx")).to_have_attribute("data-state", "cancelled", timeout=TIMEOUT)
    expect(page.get_by_test_id("add-members-tx")).to_have_text("Adding the member: cancelled.")
    assert token.functions.isMember(newcomer.address).call() is False

    # two citizens in the category citizen → stakeholder: the token refuses (KindMismatch), in words
    page.get_by_test_id("approve-ref").fill("wrong kinds")
    page.get_by_test_id("approve-payer").fill(citizen.address)
    page.get_by_test_id("approve-provider").fill(other.address)
    page.get_by_test_id("approve-category").select_option("3")
    page.get_by_test_id("approve-amount").fill("10")
    page.get_by_test_id("approve-submit").click()
    expect(page.get_by_test_id("approve-tx")).to_have_attribute("data-state", "failed", timeout=TIMEOUT)
    expect(page.get_by_test_id("approve-tx")).to_contain_text(
        "Approving the incentive: failed. The contract refused the transaction: this category is not allowed "
        "between these two kinds of member"
    )


def test_charts_of_the_community_kpis_per_epoch_and_the_token_volume(wallet_page, base_ctx, rewarded):
    wallet = open_page(wallet_page, base_ctx, "community_admin", rewarded.token)
    page = wallet.page
    expect(page.get_by_test_id("kpi-caption")).to_have_text("One epoch, from Oct 1, 2026 to Oct 1, 2026.")
    series = page.evaluate("""() => Object.fromEntries(Chart.getChart(document.querySelector(
        '[data-testid=kpi-chart]')).data.datasets.map((d) => [d.label, d.data]))""")
    # the hour of tests/oracle/builders.py: shared S = 600 + 200 + 0 + 500 = 1300 Wh of production
    # P = 1800 Wh and load L = 2000 Wh: self-consumption 100 * 1300 / 1800, self-sufficiency 100 * 1300 / 2000
    assert series["Self-consumption %"] == [pytest.approx(100 * 1300 / 1800)]
    assert series["Self-sufficiency %"] == [pytest.approx(65.0)]
    page.get_by_test_id("activity-days").select_option("90")
    expect(page.get_by_test_id("activity-caption")).to_contain_text("Last 90 days:")
    labels = page.evaluate("Chart.getChart(document.querySelector('[data-testid=activity-chart]')).data.labels.length")
    assert labels == 90
    assert wallet.errors == []
