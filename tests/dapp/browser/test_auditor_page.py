"""Browser end to end: the Auditor page. An auditor fetches a member's take-out file from the platform and the
browser verifies it against the chain (pass, every check listed); a tampered file uploaded fails, naming the
first part that does not match as `oracle verify` names it; a file that is not JSON is a sentence; the page
works by keyboard, in Italian, on a 375 px phone, and is refused to someone who is not an auditor."""

from __future__ import annotations

import copy
import json

import pytest
from eth_account import Account
from playwright.sync_api import expect

from dapp_backend.services.auditors import grant_auditor
from oracle.takeout import export_takeout
from tests.dapp.browser.conftest import PHONE, screenshot
from tests.dapp.conftest import role_account

TIMEOUT = 60_000  # a loaded machine


@pytest.fixture(scope="module")
def auditor(base_ctx):
    account = Account.create()
    assert grant_auditor(base_ctx, account.address, by=role_account(base_ctx, "platform_admin").address)
    return account


@pytest.fixture(scope="module")
def bruno_takeout(base_ctx, rewarded, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("auditor") / "bruno.json"
    export_takeout(base_ctx, rewarded.name, rewarded.epoch, rewarded.bruno.address, path)
    return json.loads(path.read_text())


def open_page(wallet_page, auditor, query: str = "", *, ready: bool = True, **options):
    wallet = wallet_page(auditor, **options)
    wallet.sign_in()
    wallet.goto(f"/auditor.html{query}")
    if ready:
        expect(wallet.page.locator("body[data-ready=true]")).to_have_count(1, timeout=TIMEOUT)
    return wallet


def upload(page, name: str, text: str):
    page.get_by_test_id("file-input").set_input_files(
        {"name": name, "mimeType": "application/json", "buffer": text.encode()}
    )


def test_an_auditor_fetches_a_members_takeout_and_it_passes_every_check(wallet_page, auditor, rewarded, base_ctx):
    bruno = rewarded.bruno.address
    wallet = open_page(wallet_page, auditor, f"?token={rewarded.token}&epoch={rewarded.epoch}")
    page = wallet.page
    expect(page.get_by_test_id("community-select")).to_have_value(rewarded.token)
    expect(page.get_by_test_id("epoch-select")).to_have_value(str(rewarded.epoch))
    # the members the chain paid in the epoch are offered (the three of the hand-worked hour)
    expect(page.get_by_test_id("member-hint")).to_contain_text("3 members were paid", timeout=TIMEOUT)
    expect(page.locator("[data-testid=member-options] option")).to_have_count(3)

    page.get_by_test_id("member-input").fill(bruno)
    page.get_by_test_id("fetch-verify").click()
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "pass", timeout=TIMEOUT)
    expect(verdict).to_have_text("Pass: every part of the file matches the chain (23 checks).")
    checks = page.locator("[data-testid=checks] li[data-status=ok]")
    parts = [checks.nth(i).get_attribute("data-part") for i in range(checks.count())]
    assert len(parts) == 23
    assert parts[:3] == ["chainId", "notary", "community.token"]
    assert parts[-6:] == ["dataHash", "readings or salt", "leaf.value", "leaf.hash", "proof", "verifyTakeout"]
    assert page.locator("[data-testid=checks] li[data-status=fail]").count() == 0
    expect(page.locator("[data-testid=checks] li[data-status=info]")).to_have_attribute("data-part", "canonicalization")
    expect(page.get_by_test_id("file-summary")).to_contain_text(bruno)
    symbol = base_ctx.chain.token(rewarded.token).functions.symbol().call()
    expect(page.get_by_test_id("file-summary")).to_contain_text(f"0.883333 {symbol}")  # builders.EXPECTED[BRUNO]
    expect(page.get_by_test_id("download-link")).to_be_visible()
    assert page.get_by_test_id("download-link").get_attribute("download").endswith(f"-epoch-1-{bruno}.json")
    screenshot(page, "auditor-pass")
    assert wallet.errors == []


