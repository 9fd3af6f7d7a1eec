"""PELL-IP public lighting in the dApp's API (/api/lighting, /api/open-data/lighting): every route × audience
(not signed in, an account of the reserved municipality, an account of another municipality, the regional
administrator, a regional administrator of another region, an unrelated signed-in address), open versus
reserved, filters, pagination, the CSV, the trend's region sum and the dashboard's summary worked out by hand
from the rows below, and the live check turning "changed" after a plant row is altered in the database.

The fixture writes municipalities, plants, lamps, consumption and viewers through the ORM and certifies on the
real LightingCertification contract (the Platform Admin authorises itself as submitter), recording each mined
certification in pell_certifications with the contract's id, the transaction and the block's time.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from eth_account import Account
from eth_utils import keccak

from oracle.instants import from_unix
from tests.dapp.conftest import signed_in

_fixtures = itertools.count(0)


# ------------------------------------------------------------------ the fixture data


@dataclass
class Lighting:
    """Codes, viewers and the certifications recorded (certification id and tx hash by item)."""

    region: str
    other_region: str
    open1: str  # "Portofino Test": plants P1 (certified), P2 (never certified)
    open2: str  # 'Camogli, "Test"' (a comma and quotes, for the CSV): plant Q1
    reserved: str  # "Riservato Test", reserved, in `region`: plant R1
    elsewhere: str  # "Altrove Test", reserved, in `other_region`: plant S1
    accounts: dict = field(default_factory=dict)  # audience -> LocalAccount
    certified: dict = field(default_factory=dict)  # ("static", code, plant) | ("monthly", code, "YYYY-MM") -> row

    @property
    def codes(self) -> set[str]:
        return {self.open1, self.open2, self.reserved, self.elsewhere}


def _contract(ctx):
    return ctx.chain.contract("LightingCertification")


def certify(
    ctx, lighting: Lighting, municipality, *, plant=None, month: str | None = None, wh: int = 0, measurements: int = 0
):
    """Certifies on-chain (as the Platform Admin, authorised as the municipality's submitter) and records it."""
    from oracle.db.schema import PellCertification

    chain, contract = ctx.chain, _contract(ctx)
    code = municipality.istat_code
    digest, canonical = keccak(text=f"{code}/{month}/{wh}"), None  # a monthly dataset's hash: any will do here
    if plant is not None:
        canonical = static_record_text(ctx, code, plant.plant_code)
        digest = keccak(canonical.encode("utf-8"))  # the oracle's canonical hash: the live check says certified
        fn, event = contract.functions.certifyStatic(code, plant.plant_code, digest, 1), "StaticDataCertified"
    else:
        fn = contract.functions.certifyMonthly(code, int(month.replace("-", "")), wh, measurements, digest)
        event = "MonthlyConsumptionCertified"
    receipt = chain.send(fn, "platform_admin")
    args = chain.events(contract, event, receipt)[0]
    row = PellCertification(
        certification_id=args["id"],
        kind="static" if plant else "monthly",
        municipality_id=municipality.id,
        plant_id=plant.id if plant else None,
        month=date.fromisoformat(f"{month}-01") if month else None,
        dataset_hash=digest,
        consumption_wh=None if plant else Decimal(wh),
        measurements=None if plant else measurements,
        schema_version=1 if plant else None,
        previous_certification_id=args["previousId"] or None,
        submitter=args["submitter"],
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        block_number=receipt["blockNumber"],
        certified_at=from_unix(args["timestamp"]),
        canonical_record=canonical,
    )
    with ctx.session() as s:
        s.add(row)
    lighting.certified[("static", code, plant.plant_code) if plant else ("monthly", code, month)] = row
    return row


def static_record_text(ctx, code: str, plant_code: str) -> str:
    """The plant's static record in the oracle's canonical form (oracle.pell.canonical)."""
    from oracle.pell import data
    from oracle.pell.canonical import static_record_bytes

    with ctx.session() as s:
        municipality = data.municipality_by_code(s, code)
        plant = data.plant_by_code(s, municipality, plant_code)
        return static_record_bytes(data.static_record(s, municipality, plant)).decode("utf-8")


def _plant(s, municipality, code, pod, lamps, **extra):
    from oracle.db.schema import PellLamp, PellPlant

    plant = PellPlant(
        municipality_id=municipality.id,
        plant_code=code,
        pod=pod,
        latitude=Decimal("44.303000"),
        longitude=Decimal("9.209000"),
        electrical_panel=f"QE-{code}",
        control_system="dimming",
        **extra,
    )
    s.add(plant)
    s.flush()
    for technology, watts, count in lamps:
        s.add(PellLamp(plant_id=plant.id, technology=technology, unit_power_w=Decimal(watts), count=count))
    return plant


def build_lighting(ctx) -> Lighting:
    """Four municipalities in two regions, their plants and lamps, viewers, consumption and certifications."""
    from oracle.db.schema import PellConsumption, PellMunicipality, PellViewer

    n = next(_fixtures)
    lighting = Lighting(
        region=f"Liguria T{n}",
        other_region=f"Piemonte T{n}",
        open1=f"99{n:02d}01",
        open2=f"99{n:02d}02",
        reserved=f"99{n:02d}03",
        elsewhere=f"99{n:02d}04",
    )
    towns = {}
    with ctx.session() as s:
        for code, name, region, reserved in (
            (lighting.open1, "Portofino Test", lighting.region, False),
            (lighting.open2, 'Camogli, "Test"', lighting.region, False),
            (lighting.reserved, "Riservato Test", lighting.region, True),
            (lighting.elsewhere, "Altrove Test", lighting.other_region, True),
        ):
            towns[code] = PellMunicipality(istat_code=code, name=name, province="GE", region=region, reserved=reserved)
            s.add(towns[code])
        s.flush()
        plants = {
            "P1": _plant(s, towns[lighting.open1], "P1", "IT001E00000001", [("LED", "30", 10), ("HPS", "100", 5)]),
            "P2": _plant(s, towns[lighting.open1], "P2", "IT001E00000002", [("LED", "50.5", 4)]),
            "Q1": _plant(s, towns[lighting.open2], "Q1", "IT001E00000003", [("MH", "150", 2)]),
            "R1": _plant(s, towns[lighting.reserved], "R1", "IT001E00000004", [("LED", "40", 5)]),
            "S1": _plant(s, towns[lighting.elsewhere], "S1", "IT001E00000005", [("LED", "60", 3)]),
        }
        # consumption of a month nobody certified: the trend must never show it
        s.add(
            PellConsumption(
                plant_id=plants["P1"].id,
                period_start=datetime(2026, 3, 1, tzinfo=UTC),
                resolution="month",
                kwh=Decimal("999.999"),
            )
        )
        for audience, scope in (
            ("municipality", {"municipality_id": towns[lighting.reserved].id}),
            ("other_municipality", {"municipality_id": towns[lighting.open2].id}),
            ("regional_admin", {"region": lighting.region}),
            ("other_regional_admin", {"region": lighting.other_region}),
        ):
            lighting.accounts[audience] = Account.create()
            s.add(PellViewer(address=lighting.accounts[audience].address, **scope))
        lighting.accounts["member"] = Account.create()
        s.flush()
        s.expunge_all()  # kept readable after the session ends
    _certify_all(ctx, lighting, towns, plants)
    return lighting


def _certify_all(ctx, lighting: Lighting, towns: dict, plants: dict) -> None:
    """Four static records and eight months (one re-certified) on-chain, as the Platform Admin."""
    chain, admin = ctx.chain, ctx.keyring.address("platform_admin")
    for code in lighting.codes:
        chain.send(_contract(ctx).functions.setSubmitter(code, admin, True), "platform_admin")
    for plant, town in (
        ("P1", lighting.open1),
        ("Q1", lighting.open2),
        ("R1", lighting.reserved),
        ("S1", lighting.elsewhere),
    ):
        certify(ctx, lighting, towns[town], plant=plants[plant])
    for town, month, wh in (
        (lighting.open1, "2026-01", 1_234_567),
        (lighting.open1, "2026-02", 1_000_000),
        (lighting.open1, "2026-02", 1_100_500),  # re-certified: the latest counts
        (lighting.open1, "2026-04", 900_001),
        (lighting.open2, "2026-01", 500_000),
        (lighting.open2, "2026-03", 700_250),
        (lighting.reserved, "2026-01", 100_000),
        (lighting.elsewhere, "2026-01", 42_000),
    ):
        certify(ctx, lighting, towns[town], month=month, wh=wh, measurements=30)


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def lighting(base_ctx) -> Lighting:
    return build_lighting(base_ctx)


@pytest.fixture(scope="module")
def lighting_app(base_ctx):
    from dapp_backend.app import create_app
    from dapp_backend.context import EXTENSION

    application = create_app(base_ctx.settings, testing=True)
    application.extensions[EXTENSION].__dict__["database_url"] = base_ctx.database_url
    return application


AUDIENCES = ["anonymous", "municipality", "other_municipality", "regional_admin", "other_regional_admin", "member"]


@pytest.fixture(scope="module")
def clients(lighting_app, lighting):
    """A test client per audience, signed in once."""
    result = {"anonymous": lighting_app.test_client()}
    for audience in AUDIENCES[1:]:
        result[audience] = signed_in(lighting_app.test_client(), lighting.accounts[audience])
    return result


def get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True))
    return response.get_json() if response.is_json else response.get_data(as_text=True)


