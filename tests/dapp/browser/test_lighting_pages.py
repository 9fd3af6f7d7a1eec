"""Browser end to end: the public-lighting views (lighting.html, lighting-trend.html, lighting-certifications.html)
in headless Chromium on the API tests' fixture data (tests/dapp/test_lighting_api.py: build_lighting). A visitor
not signed in sees the open municipalities, their plants with certification and live check, the region's trend
chart and the dashboard, and downloads the CSV; a reserved municipality is not there for them and is after the
regional administrator signs in through the page. Screenshots (desktop and a 375 px phone) go to
reports/screenshots/."""

from __future__ import annotations

import pytest
from eth_account import Account
from playwright.sync_api import expect

from tests.dapp.browser.conftest import PHONE, screenshot
from tests.dapp.test_lighting_api import build_lighting

TIMEOUT = 30_000
EXPECTED_ERRORS = ("/api/me",)  # a visitor not signed in: /api/me answers 401, which Chromium logs


@pytest.fixture(scope="module")
def lighting(base_ctx):
    return build_lighting(base_ctx)


def visit(wallet_page, path, account=None, viewport=None):
    wallet = wallet_page(account or Account.create(), viewport=viewport)
    wallet.goto(path)
    expect(wallet.page.locator("body[data-ready=true]")).to_have_count(1, timeout=TIMEOUT)
    return wallet


def test_the_municipality_page_shows_plants_with_their_certification_and_live_check(wallet_page, lighting):
    wallet = visit(wallet_page, "/lighting.html")
    page = wallet.page
    expect(page.get_by_test_id("lighting-sign-in")).to_be_visible()
    row = page.locator(f"[data-testid=lighting-municipality-row][data-code='{lighting.open1}']")
    expect(row).to_be_visible()
    expect(page.locator(f"[data-testid=lighting-municipality-row][data-code='{lighting.reserved}']")).to_have_count(0)
    screenshot(page, "lighting")

    row.get_by_role("link", name="Portofino Test").click()
    expect(page.get_by_test_id("lighting-municipality-name")).to_have_text("Portofino Test")
    p1 = page.locator("[data-testid=lighting-plant-row][data-code=P1]")
    expect(p1.get_by_test_id("lighting-plant-check")).to_have_attribute("data-state", "certified")
    expect(p1.get_by_test_id("lighting-plant-check")).to_have_text("certified")
    expect(p1.get_by_test_id("lighting-plant-tx")).to_have_attribute(
        "title", lighting.certified[("static", lighting.open1, "P1")].tx_hash
    )
    expect(p1).to_contain_text("IT001E00000001")
    expect(p1).to_contain_text("LED 30 W × 10")
    expect(p1).to_contain_text("0.800 kW")
    p2 = page.locator("[data-testid=lighting-plant-row][data-code=P2]")
    expect(p2.get_by_test_id("lighting-plant-check")).to_have_text("never certified")
    screenshot(page, "lighting-municipality")
    assert wallet.errors_except(*EXPECTED_ERRORS) == []


def test_the_region_trend_chart_sums_certified_figures_and_names_the_missing(wallet_page, lighting):
    wallet = visit(wallet_page, f"/lighting-trend.html?region={lighting.region}")
    page = wallet.page
    expect(page.get_by_test_id("lighting-trend-row")).to_have_count(4)
    values = page.evaluate(
        "Chart.getChart(document.querySelector('[data-testid=lighting-trend-chart]')).data.datasets[0].data"
    )
    assert values == [1734.567, 1100.5, 700.25, 900.001]  # the API test's hand-worked region sums
    expect(
        page.locator("[data-testid=lighting-trend-row][data-month='2026-02'] [data-testid=lighting-trend-missing]")
    ).to_have_text('Camogli, "Test"')
    screenshot(page, "lighting-trend")

    page.get_by_test_id("lighting-trend-subject").select_option(f"municipality:{lighting.open1}")
    expect(page.get_by_test_id("lighting-trend-row")).to_have_count(3)  # 2026-03 is in the database, not certified
    assert page.evaluate(
        "Chart.getChart(document.querySelector('[data-testid=lighting-trend-chart]')).data.datasets[0].data"
    ) == [1234.567, 1100.5, 900.001]
    assert wallet.errors_except(*EXPECTED_ERRORS) == []