@pytest.mark.parametrize(
    "tamper, part, headline",
    [
        ("amount", "amount", "the file's amount is not the one of the leaf the chain paid"),
        ("reading", "readings or salt", "the readings do not hash to the file's data hash"),
        ("proof", "proof", "the proof does not lead from the leaf to the committed root"),
    ],
)
def test_a_tampered_file_uploaded_fails_naming_the_part(wallet_page, auditor, bruno_takeout, tamper, part, headline):
    doc = copy.deepcopy(bruno_takeout)
    if tamper == "amount":
        doc["amount"] = str(int(doc["amount"]) + 1)
        doc["leaf"]["value"][2] = doc["amount"]
    elif tamper == "reading":
        doc["readings"][0]["energy"] = "201.000"
    else:
        doc["proof"][0] = "0x" + "22" * 32
    wallet = open_page(wallet_page, auditor)
    page = wallet.page
    upload(page, "tampered.json", json.dumps(doc))
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "fail", timeout=TIMEOUT)
    expect(verdict).to_have_text(f"Does not match: {headline} ({part}).")
    expect(page.get_by_test_id("failed-part")).to_have_attribute("data-part", part)
    first = page.locator("[data-testid=checks] li[data-status=fail]").first
    expect(first).to_have_attribute("data-part", part)
    if tamper == "amount":
        expect(page.get_by_test_id("failure-detail")).to_contain_text(
            f"the file says {doc['amount']}, the committed leaf has {bruno_takeout['amount']}"
        )
        screenshot(page, "auditor-fail")
        page.get_by_test_id("language-select").select_option("it")  # the result is said again in Italian
        expect(verdict).to_have_text(
            "Non corrisponde: il valore amount del file non è quello della foglia pagata dalla catena (amount)."
        )
        expect(page.get_by_test_id("failure-detail")).to_contain_text("la foglia registrata ha")
    assert wallet.errors == []


def test_a_file_that_is_not_a_takeout_is_a_sentence_not_a_crash(wallet_page, auditor):
    wallet = open_page(wallet_page, auditor)
    page = wallet.page
    upload(page, "notes.json", '{"format": "lec-takeout-v2", ')
    expect(page.get_by_test_id("file-error")).to_contain_text("This file is not JSON, so it is not a take-out file")
    expect(page.get_by_test_id("result-section")).to_be_hidden()
    upload(page, "other.json", '{"format": "something else"}')
    expect(page.get_by_test_id("verdict")).to_have_text(
        "Does not match: the file is not a take-out file this page can read (format).", timeout=TIMEOUT
    )
    expect(page.get_by_test_id("failure-detail")).to_have_text("not a take-out file (lec-takeout-v1 or lec-takeout-v2)")
    assert wallet.errors == []


def test_keyboard_italian_phone_and_the_platforms_rpc(wallet_page, auditor, rewarded):
    wallet = open_page(
        wallet_page, auditor, f"?token={rewarded.token}&epoch={rewarded.epoch}", viewport=PHONE, locale="it-IT"
    )
    page = wallet.page
    expect(page.get_by_test_id("fetch-verify")).to_have_text("Scarica e verifica")
    page.get_by_test_id("reader-select").select_option("rpc")
    page.get_by_test_id("member-input").focus()
    page.keyboard.type(rewarded.shop.address)
    page.keyboard.press("Enter")  # submits the form
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_have_attribute("data-verdict", "pass", timeout=TIMEOUT)
    expect(verdict).to_contain_text("Superata: ogni parte del file corrisponde alla catena")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "auditor-phone-pass")
    # a typo in the address is said before anything is fetched
    page.get_by_test_id("member-input").fill("0x1234")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("fetch-error")).to_contain_text("0x1234 non è un indirizzo di portafoglio")
    assert wallet.errors == []


def test_someone_who_is_not_an_auditor_is_told_so(wallet_page, rewarded):
    wallet = open_page(wallet_page, rewarded.anna, ready=False)
    expect(wallet.page.get_by_test_id("page-forbidden")).to_contain_text("This page is for: auditor", timeout=TIMEOUT)
    expect(wallet.page.get_by_test_id("fetch-section")).to_be_hidden()


def test_a_file_dropped_on_the_page_is_verified(wallet_page, auditor, bruno_takeout):
    wallet = open_page(wallet_page, auditor)
    page = wallet.page
    dropped = page.evaluate_handle(
        """(text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], "dropped.json", { type: "application/json" }));
      return data;
    }""",
        json.dumps(bruno_takeout),
    )
    page.get_by_test_id("upload-section").dispatch_event("drop", {"dataTransfer": dropped})
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "pass", timeout=TIMEOUT)
    expect(page.get_by_test_id("verify-status")).to_be_hidden()
    assert wallet.errors == []


def test_a_wallet_on_another_chain_fails_at_the_chain_id_and_the_platforms_rpc_passes(
    wallet_page, auditor, bruno_takeout
):
    wallet = open_page(wallet_page, auditor, chain_id=1981)
    page = wallet.page
    expect(page.get_by_test_id("reader-select")).to_have_value("wallet")
    upload(page, "bruno.json", json.dumps(bruno_takeout))
    expect(page.get_by_test_id("failed-part")).to_have_attribute("data-part", "chainId", timeout=TIMEOUT)
    expect(page.get_by_test_id("failure-detail")).to_have_text(
        "the file is for chain 31337, the chain this browser reads is 1981"
    )
    page.get_by_test_id("reader-select").select_option("rpc")
    upload(page, "bruno-again.json", json.dumps(bruno_takeout))
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "pass", timeout=TIMEOUT)
    assert wallet.errors == []