def sees_reserved(audience: str) -> bool:
    return audience in ("municipality", "regional_admin")


def sees_elsewhere(audience: str) -> bool:
    return audience == "other_regional_admin"


# ------------------------------------------------------------------ visibility, route × audience


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_municipality_list_holds_open_ones_and_the_reserved_ones_the_audience_views(clients, lighting, audience):
    items = get(clients[audience], "/api/lighting/municipalities?per_page=200")["items"]
    mine = {m["code"] for m in items} & lighting.codes
    expected = {lighting.open1, lighting.open2}
    expected |= {lighting.reserved} if sees_reserved(audience) else set()
    expected |= {lighting.elsewhere} if sees_elsewhere(audience) else set()
    assert mine == expected


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("route", ["", "/plants", "/trend"])
def test_a_reserved_municipality_is_404_like_an_unknown_code_for_all_but_its_viewers(
    clients, lighting, audience, route
):
    response = clients[audience].get(f"/api/lighting/municipalities/{lighting.reserved}{route}")
    if sees_reserved(audience):
        assert response.status_code == 200, response.get_json()
        return
    unknown = clients[audience].get(f"/api/lighting/municipalities/000000{route}")
    assert response.status_code == unknown.status_code == 404
    assert response.get_json() == {
        "error": f"there is no municipality with ISTAT code '{lighting.reserved}' you may see",
        "field": "code",
    }
    assert unknown.get_json()["error"] == response.get_json()["error"].replace(lighting.reserved, "000000")


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("route", ["", "/plants", "/trend"])
def test_an_open_municipality_answers_everyone(clients, lighting, audience, route):
    get(clients[audience], f"/api/lighting/municipalities/{lighting.open1}{route}")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_open_data_never_shows_a_reserved_dataset_even_to_its_viewers(clients, lighting, audience):
    client = clients[audience]
    listed = {m["code"] for m in get(client, "/api/open-data/lighting/municipalities?per_page=200")["items"]}
    assert listed & lighting.codes == {lighting.open1, lighting.open2}
    get(client, f"/api/open-data/lighting/municipalities/{lighting.reserved}", 404)
    certs = get(client, "/api/open-data/lighting/certifications?per_page=200")["items"]
    assert {c["municipality"] for c in certs} & lighting.codes == {lighting.open1, lighting.open2}


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_certification_list_and_csv_leave_out_what_the_audience_may_not_see(clients, lighting, audience):
    client = clients[audience]
    listed = {c["municipality"] for c in get(client, "/api/lighting/certifications?per_page=200")["items"]}
    rows = csv.DictReader(io.StringIO(get(client, "/api/lighting/certifications.csv")))
    in_csv = {row["municipality_code"] for row in rows}
    expected = {lighting.open1, lighting.open2}
    expected |= {lighting.reserved} if sees_reserved(audience) else set()
    expected |= {lighting.elsewhere} if sees_elsewhere(audience) else set()
    assert listed & lighting.codes == in_csv & lighting.codes == expected


