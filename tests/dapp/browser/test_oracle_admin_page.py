"""Browser end to end: the Oracle Admin page. The Oracle Admin previews a parameter change on the last epoch (the
amounts worked out by hand from the oracle tests' hour), publishes it in the wallet and the registry holds the
version exactly as the oracle encodes it; a parameter outside its plausible range is a sentence, no transaction;
epochs show their steps."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from oracle.chain.encoding import to_bytes32
from tests.dapp.browser.conftest import fund, screenshot
from tests.dapp.conftest import role_account
from tests.oracle.builders import ANNA, BRUNO, END, SHOP, START, quiet, small_community

TIMEOUT = 60_000
MODEL = to_bytes32("self_consumption")
# The hour of tests/oracle/builders.py under alpha_consumer 2, alpha_producer 1 (twice the published 1 and 0.5):
#   Anna  2 * 0.5 = 1.0;  Bruno 2 * 0.2333333… + 1 * 1.3 = 1.7666666… -> 1.766666 (down to 1e-6);
#   Shop  2 * 0.5666666… = 1.1333333… -> 1.133333;  total 3.899999.  Paid under 1 / 0.5: 0.5 + 0.883333 + 0.566666.
PREVIEW = {ANNA: "1", BRUNO: "1.766666", SHOP: "1.133333"}
PAID = {ANNA: "0.5", BRUNO: "0.883333", SHOP: "0.566666"}


@pytest.fixture(scope="module")
def epoch_done(base_ctx, tmp_path_factory):
    """A community of these tests with epoch 1 done (the hour, self_consumption 1 / 0.5); its token."""
    from oracle.communities import get_community
    from oracle.epochs.runner import run_epoch

    name = small_community(base_ctx, tmp_path_factory.mktemp("oracle-admin"))
    epoch = run_epoch(base_ctx, name, START, END, progress=False, log=quiet)
    assert epoch.status == "done", epoch.status
    return get_community(base_ctx, name).token_address


def open_page(wallet_page, base_ctx, token: str):
    account = role_account(base_ctx, "oracle_admin")
    fund(base_ctx, account.address)
    wallet = wallet_page(account)
    wallet.sign_in()
    wallet.goto(f"/oracle-admin.html?token={token}")
    expect(wallet.page.locator("body[data-ready=true]")).to_have_count(1, timeout=TIMEOUT)
    return wallet


def test_oracle_admin_previews_and_publishes_a_model_version(wallet_page, base_ctx, epoch_done):
    token = epoch_done
    registry = base_ctx.chain.registry
    symbol = base_ctx.chain.token(token).functions.symbol().call()
    versions_before = registry.functions.versionCount(token, MODEL).call()
    wallet = open_page(wallet_page, base_ctx, token)
    page = wallet.page
    expect(page.get_by_test_id(f"version-row-self_consumption-{versions_before}")).to_be_visible()
    expect(page.get_by_test_id("publish-submit")).to_be_disabled()  # a preview comes first

    page.get_by_test_id("param-alpha_consumer").fill("2")
    page.get_by_test_id("param-alpha_producer").fill("1")
    page.get_by_test_id("preview-submit").click()
    expect(page.get_by_test_id("preview-summary")).to_have_text(
        f"Epoch 1: 1.949999 {symbol} was paid; these parameters would have paid 3.899999 {symbol}.", timeout=TIMEOUT
    )
    for member, amount in PREVIEW.items():
        row = page.get_by_test_id(f"preview-row-{member}")
        expect(row.locator("td").nth(1)).to_have_text(f"{PAID[member]} {symbol}")
        expect(row.locator("td").nth(2)).to_have_text(f"{amount} {symbol}")
    screenshot(page, "oracle-admin-preview")

    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("publish-tx")).to_have_attribute("data-state", "mined", timeout=TIMEOUT)
    version = versions_before + 1
    expect(page.get_by_test_id("publish-done")).to_contain_text(f"Published self_consumption version {version}")
    published = registry.functions.getVersion(token, MODEL, version).call()
    effective_from, _published_at, publisher, names, values = published
    assert names == [to_bytes32("alpha_consumer"), to_bytes32("alpha_producer")]
    assert values == [2_000_000, 1_000_000]  # 6 decimals on-chain
    assert publisher == role_account(base_ctx, "oracle_admin").address
    assert effective_from >= base_ctx.chain.notary.functions.lastPeriodEnd(token).call()
    assert len(wallet.calls("eth_sendTransaction")) == 1  # self_consumption already is the active model
    expect(page.get_by_test_id(f"version-row-self_consumption-{version}")).to_contain_text("alpha_consumer = 2")
    assert wallet.errors == []


def test_a_parameter_outside_its_range_is_a_sentence_and_no_transaction(wallet_page, base_ctx, epoch_done):
    wallet = open_page(wallet_page, base_ctx, epoch_done)
    page = wallet.page
    page.get_by_test_id("param-alpha_consumer").fill("150")
    page.get_by_test_id("param-alpha_producer").fill("0.5")
    page.get_by_test_id("preview-submit").click()
    expect(page.get_by_test_id("publish-error")).to_have_text(
        "alpha_consumer = 150 is outside its plausible range 0 to 100."
    )
    page.get_by_test_id("param-alpha_consumer").fill("0.0000001")
    page.get_by_test_id("preview-submit").click()
    expect(page.get_by_test_id("publish-error")).to_have_text(
        "alpha_consumer = 0.0000001 has more than 6 decimals (the registry keeps 6)."
    )
    page.get_by_test_id("param-alpha_consumer").fill("")
    page.get_by_test_id("preview-submit").click()
    expect(page.get_by_test_id("publish-error")).to_have_text("alpha_consumer is required for self_consumption.")
    expect(page.get_by_test_id("publish-submit")).to_be_disabled()
    assert wallet.calls("eth_sendTransaction") == []
    assert wallet.errors == []


def test_epochs_and_their_steps(wallet_page, base_ctx, epoch_done):
    wallet = open_page(wallet_page, base_ctx, epoch_done)
    page = wallet.page
    expect(page.get_by_test_id("epoch-row-1")).to_contain_text("self_consumption v1")
    page.get_by_test_id("epoch-steps-1").click()
    expect(page.get_by_test_id("epoch-detail")).to_be_visible()
    expect(page.get_by_test_id("epoch-steps").locator("li")).not_to_have_count(0)
    screenshot(page, "oracle-admin-page")
    assert wallet.errors == []


def test_someone_without_the_oracle_admin_role_is_told_so(wallet_page, rewarded):
    wallet = wallet_page(rewarded.anna)
    wallet.sign_in()
    wallet.goto(f"/oracle-admin.html?token={rewarded.token}")
    expect(wallet.page.get_by_test_id("page-forbidden")).to_contain_text("This page is for: oracle admin.")


def test_publishing_another_model_also_makes_it_the_active_one(wallet_page, base_ctx, epoch_done):
    """As `oracle models publish` does: a model that is not the active one at the version's time is scheduled
    as active from then, in a second transaction."""
    token = epoch_done
    registry = base_ctx.chain.registry
    peak = to_bytes32("peak_shaving")
    assert registry.functions.versionCount(token, peak).call() == 0
    wallet = open_page(wallet_page, base_ctx, token)
    page = wallet.page
    page.get_by_test_id("publish-model").select_option("peak_shaving")
    page.get_by_test_id("param-beta").fill("2")
    page.get_by_test_id("param-cap").fill("20")
    page.get_by_test_id("param-q").fill("97,5")  # a decimal comma is read as the decimal point
    page.get_by_test_id("preview-submit").click()
    expect(page.get_by_test_id("preview-result")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("publish-done")).to_contain_text("Published peak_shaving version 1", timeout=TIMEOUT)
    expect(page.get_by_test_id("publish-done")).to_contain_text("peak_shaving is the active model from")
    effective_from, _at, _by, names, values = registry.functions.getVersion(token, peak, 1).call()
    assert names == [to_bytes32("beta"), to_bytes32("cap"), to_bytes32("q")]  # the order given; min_coverage left out
    assert values == [2_000_000, 20_000_000, 97_500_000]
    assert registry.functions.activeModelAt(token, effective_from).call() == peak
    assert len(wallet.calls("eth_sendTransaction")) == 2
    assert wallet.errors == []


# (model, parameters as typed): every case the oracle accepts or refuses, compared with the page's own check
ENCODING_CASES = [
    ("self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}),
    ("self_consumption", {"alpha_producer": "0.1", "alpha_consumer": "100"}),  # order kept
    ("self_consumption", {"alpha_consumer": "99.999999", "alpha_producer": "0"}),
    ("self_consumption", {"alpha_consumer": "100.000001", "alpha_producer": "0"}),  # outside 0..100
    ("self_consumption", {"alpha_consumer": "0.0000001", "alpha_producer": "1"}),  # 7 decimals
    ("self_consumption", {"alpha_consumer": "1e3", "alpha_producer": "1"}),  # not plain decimal
    ("self_consumption", {"alpha_consumer": "-1", "alpha_producer": "1"}),
    ("self_consumption", {"alpha_consumer": "1"}),  # alpha_producer missing
    ("self_consumption", {"alpha_consumer": "1", "alpha_producer": "1", "beta": "2"}),  # not its parameter
    ("peak_shaving", {"beta": "1000", "cap": "10000", "q": "97.5", "min_coverage": "0.5"}),
    ("peak_shaving", {"beta": "2", "cap": "20", "min_coverage": "0.49"}),
    (
        "combined",
        {"alpha_consumer": "1", "alpha_producer": "0.5", "beta": "2", "cap": "20", "w_sc": "0.7", "w_ps": "0.3"},
    ),
]

ENCODE_JS = """async (cases) => {
  const m = await import("/js/actions/publish-model.js");
  return cases.map(([model, params]) => {
    const checked = m.checkParameters(model, params);
    return checked.ok ? { names: checked.names.map(m.toBytes32), values: checked.values.map(String) }
                      : { refused: checked.key };
  });
}"""


def oracle_encoding(model: str, params: dict) -> dict:
    """What `oracle models publish` sends to the registry for these parameters, or that it refuses them."""
    from oracle.models.parameters import check_plausible, params_to_chain, plain_decimal, validate_params

    try:  # the steps of oracle/model_registry.py before publishVersion, through the public names
        values = {name: plain_decimal(name, value) for name, value in params.items()}
        check_plausible(values)
        validate_params(model, values)
        names, fixed = params_to_chain(values)
    except ValueError:
        return {"refused": True}
    return {"names": ["0x" + to_bytes32(n).hex() for n in names], "values": [str(v) for v in fixed]}


def test_the_page_encodes_parameters_exactly_as_the_oracle_does(wallet_page, base_ctx, epoch_done):
    wallet = open_page(wallet_page, base_ctx, epoch_done)
    page_answers = wallet.page.evaluate(ENCODE_JS, [list(case) for case in ENCODING_CASES])
    for (model, params), answer in zip(ENCODING_CASES, page_answers):
        expected = oracle_encoding(model, params)
        if "refused" in expected:
            assert "refused" in answer, (model, params, answer)
        else:
            assert answer == expected, (model, params)
    assert sum("refused" in a for a in page_answers) == 7