def test_the_dashboard_filters_charts_and_downloads_the_csv(wallet_page, lighting, app):
    wallet = visit(wallet_page, "/lighting-certifications.html")
    page = wallet.page
    page.get_by_test_id("lighting-filter-municipality").select_option(lighting.open2)
    page.get_by_test_id("lighting-filter-apply").click()
    expect(page.get_by_test_id("lighting-certification-row")).to_have_count(3)  # Q1 static, 2026-01, 2026-03
    expect(page.locator("[data-testid=lighting-certification-row][data-kind=monthly]")).to_have_count(2)
    towns = page.evaluate("Chart.getChart(document.querySelector('[data-testid=lighting-town-chart]')).data")
    assert (towns["labels"], towns["datasets"][0]["data"]) == (['Camogli, "Test"'], [1200.25])
    screenshot(page, "lighting-certifications")

    with page.expect_download() as download:
        page.get_by_test_id("lighting-csv").click()
    text = download.value.path().read_bytes().decode("utf-8")  # bytes: CRLF line ends kept
    expected = app.test_client().get(f"/api/lighting/certifications.csv?municipality={lighting.open2}")
    assert text == expected.get_data(as_text=True) and text.count("\r\n") == 4  # header + 3 rows
    assert download.value.suggested_filename == "lighting-certifications.csv"
    assert wallet.errors_except(*EXPECTED_ERRORS) == []


def test_a_reserved_municipality_appears_only_after_its_regional_administrator_signs_in(wallet_page, lighting):
    path = f"/lighting.html?municipality={lighting.reserved}"
    wallet = visit(wallet_page, path, lighting.accounts["regional_admin"])
    page = wallet.page
    expect(page.get_by_test_id("lighting-not-found")).to_be_visible()
    expect(page.get_by_test_id("lighting-municipality")).to_be_hidden()
    screenshot(page, "lighting-reserved-anonymous")

    page.get_by_test_id("lighting-sign-in").click()
    page.get_by_test_id("sign-in").click()  # the layout's sign-in panel: the one wallet signs the SIWE message
    expect(page.get_by_test_id("lighting-municipality-name")).to_have_text("Riservato Test", timeout=TIMEOUT)
    expect(page.get_by_test_id("wallet-address")).to_have_text(wallet.address)
    expect(
        page.locator("[data-testid=lighting-plant-row][data-code=R1] [data-testid=lighting-plant-check]")
    ).to_have_attribute("data-state", "certified")
    screenshot(page, "lighting-reserved-regional-admin")
    assert wallet.errors_except(*EXPECTED_ERRORS, f"/api/lighting/municipalities/{lighting.reserved}") == []


ITALIAN_TITLES = {
    "lighting": "Portofino Test",
    "lighting-trend": "Consumi mensili certificati",
    "lighting-certifications": "Transazioni di certificazione",
}


@pytest.mark.parametrize("view", ["lighting", "lighting-trend", "lighting-certifications"])
def test_each_view_fits_a_phone_screen_in_italian(wallet_page, lighting, view):
    query = {
        "lighting": f"?municipality={lighting.open1}",
        "lighting-trend": f"?region={lighting.region}",
        "lighting-certifications": "",
    }[view]
    wallet = wallet_page(Account.create(), viewport=PHONE, locale="it-IT")
    wallet.goto(f"/{view}.html{query}")
    expect(wallet.page.locator("body[data-ready=true]")).to_have_count(1, timeout=TIMEOUT)
    wallet.page.wait_for_load_state("networkidle")
    expect(wallet.page.locator("main h1:visible")).to_have_text(ITALIAN_TITLES[view])
    expect(wallet.page.get_by_test_id("lighting-sign-in")).to_have_text("Accedi (dataset riservati)")
    screenshot(wallet.page, f"{view}-phone")
    width = wallet.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{view} is {width} px wide on a {PHONE['width']} px phone"
    assert wallet.errors_except(*EXPECTED_ERRORS) == []