# ------------------------------------------------------------------ the municipality page's numbers


def test_municipality_totals_by_hand(clients, lighting):
    body = get(clients["anonymous"], f"/api/lighting/municipalities/{lighting.open1}")
    # P1: LED 30 W x 10 + HPS 100 W x 5 = 800 W; P2: LED 50.5 W x 4 = 202 W -> 1002 W; LED 14 of 19 lamps
    assert body == {
        "code": lighting.open1,
        "name": "Portofino Test",
        "province": "GE",
        "region": lighting.region,
        "reserved": False,
        "plants": 2,
        "lamps": 19,
        "installedKw": "1.002",
        "ledSharePercent": "73.7",
    }
    other = get(clients["anonymous"], f"/api/lighting/municipalities/{lighting.open2}")
    assert (other["installedKw"], other["ledSharePercent"]) == ("0.300", "0.0")  # MH 150 W x 2, no LED


def test_plants_with_lamps_and_the_certification_of_each(clients, lighting):
    page = get(clients["anonymous"], f"/api/lighting/municipalities/{lighting.open1}/plants")
    assert (page["total"], [p["code"] for p in page["items"]]) == (2, ["P1", "P2"])
    p1, p2 = page["items"]
    assert (p1["pod"], p1["latitude"], p1["longitude"], p1["electricalPanel"], p1["controlSystem"]) == (
        "IT001E00000001",
        44.303,
        9.209,
        "QE-P1",
        "dimming",
    )
    assert p1["lamps"] == [
        {"technology": "HPS", "unitPowerW": "100.00", "count": 5, "installedKw": "0.500"},
        {"technology": "LED", "unitPowerW": "30.00", "count": 10, "installedKw": "0.300"},
    ]
    assert (p1["lampCount"], p1["installedKw"], p1["ledSharePercent"]) == (15, "0.800", "66.7")
    row = lighting.certified[("static", lighting.open1, "P1")]
    assert p1["certification"] == {
        "id": row.certification_id,
        "txHash": row.tx_hash,
        "blockNumber": row.block_number,
        "certifiedAt": row.certified_at.astimezone(UTC).isoformat(),
        "datasetHash": "0x" + row.dataset_hash.hex(),
    }
    assert p1["check"]["state"] == "certified"
    assert (p2["certification"], p2["check"]["state"]) == (None, "never certified")
    second = get(clients["anonymous"], f"/api/lighting/municipalities/{lighting.open1}/plants?per_page=1&page=2")
    assert (second["total"], second["page"], [p["code"] for p in second["items"]]) == (2, 2, ["P2"])


