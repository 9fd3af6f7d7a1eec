"""Browser end to end on the Member's page: sign in on the home page, the balance worked out from the seed,
pay a service (the fee reaches the treasury), a contract's refusal and a cancel in words, claim an unpaid
reward with its proof, download the take-out, add the network and the token, a phone screen and Italian."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from playwright.sync_api import expect

from oracle.communities import create_community
from oracle.members import import_members
from tests.dapp.browser.conftest import PHONE, fund, screenshot
from tests.dapp.conftest import WELCOME_CITIZEN
from tests.oracle.builders import ANNA, BRUNO, END, EXPECTED, SHOP, START
from tests.oracle.conftest import unique_name, write

FEE_BPS = 100  # create_community(fee_bps=100) in the fixtures: 1 %
TIMEOUT = 30_000  # ms: a mined transaction on a loaded machine


def member_page(wallet, token: str):
    wallet.goto(f"/member.html?token={token}")
    expect(wallet.page.get_by_test_id("balance")).not_to_be_empty(timeout=TIMEOUT)
    return wallet.page


def page_errors(wallet) -> list[str]:
    """Console errors and uncaught exceptions, but the 401 of /api/me by which a page learns nobody is signed in
    yet (Chromium logs every 4xx answer to a fetch)."""
    return [e for e in wallet.errors if not ("status of 401" in e and "/api/me" in e)]


def balance_of(ctx, token: str, address: str) -> int:
    return ctx.chain.token(token).functions.balanceOf(address).call()


@dataclass
class Unpaid:
    """A community whose epoch 1 is committed on the chain but not pushed: every reward is claimable."""

    name: str
    token: str
    anna: LocalAccount  # a citizen
    shop: LocalAccount  # a stakeholder


@pytest.fixture(scope="module")
def unpaid(base_ctx, tmp_path_factory) -> Unpaid:
    from sqlalchemy import select

    from oracle.db.schema import Community
    from oracle.epochs.runner import SimulatedCrash, run_epoch
    from oracle.ingest.loader import ingest_file
    from oracle.model_registry import publish_model
    from tests.oracle.builders import MEMBERS_CSV, READINGS_CSV, devices_prefix, quiet

    anna, bruno, shop = (Account.create() for _ in range(3))
    name = unique_name("Dapp Unpaid LEC")
    prefix = devices_prefix(name)
    folder = tmp_path_factory.mktemp("unpaid")
    members = MEMBERS_CSV.format(p=prefix)
    for fixed, account in ((ANNA, anna), (BRUNO, bruno), (SHOP, shop)):
        members = members.replace(fixed, account.address)
    create_community(
        base_ctx,
        name,
        welcome_citizen="100",
        welcome_stakeholder="500",
        fee_bps=FEE_BPS,
        endowment="10000",
        reward_ceiling="100000",
    )
    import_members(base_ctx, name, write(folder / "members.csv", members), log=quiet)
    ingest_file(base_ctx, name, write(folder / "readings.csv", READINGS_CSV.format(p=prefix)))
    publish_model(base_ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    with pytest.raises(SimulatedCrash):  # committed (challenge window 0 in development), never pushed
        run_epoch(base_ctx, name, START, END, crash_at="after:commit", progress=False, log=quiet)
    with base_ctx.session() as s:
        token = s.scalar(select(Community.token_address).where(Community.name == name))
    return Unpaid(name, base_ctx.chain.w3.to_checksum_address(token), anna, shop)


# ------------------------------------------------------------------ sign in, balance


def test_a_member_signs_in_on_the_home_page_and_sees_their_balance(wallet_page, rewarded):
    wallet = wallet_page(rewarded.anna)
    wallet.goto("/")
    page = wallet.page
    expect(page.get_by_test_id("sign-in-panel")).to_be_visible()
    expect(page.get_by_test_id("home")).to_be_hidden()
    screenshot(page, "home-sign-in")
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("wallet-address")).to_have_text(rewarded.anna.address, timeout=TIMEOUT)
    expect(page.get_by_test_id("home-community")).to_have_count(1)
    expect(page.get_by_test_id("home-community")).to_contain_text("citizen, balance")
    page.get_by_test_id("language-select").focus()  # as a keyboard user reaches it
    page.get_by_test_id("language-select").select_option("it")
    expect(page.get_by_test_id("home-page-link")).to_have_text(["Membro"])
    expect(page.get_by_test_id("home-community")).to_contain_text("cittadino, saldo")
    expect(page.get_by_test_id("language-select")).to_be_focused()
    page.get_by_test_id("language-select").select_option("en")
    expect(page.get_by_test_id("nav-member")).to_be_visible()
    screenshot(page, "home")

    page.get_by_test_id("nav-member").click()
    # anna is a citizen: the welcome bonus (100 tokens) and her reward of epoch 1 (builders.EXPECTED)
    expected = WELCOME_CITIZEN + EXPECTED[ANNA]
    balance = page.get_by_test_id("balance")
    expect(balance).to_have_attribute("data-base-units", str(expected), timeout=TIMEOUT)
    whole, fraction = divmod(expected, 10**18)
    shown = f"{whole:,}" + (("." + f"{fraction:018d}".rstrip("0")[:6]) if fraction else "")
    expect(balance).to_have_text(f"{shown} {symbol(wallet)}")
    expect(page.get_by_test_id("reward-row")).to_have_count(1)
    row = page.get_by_test_id("reward-row").first
    expect(row).to_have_attribute("data-state", "paid")
    expect(row.get_by_test_id("reward-amount")).to_have_attribute("data-base-units", str(EXPECTED[ANNA]))
    # the latest epoch's hour (builders.READINGS_CSV): Anna 400 + 300 + 100 Wh and no reading at 00:45;
    # the community's PV 600 + 200 + 0 + 1000 Wh
    expect(page.get_by_test_id("chart-summary")).to_have_text(
        "4 quarter-hours: I consumed 0.8 kWh and produced 0 kWh; the community produced 1.8 kWh."
    )
    page.get_by_test_id("chart-start").fill("2026-08-01T00:00")  # two months: more than the API's 31 days
    page.get_by_test_id("chart-show").click()
    expect(page.get_by_test_id("chart-error")).to_have_text("Choose a start before the end (at most 31 days).")
    history = page.get_by_test_id("history-row")
    expect(history.and_(page.locator("[data-kind=reward]")).get_by_test_id("history-counterparty")).to_have_text(
        "rewards (notary)"
    )
    expect(history.and_(page.locator("[data-kind=welcome]")).get_by_test_id("history-amount")).to_have_attribute(
        "data-base-units", str(WELCOME_CITIZEN)
    )
    curves = page.evaluate("""() => Chart.getChart(document.querySelector("[data-testid=readings-chart]"))
                                     .data.datasets.map((d) => [d.label, d.data])""")
    assert curves[0] == ["My consumption", [0.4, 0.3, 0.1, None]]
    assert curves[2] == ["Community production", [0.6, 0.2, 0, 1]]
    screenshot(page, "member")

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in-panel")).to_be_visible(timeout=TIMEOUT)
    assert page.evaluate("fetch('/api/me').then((r) => r.status)") == 401
    assert page_errors(wallet) == []


def symbol(wallet) -> str:
    return wallet.page.get_by_test_id("pay-symbol").inner_text()


# ------------------------------------------------------------------ pay a service


def fill_payment(page, *, category: str, provider: str, amount: str):
    page.get_by_test_id("pay-category").select_option(category)
    page.get_by_test_id("pay-provider").fill(provider)
    page.get_by_test_id("pay-amount").fill(amount)
    page.get_by_test_id("pay-preview").click()


def test_a_citizen_pays_a_stakeholder_and_the_fee_reaches_the_treasury(wallet_page, rewarded, base_ctx):
    fund(base_ctx, rewarded.bruno.address)
    wallet = wallet_page(rewarded.bruno)
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    before_bruno = int(page.get_by_test_id("balance").get_attribute("data-base-units"))
    treasury_before = balance_of(base_ctx, rewarded.token, rewarded.token)
    shop_before = balance_of(base_ctx, rewarded.token, rewarded.shop.address)

    fill_payment(page, category="3", provider=rewarded.shop.address, amount="10")
    amount = 10 * 10**18
    fee = amount * FEE_BPS // 10_000  # 0.1 token
    expect(page.get_by_test_id("pay-preview-fee")).to_have_attribute("data-base-units", str(fee), timeout=TIMEOUT)
    expect(page.get_by_test_id("pay-preview-provider")).to_have_attribute("data-base-units", str(amount - fee))
    expect(page.get_by_test_id("pay-preview-structure")).to_have_attribute("data-base-units", "0")
    screenshot(page, "member-pay-preview")
    page.get_by_test_id("pay-submit").click()
    expect(page.get_by_test_id("pay-status")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)

    assert balance_of(base_ctx, rewarded.token, rewarded.token) - treasury_before == fee
    assert balance_of(base_ctx, rewarded.token, rewarded.shop.address) - shop_before == amount - fee
    expect(page.get_by_test_id("balance")).to_have_attribute(
        "data-base-units", str(before_bruno - amount), timeout=TIMEOUT
    )
    service = page.get_by_test_id("history-row").and_(page.locator("[data-kind=service]"))
    expect(service.first.get_by_test_id("history-amount")).to_have_attribute(
        "data-base-units", f"-{amount}", timeout=TIMEOUT
    )
    expect(service.first.get_by_test_id("history-fee")).to_have_text(f"0.1 {symbol(wallet)}")  # the fee shown
    assert page_errors(wallet) == []


def test_a_payment_the_token_refuses_is_a_sentence_and_a_rejection_is_cancelled(wallet_page, rewarded, base_ctx):
    fund(base_ctx, rewarded.anna.address)
    wallet = wallet_page(rewarded.anna)
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    fill_payment(page, category="1", provider=rewarded.outsider.address, amount="1")
    expect(page.get_by_test_id("pay-submit")).to_be_enabled(timeout=TIMEOUT)
    page.get_by_test_id("pay-submit").click()
    status = page.get_by_test_id("pay-status")
    expect(status).to_have_attribute("data-state", "failed", timeout=TIMEOUT)
    short = f"{rewarded.outsider.address[:6]}…{rewarded.outsider.address[-4:]}"
    expect(status).to_have_text(
        f"Paying the service: failed. The contract refused the transaction: the receiver "
        f"({short}) is not a member of this community."
    )

    fill_payment(page, category="1", provider=rewarded.bruno.address, amount="1")
    expect(page.get_by_test_id("pay-submit")).to_be_enabled(timeout=TIMEOUT)
    wallet.reject_next()
    page.get_by_test_id("pay-submit").click()
    expect(status).to_have_attribute("data-state", "cancelled", timeout=TIMEOUT)
    expect(status).to_have_text("Paying the service: cancelled.")
    assert page_errors(wallet) == []  # a refusal in words and a cancel are not the page's errors


# ------------------------------------------------------------------ claim, take-out


def test_a_member_claims_an_unpaid_reward_with_its_proof(wallet_page, unpaid, base_ctx):
    fund(base_ctx, unpaid.anna.address)
    wallet = wallet_page(unpaid.anna)
    wallet.sign_in()
    page = member_page(wallet, unpaid.token)
    expect(page.get_by_test_id("balance")).to_have_attribute("data-base-units", str(WELCOME_CITIZEN))
    row = page.get_by_test_id("reward-row").and_(page.locator("[data-epoch='1']"))
    expect(row).to_have_attribute("data-state", "claimable", timeout=TIMEOUT)
    expect(row.get_by_test_id("reward-amount")).to_have_attribute("data-base-units", str(EXPECTED[ANNA]))
    screenshot(page, "member-claimable")
    row.get_by_test_id("claim-reward").click()
    expect(page.get_by_test_id("claim-status")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)

    assert balance_of(base_ctx, unpaid.token, unpaid.anna.address) == WELCOME_CITIZEN + EXPECTED[ANNA]
    expect(page.get_by_test_id("balance")).to_have_attribute(
        "data-base-units", str(WELCOME_CITIZEN + EXPECTED[ANNA]), timeout=TIMEOUT
    )
    expect(row).to_have_attribute("data-state", "paid", timeout=TIMEOUT)
    expect(row.get_by_test_id("claim-reward")).to_have_count(0)
    assert page_errors(wallet) == []


def test_a_member_downloads_their_take_out_file(wallet_page, rewarded):
    wallet = wallet_page(rewarded.bruno)
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    row = page.get_by_test_id("reward-row").and_(page.locator("[data-epoch='1']"))
    with page.expect_download(timeout=TIMEOUT) as download:
        row.get_by_test_id("download-takeout").click()
    saved = download.value
    assert saved.suggested_filename == f"takeout-{slug(rewarded.name)}-epoch-1-{rewarded.bruno.address}.json"
    takeout = json.loads(open(saved.path(), encoding="utf-8").read())
    assert takeout["format"] == "lec-takeout-v2"
    assert json.dumps(takeout).count(rewarded.bruno.address) >= 1
    expect(page.get_by_test_id("takeout-status")).to_have_attribute("data-state", "done")

    row.get_by_test_id("verify-takeout").click()  # the auditor's checks, in the member's browser
    status = page.get_by_test_id("takeout-status")
    expect(status).to_have_attribute("data-state", "passed", timeout=TIMEOUT)
    expect(status).to_contain_text("Your data of epoch 1 matches what the chain holds")
    assert page_errors(wallet) == []


def slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ------------------------------------------------------------------ network, token, phone, Italian


def test_the_page_adds_the_network_and_the_token_to_the_wallet(wallet_page, rewarded):
    wallet = wallet_page(rewarded.anna, chain_id=1, knows_platform_chain=False)
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    expect(page.get_by_test_id("network-status")).to_have_attribute("data-state", "wrong")
    page.get_by_test_id("add-network").click()
    expect(page.get_by_test_id("wallet-action-status")).to_have_attribute("data-state", "done", timeout=TIMEOUT)
    expect(page.get_by_test_id("network-status")).to_have_attribute("data-state", "ok")  # no reload needed
    added = wallet.calls("wallet_addEthereumChain")
    assert [a["params"][0]["chainId"] for a in added] == ["0x7a69"]
    assert wallet.page.evaluate("window.ethereum.request({ method: 'eth_chainId' })") == "0x7a69"
    page.get_by_test_id("watch-token").click()
    expect(page.get_by_test_id("wallet-action-status")).to_have_attribute("data-state", "done", timeout=TIMEOUT)
    options = wallet.calls("wallet_watchAsset")[0]["params"]["options"]
    assert options == {"address": rewarded.token, "symbol": symbol(wallet), "decimals": 18}


def test_on_a_phone_in_italian_nothing_overflows_and_the_keyboard_reaches_the_payment(wallet_page, rewarded):
    wallet = wallet_page(rewarded.anna, viewport=PHONE, locale="it-IT")
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    expect(page.get_by_role("heading", name="Paga un servizio")).to_be_visible()
    expect(page).to_have_title("Piattaforma CER — membro")
    expect(page.get_by_test_id("reward-row").first.get_by_test_id("reward-state")).to_have_text("pagato")
    # Italian number format: a comma before the decimals
    expect(page.get_by_test_id("balance")).to_contain_text(",5 ")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    unlabelled = page.evaluate("""() => [...document.querySelectorAll("input, select, button, canvas")]
      .filter((el) => !el.closest("[hidden]") && !(el.labels?.length || el.textContent.trim()
                      || el.getAttribute("aria-label") || el.getAttribute("aria-describedby")))
      .map((el) => el.dataset.testid || el.outerHTML)""")
    assert unlabelled == []  # every control a screen reader or a keyboard user reaches says what it is
    page.get_by_label("Fornitore (indirizzo del membro)").focus()
    page.keyboard.type(rewarded.bruno.address)
    page.keyboard.press("Tab")
    page.keyboard.type("2,5")
    assert page.get_by_test_id("pay-amount").input_value() == "2,5"
    page.keyboard.press("Enter")  # the form's first Enter previews (1 % of 2.5 = 0.025)
    expect(page.get_by_test_id("pay-preview-fee")).to_have_attribute(
        "data-base-units", str(25 * 10**15), timeout=TIMEOUT
    )
    expect(page.get_by_test_id("pay-preview-fee")).to_contain_text("0,025")
    screenshot(page, "member-phone")

    page.get_by_test_id("language-select").select_option("en")
    expect(page.get_by_role("heading", name="Pay a service")).to_be_visible()
    assert page_errors(wallet) == []


def test_a_citizen_asks_to_be_paid_for_community_work(wallet_page, rewarded, base_ctx):
    fund(base_ctx, rewarded.anna.address)
    wallet = wallet_page(rewarded.anna)
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    count_before = base_ctx.chain.token(rewarded.token).functions.workRequestCount().call()
    page.get_by_test_id("work-category").select_option("6")
    page.get_by_test_id("work-amount").fill("3")
    page.get_by_test_id("work-description").fill("cleaned the solar panels of the school")
    page.get_by_test_id("work-submit").click()
    status = page.get_by_test_id("work-status")
    expect(status).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    expect(status).to_contain_text(f"Request number {count_before + 1} sent")
    request = base_ctx.chain.token(rewarded.token).functions.workRequest(count_before + 1).call()
    assert (request[0], request[1], request[2], request[5]) == (rewarded.anna.address, 6, 1, 3 * 10**18)
    assert page_errors(wallet) == []


def test_a_wallet_on_another_network_is_said_in_words_and_switched_for_the_payment(wallet_page, rewarded, base_ctx):
    fund(base_ctx, rewarded.anna.address)
    wallet = wallet_page(rewarded.anna, chain_id=1)
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    fill_payment(page, category="1", provider=rewarded.bruno.address, amount="1")
    expect(page.get_by_test_id("pay-error")).to_have_text(
        "Your wallet is on chain 1, but the platform runs on chain 31337: switch network and try again."
    )
    expect(page.get_by_test_id("pay-submit")).to_be_disabled()

    page.get_by_test_id("switch-network").click()  # the header's button
    expect(page.get_by_test_id("network-status")).to_have_attribute("data-state", "ok", timeout=TIMEOUT)
    page.get_by_test_id("pay-preview").click()
    expect(page.get_by_test_id("pay-preview-fee")).to_have_attribute(
        "data-base-units", str(10**18 * FEE_BPS // 10_000), timeout=TIMEOUT
    )
    page.get_by_test_id("pay-submit").click()
    expect(page.get_by_test_id("pay-status")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    assert page_errors(wallet) == []


def test_someone_who_is_no_member_is_told_so(wallet_page, rewarded):
    wallet = wallet_page(rewarded.outsider)
    wallet.sign_in()
    wallet.goto("/member.html")
    expect(wallet.page.get_by_test_id("not-a-member")).to_have_text(
        "Your address is not a member of any community.", timeout=TIMEOUT
    )
    expect(wallet.page.get_by_test_id("member-summary")).to_be_hidden()
    expect(wallet.page.get_by_test_id("nav-member")).to_have_count(0)


def test_the_preview_of_a_service_in_a_structure_splits_the_amount_before_signing(wallet_page, rewarded):
    wallet = wallet_page(rewarded.anna)
    wallet.sign_in()
    page = member_page(wallet, rewarded.token)
    page.get_by_test_id("pay-category").select_option("2")
    expect(page.get_by_test_id("pay-structure-fields")).to_be_visible()
    page.get_by_test_id("pay-structure").fill(rewarded.shop.address)
    page.get_by_test_id("pay-structure-share").fill("20")
    fill_payment(page, category="2", provider=rewarded.bruno.address, amount="10")
    # 10 tokens: fee 1 % = 0.1; of the 9.9 left the structure owner takes 20 % = 1.98, the provider 7.92
    preview = {"fee": 10**17, "provider": 792 * 10**16, "structure": 198 * 10**16, "incentive": 0}
    for name, base_units in preview.items():
        expect(page.get_by_test_id(f"pay-preview-{name}")).to_have_attribute(
            "data-base-units", str(base_units), timeout=TIMEOUT
        )
    expect(page.get_by_test_id("pay-preview-structure")).to_have_text(f"1.98 {symbol(wallet)}")
    expect(page.get_by_test_id("pay-submit")).to_be_enabled()
    page.get_by_test_id("pay-amount").fill("11")  # a changed form needs a new preview
    expect(page.get_by_test_id("pay-submit")).to_be_disabled()
    expect(page.get_by_test_id("pay-preview-box")).to_be_hidden()
    page.get_by_test_id("pay-amount").fill("abc")
    page.get_by_test_id("pay-preview").click()
    expect(page.get_by_test_id("pay-error")).to_have_text('"abc" is not an amount above zero (for example 12.5).')
    assert wallet.calls("eth_sendTransaction") == []
    assert page_errors(wallet) == []


def test_an_approved_incentive_is_previewed_and_paid_by_the_treasury(wallet_page, unpaid, base_ctx):
    from eth_utils import keccak

    chain = base_ctx.chain
    token = chain.token(unpaid.token)
    shop = unpaid.shop.address
    reference = "listing-42"
    chain.send(token.functions.setCategoryIncentive(3, 200, 0), "token_admin")  # 2 % to the payer
    chain.send(
        token.functions.approveServiceIncentive(keccak(text=reference), unpaid.anna.address, shop, 3, 10 * 10**18),
        "community_admin",
    )
    fund(base_ctx, unpaid.anna.address)
    wallet = wallet_page(unpaid.anna)
    wallet.sign_in()
    page = member_page(wallet, unpaid.token)
    anna_before = balance_of(base_ctx, unpaid.token, unpaid.anna.address)
    treasury_before = balance_of(base_ctx, unpaid.token, unpaid.token)

    page.get_by_test_id("pay-ref").fill(reference)
    fill_payment(page, category="3", provider=shop, amount="10")
    fee, incentive = 10**17, 2 * 10**17  # 1 % and 2 % of 10 tokens
    expect(page.get_by_test_id("pay-preview-incentive-this")).to_have_attribute(
        "data-base-units", str(incentive), timeout=TIMEOUT
    )
    expect(page.get_by_test_id("pay-preview-incentive")).to_have_attribute("data-base-units", str(incentive))
    page.get_by_test_id("pay-submit").click()
    expect(page.get_by_test_id("pay-status")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    assert balance_of(base_ctx, unpaid.token, unpaid.anna.address) == anna_before - 10 * 10**18 + incentive
    assert balance_of(base_ctx, unpaid.token, unpaid.token) == treasury_before + fee - incentive
    assert token.functions.incentiveApproval(keccak(text=reference)).call()[2] is True  # used up

    fill_payment(page, category="3", provider=shop, amount="10")  # the same reference again: no incentive
    expect(page.get_by_test_id("pay-preview-incentive-this")).to_have_attribute("data-base-units", "0", timeout=TIMEOUT)
    assert page_errors(wallet) == []