# ------------------------------------------------------------------ the trend of certified consumption


def test_the_municipality_trend_shows_certified_months_only_with_the_latest_figure(clients, lighting):
    body = get(clients["anonymous"], f"/api/lighting/municipalities/{lighting.open1}/trend")
    # 2026-03 has 999.999 kWh in the database but no certification: not shown; 2026-02 was re-certified
    assert [(m["month"], m["consumptionKwh"]) for m in body["months"]] == [
        ("2026-01", "1234.567"),
        ("2026-02", "1100.500"),
        ("2026-04", "900.001"),
    ]
    feb = lighting.certified[("monthly", lighting.open1, "2026-02")]
    assert (body["months"][1]["certificationId"], body["months"][1]["txHash"]) == (feb.certification_id, feb.tx_hash)


def _region(clients, audience, region):
    return get(clients[audience], f"/api/lighting/regions/{region}/trend")


def test_the_region_sums_the_open_municipalities_for_an_anonymous_visitor(clients, lighting):
    body = _region(clients, "anonymous", lighting.region)
    o1, o2 = lighting.open1, lighting.open2  # by name: 'Camogli, "Test"' (o2) before "Portofino Test" (o1)
    assert [m["code"] for m in body["municipalities"]] == [o2, o1]
    assert body["months"] == [
        {"month": "2026-01", "consumptionKwh": "1734.567", "certified": [o2, o1], "missing": []},  # 1234.567 + 500
        {"month": "2026-02", "consumptionKwh": "1100.500", "certified": [o1], "missing": [o2]},
        {"month": "2026-03", "consumptionKwh": "700.250", "certified": [o2], "missing": [o1]},
        {"month": "2026-04", "consumptionKwh": "900.001", "certified": [o1], "missing": [o2]},
    ]


def test_the_regional_administrator_s_region_sum_includes_the_reserved_municipality(clients, lighting):
    body = _region(clients, "regional_admin", lighting.region)
    o1, o2, r = lighting.open1, lighting.open2, lighting.reserved
    assert body["months"][0] == {
        "month": "2026-01",
        "consumptionKwh": "1834.567",  # + 100.000 of the reserved one
        "certified": [o2, o1, r],
        "missing": [],
    }
    assert body["months"][1] == {
        "month": "2026-02",
        "consumptionKwh": "1100.500",
        "certified": [o1],
        "missing": [o2, r],
    }
    assert _region(clients, "other_regional_admin", lighting.region) == _region(clients, "anonymous", lighting.region)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_region_of_reserved_municipalities_only_is_404_to_those_who_see_none(clients, lighting, audience):
    response = clients[audience].get(f"/api/lighting/regions/{lighting.other_region}/trend")
    if sees_elsewhere(audience):
        assert response.get_json()["months"] == [
            {"month": "2026-01", "consumptionKwh": "42.000", "certified": [lighting.elsewhere], "missing": []}
        ]
    else:
        assert response.status_code == 404 and response.get_json()["field"] == "region"


# ------------------------------------------------------------------ the dashboard: list, filters, summary, CSV


def test_filters_and_pagination_of_the_certification_list(clients, lighting):
    client = clients["anonymous"]
    base = f"/api/lighting/certifications?municipality={lighting.open1}"
    every = get(client, base)
    assert every["total"] == 5  # P1 static + 2026-01, 2026-02 twice, 2026-04
    ids = [c["id"] for c in every["items"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    monthly = get(client, base + "&kind=monthly")["items"]
    assert [c["month"] for c in monthly] == ["2026-04", "2026-02", "2026-02", "2026-01"]
    assert monthly[1]["previousId"] == monthly[2]["id"]  # the re-certification links to the first
    static = get(client, base + "&kind=static")["items"]
    assert [(c["plant"], c["month"], c["consumptionKwh"]) for c in static] == [("P1", None, None)]
    page2 = get(client, base + "&per_page=2&page=2")
    assert (page2["total"], [c["id"] for c in page2["items"]]) == (5, ids[2:4])
    today = datetime.now(UTC).date()
    assert get(client, base + f"&from={today}&to={today}")["total"] == 5  # certified today (block time, UTC)
    assert get(client, base + f"&to={today - timedelta(days=1)}")["total"] == 0
    assert get(client, base + f"&from={today + timedelta(days=1)}")["total"] == 0


@pytest.mark.parametrize(
    "query, field",
    [
        ("kind=yearly", "kind"),
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("municipality=GE", "municipality"),
        ("per_page=0", "per_page"),
        ("from=2026-02-02&to=2026-02-01", "to"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(clients, query, field):
    for path in (
        "/api/lighting/certifications",
        "/api/lighting/certifications.csv",
        "/api/open-data/lighting/certifications",
    ):
        if field == "per_page" and path.endswith(".csv"):
            continue  # the CSV is not paginated
        response = clients["anonymous"].get(f"{path}?{query}")
        assert response.status_code == 400 and response.get_json()["field"] == field, response.get_json()


def test_the_extreme_dates_bound_nothing(clients, lighting):
    base = f"/api/lighting/certifications?municipality={lighting.open1}"
    assert get(clients["anonymous"], base + "&from=0001-01-01&to=9999-12-31")["total"] == 5
    assert (
        get(clients["anonymous"], base.replace("certifications?", "certifications.csv?") + "&to=9999-12-31").count(
            "\r\n"
        )
        == 6
    )  # header + 5


def test_the_csv_of_a_municipality_by_hand(clients, lighting):
    response = clients["anonymous"].get(f"/api/lighting/certifications.csv?municipality={lighting.open2}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="lighting-certifications.csv"'
    static = lighting.certified[("static", lighting.open2, "Q1")]
    jan = lighting.certified[("monthly", lighting.open2, "2026-01")]
    mar = lighting.certified[("monthly", lighting.open2, "2026-03")]

    def line(row, *middle):
        return ",".join(
            [
                str(row.certification_id),
                *middle,
                "0x" + row.dataset_hash.hex(),
                *(["1", ""] if row.kind == "static" else ["", ""]),
                row.submitter,
                row.tx_hash,
                str(row.block_number),
                row.certified_at.astimezone(UTC).isoformat(),
            ]
        )

    name = f'{lighting.open2},"Camogli, ""Test""",{lighting.region}'  # RFC 4180: quoted, quotes doubled
    assert response.get_data().decode("utf-8") == "\r\n".join(
        [
            "certification_id,kind,municipality_code,municipality_name,region,plant_code,month,consumption_kwh,"
            "measurements,dataset_hash,schema_version,previous_certification_id,submitter,tx_hash,block_number,"
            "certified_at",
            line(static, "static", name, "Q1", "", "", ""),
            line(jan, "monthly", name, "", "2026-01", "500.000", "30"),
            line(mar, "monthly", name, "", "2026-03", "700.250", "30"),
            "",
        ]
    )


def test_the_dashboard_summary_by_hand(clients, lighting):
    client = clients["anonymous"]
    mine = [
        t
        for t in get(client, "/api/lighting/certifications/summary")["perMunicipality"]
        if t["municipality"] in lighting.codes
    ]
    assert mine == [  # by name; Portofino: 1234.567 + 1100.500 (latest of 2026-02) + 900.001
        {"municipality": lighting.open2, "name": 'Camogli, "Test"', "certifications": 3, "consumptionKwh": "1200.250"},
        {"municipality": lighting.open1, "name": "Portofino Test", "certifications": 5, "consumptionKwh": "3235.068"},
    ]
    one = get(client, f"/api/lighting/certifications/summary?municipality={lighting.open1}")
    month = datetime.now(UTC).strftime("%Y-%m")  # every fixture certification was mined now
    assert one["perMonth"] == [{"month": month, "static": 1, "monthly": 4}]
    admin = get(clients["regional_admin"], f"/api/lighting/certifications/summary?municipality={lighting.reserved}")
    assert admin["perMunicipality"] == [
        {"municipality": lighting.reserved, "name": "Riservato Test", "certifications": 2, "consumptionKwh": "100.000"}
    ]
    hidden = get(client, f"/api/lighting/certifications/summary?municipality={lighting.reserved}")
    assert hidden == {"perMonth": [], "perMunicipality": []}


# ------------------------------------------------------------------ open data


def test_the_open_data_municipality_dataset(clients, lighting):
    body = get(clients["anonymous"], f"/api/open-data/lighting/municipalities/{lighting.open1}?per_page=1")
    assert (body["code"], body["installedKw"], body["reserved"]) == (lighting.open1, "1.002", False)
    assert (body["plantsPage"]["total"], [p["code"] for p in body["plantsPage"]["items"]]) == (2, ["P1"])
    assert "check" not in body["plantsPage"]["items"][0]  # open data is the dataset, not the live check
    assert [(m["month"], m["consumptionKwh"]) for m in body["monthlyConsumption"]] == [
        ("2026-01", "1234.567"),
        ("2026-02", "1100.500"),
        ("2026-04", "900.001"),
    ]


def test_the_open_data_routes_are_documented(lighting_app):
    paths = lighting_app.test_client().get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/open-data/lighting/municipalities",
        "/api/open-data/lighting/municipalities/{code}",
        "/api/open-data/lighting/certifications",
        "/api/lighting/certifications.csv",
        "/api/lighting/regions/{region}/trend",
        "/api/lighting/municipalities/{code}/plants",
    ):
        assert "get" in paths[path], path
    assert "text/csv" in paths["/api/lighting/certifications.csv"]["get"]["responses"]["200"]["content"]


# ------------------------------------------------------------------ the live check


def test_the_live_check_turns_changed_after_a_plant_row_is_altered(clients, lighting, base_ctx):
    from sqlalchemy import select, update

    from oracle.db.schema import PellMunicipality, PellPlant

    path = f"/api/lighting/municipalities/{lighting.open2}/plants"
    row = lighting.certified[("static", lighting.open2, "Q1")]

    def q1():
        return get(clients["anonymous"], path)["items"][0]

    assert q1()["check"]["state"] == "certified"
    with base_ctx.session() as s:
        town = s.scalar(select(PellMunicipality.id).where(PellMunicipality.istat_code == lighting.open2))
        where = (PellPlant.municipality_id == town, PellPlant.plant_code == "Q1")
        s.execute(update(PellPlant).where(*where).values(electrical_panel="QE-altered"))
    try:
        changed = q1()
        assert changed["electricalPanel"] == "QE-altered"
        assert changed["check"]["state"] == "changed"
        assert f"changed since certification on {row.certified_at.strftime('%Y-%m-%d')}" in changed["check"]["detail"]
        assert changed["certification"]["id"] == row.certification_id  # still the certification it had
    finally:
        with base_ctx.session() as s:
            s.execute(update(PellPlant).where(*where).values(electrical_panel="QE-Q1"))
    assert q1()["check"]["state"] == "certified"
