"""The static frontend served by Flask: pages, scripts (as JavaScript modules), styles, vendored libraries,
a strict Content-Security-Policy, 404 for unknown pages and for paths leaving the frontend's folders."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from eth_utils import to_checksum_address

from dapp_backend.blueprints.web import FRONTEND, content_security_policy

PAGES = sorted(path.stem for path in FRONTEND.glob("*.html"))  # every page: none may carry an inline script


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_the_pages_of_every_audience_exist():
    assert {"index", "member"} <= set(PAGES)


def test_home_is_index_html(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data() == (FRONTEND / "index.html").read_bytes()


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_served_with_their_module_and_no_inline_script(client, page):
    response = client.get(f"/{page}.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all(body == "" and ' src="/' in attributes for attributes, body in scripts)  # script-src 'self'
    assert (f' type="module" src="/js/pages/{page}.js"', "") in scripts
    assert " style=" not in html and "<style" not in html  # style-src 'self'
    assert client.get(f"/js/pages/{page}.js").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/js/lib/api.js",
        "/js/lib/i18n.js",
        "/js/lib/wallet.js",
        "/js/lib/platform.js",
        "/js/lib/session.js",
        "/js/lib/tx.js",
        "/js/lib/errors.js",
        "/js/lib/layout.js",
        "/js/lib/units.js",
        "/js/actions/pay-service.js",
        "/js/pages/member.js",
    ],
)
def test_scripts_are_javascript(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_styles_are_css(client):
    response = client.get("/css/app.css")
    assert response.status_code == 200 and response.mimetype == "text/css"


@pytest.mark.skipif(not (FRONTEND / "vendor" / "ethers.min.js").exists(), reason="make setup copies vendor/")
def test_vendored_libraries_are_served(client):
    ethers = client.get("/vendor/ethers.min.js")
    assert ethers.status_code == 200
    assert ethers.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert client.get("/vendor/chart.umd.min.js").status_code == 200


def test_content_security_policy_allows_only_this_server_and_the_rpc(client, app):
    from dapp_backend.context import lec
    from dapp_backend.services.platform import public_rpc_url

    with app.app_context():
        rpc = public_rpc_url(lec())
    origin = "/".join(rpc.split("/")[:3])
    for path in ("/", "/member.html", "/js/lib/api.js", "/api/platform"):
        directives = policy(client.get(path))
        assert directives["script-src"] == "'self'"
        assert directives["default-src"] == "'self'"
        assert directives["connect-src"] == f"'self' {origin}"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in str(directives) and "unsafe-eval" not in str(directives)


def test_content_security_policy_without_a_usable_rpc_url_is_self_only():
    assert "connect-src 'self';" in content_security_policy(None)
    assert "connect-src 'self';" in content_security_policy("ipc:///tmp/geth.ipc")
    assert "connect-src 'self' https://rpc.example.org;" in content_security_policy("https://rpc.example.org/x?y=1")


@pytest.mark.parametrize(
    "path", ["/nothing.html", "/Member.html", "/js/lib/nothing.js", "/css/none.css", "/vendor/none.js"]
)
def test_unknown_files_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/js/../index.html",
        "/js/..%2f..%2fpyproject.toml",
        "/js/%2e%2e/%2e%2e/README.md",
        "/css/../../dapp_backend/app.py",
        "/vendor/..%2F..%2Fdapp_backend%2Fconfig.py",
        "/..%2fpyproject.toml.html",
        "/js//etc/passwd",
        "/js/%2fetc%2fpasswd",
    ],
)
def test_paths_leaving_the_frontend_are_refused(client, path):
    response = client.get(path, follow_redirects=True)  # "//" is merged by a redirect first
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "[project]" not in body and "create_app" not in body and "root:" not in body


def test_api_404_stays_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.is_json


# ------------------------------------------------------------------ the shared library (js/lib) under node

NODE_DRIVER = r"""
import { readFileSync, writeFileSync } from "node:fs";
const [lib, platformPath, outPath] = process.argv.slice(2);
globalThis.navigator = { language: "en-GB" };
globalThis.document = { documentElement: {}, querySelectorAll: () => [] };
globalThis.window = { dispatchEvent() {}, location: { host: "localhost", origin: "http://localhost" } };
const platform = JSON.parse(readFileSync(platformPath, "utf-8"));
globalThis.fetch = async () => ({ ok: true, status: 200, json: async () => platform });

const units = await import(`${lib}/units.js`);
const i18n = await import(`${lib}/i18n.js`);
const session = await import(`${lib}/session.js`);
const { loadPlatform, platformInterfaces } = await import(`${lib}/platform.js`);
const errors = await import(`${lib}/errors.js`);
await loadPlatform();

const names = [...new Set(platformInterfaces().slice(0, 1).concat(platformInterfaces().filter((i) =>
  i.getError("InvalidProof"))).flatMap((i) => i.fragments.filter((f) => f.type === "error").map((f) => f.name)))];
const iface = platformInterfaces()[0];
const receiver = "0x1234567890AbcdEF1234567890aBcdef12345678";
const refused = { code: "CALL_EXCEPTION", info: { error: { data:
  iface.encodeErrorResult("ReceiverNotMember", [receiver]) } } };
const poor = { code: "CALL_EXCEPTION", data: iface.encodeErrorResult("ERC20InsufficientBalance",
  [receiver, 1500000000000000000n, 10n ** 19n]) };
function refusal(call) {
  try { call(); return "accepted"; } catch (e) { return e.name; }
}
const out = { units: {
    parsed: String(units.toBaseUnits("12,5")), tiny: String(units.toBaseUnits("0.000000000000000001")),
    back: units.fromBaseUnits("-100500000000000000000"), bps: units.bpsToPercent(150),
    tooPrecise: refusal(() => units.toBaseUnits("1.0000000000000000001")),
    notAmount: refusal(() => units.toBaseUnits("1e5")) },
  siwe: session.siweMessage(JSON.parse(process.env.SIWE_FIELDS)), missing: {}, said: {} };
for (const lang of ["en", "it"]) {
  i18n.setLanguage(lang);
  out.missing[lang] = names.filter((n) => i18n.t(`error.${n}`) === `error.${n}`);
  out.said[lang] = { refused: errors.describeError(refused), poor: errors.describeError(poor),
    cancelled: errors.describeError({ code: 4001 }), rejected: errors.describeError({ code: "ACTION_REJECTED" }),
    nested: errors.describeError({ info: { error: { code: 4001, message: "User denied" } } }),
    network: errors.describeError(new errors.WrongNetworkError(1, 31337)),
    tokens: i18n.formatTokens("1234567123456789000000000", "LEC"), small: i18n.formatTokens("500000000000000", "LEC"),
    negative: i18n.formatTokens("-100500000000000000000", ""), kwh: i18n.formatKwh(1250),
    pct: i18n.formatPercent(12.345), number: i18n.formatNumber(1234.5) };
}
out.errorCount = names.length;
writeFileSync(outPath, JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory, base_ctx):
    """The shared library run in node (a stubbed document and fetch answering /api/platform)."""
    import json
    import shutil
    import subprocess

    from dapp_backend.app import create_app
    from dapp_backend.context import EXTENSION

    app = create_app(base_ctx.settings, testing=True)
    app.extensions[EXTENSION].__dict__["database_url"] = base_ctx.database_url
    folder = tmp_path_factory.mktemp("node")
    (folder / "platform.json").write_text(json.dumps(app.test_client().get("/api/platform").get_json()))
    (folder / "driver.mjs").write_text(NODE_DRIVER)
    env = {"PATH": "/usr/bin:/bin", "SIWE_FIELDS": json.dumps(SIWE_FIELDS)}
    done = subprocess.run(
        [
            shutil.which("node") or "node",
            "--no-warnings",
            str(folder / "driver.mjs"),
            (FRONTEND / "js" / "lib").as_uri(),
            str(folder / "platform.json"),
            str(folder / "out.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((folder / "out.json").read_text())


SIWE_FIELDS = {
    "domain": "localhost",
    "address": to_checksum_address("0x" + "ab" * 20),
    "statement": "Sign in to the LEC platform.",
    "uri": "http://localhost/",
    "version": "1",
    "chainId": 31337,
    "nonce": "0123456789abcdef0123456789abcdef",
    "issuedAt": "2026-12-05T08:00:00.000Z",
    "expirationTime": "2026-12-05T08:10:00.000Z",
}


def test_amounts_typed_by_a_person_become_exact_base_units(library):
    assert library["units"] == {
        "parsed": str(125 * 10**17),
        "tiny": "1",
        "back": "-100.5",
        "bps": 1.5,
        "tooPrecise": "RangeError",
        "notAmount": "RangeError",
    }


def test_the_sign_in_text_is_the_eip4361_template_the_server_parses(library):
    from datetime import datetime

    from tests.dapp.conftest import siwe_text

    expected = siwe_text(
        SIWE_FIELDS["address"],
        SIWE_FIELDS["nonce"],
        issued_at=datetime(2026, 12, 5, 8, 0, tzinfo=UTC),
        expiration=datetime(2026, 12, 5, 8, 10, tzinfo=UTC),
    )
    assert library["siwe"] == expected


def test_a_login_with_the_browsers_text_opens_a_session(client):
    """signIn's text, for a fresh nonce and now, signed as personal_sign does: 200 and the address."""
    import json
    import shutil
    import subprocess
    from datetime import datetime, timedelta

    from eth_account import Account

    from tests.dapp.conftest import new_nonce, sign

    account = Account.create()
    now = datetime.now(UTC)
    iso = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
    fields = dict(
        SIWE_FIELDS,
        address=account.address,
        nonce=new_nonce(client),
        issuedAt=iso(now),
        expirationTime=iso(now + timedelta(minutes=10)),
    )
    script = (
        f"const {{ siweMessage }} = await import({json.dumps((FRONTEND / 'js/lib/session.js').as_uri())});"
        f"process.stdout.write(siweMessage({json.dumps(fields)}));"
    )
    stubs = "globalThis.window = {location: {}}; globalThis.document = {}; "
    done = subprocess.run(
        [shutil.which("node") or "node", "--no-warnings", "--input-type=module", "-e", stubs + script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    message = done.stdout
    response = client.post("/api/auth/login", json={"message": message, "signature": sign(message, account.key)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"address": account.address}


def test_every_custom_error_of_the_token_and_the_notary_has_a_sentence_in_both_languages(library):
    assert library["errorCount"] >= 70  # CommunityToken's and ConsumptionNotary's, OpenZeppelin's included
    assert library["missing"] == {"en": [], "it": []}


def test_failures_are_sentences_in_the_readers_language(library):
    en, it = library["said"]["en"], library["said"]["it"]
    assert en["refused"] == (
        "The contract refused the transaction: the receiver (0x1234…5678) is not a member of this community."
    )
    assert it["refused"] == (
        "Il contratto ha rifiutato la transazione: il destinatario (0x1234…5678) non è un membro di questa comunità."
    )
    assert en["poor"] == "The contract refused the transaction: your balance (1.5) is less than the 10 needed."
    assert it["poor"] == "Il contratto ha rifiutato la transazione: il tuo saldo (1,5) è inferiore ai 10 necessari."
    for said, word in ((en, "Cancelled."), (it, "Annullato.")):
        assert said["cancelled"] == said["rejected"] == said["nested"] == word
    assert en["network"] == (
        "Your wallet is on chain 1, but the platform runs on chain 31337: switch network and try again."
    )
    assert it["network"].startswith("Il portafoglio è sulla rete 1, ma la piattaforma usa la rete 31337")


def test_numbers_energy_and_tokens_in_the_readers_locale(library):
    en, it = library["said"]["en"], library["said"]["it"]
    # 1,234,567.123456789 tokens: cut (never rounded up) at 6 decimals
    assert (en["tokens"], it["tokens"]) == ("1,234,567.123456 LEC", "1.234.567,123456 LEC")
    assert (en["small"], it["small"]) == ("0.0005 LEC", "0,0005 LEC")
    assert (en["negative"], it["negative"]) == ("−100.5", "−100,5")
    assert (en["kwh"], it["kwh"]) == ("1.25 kWh", "1,25 kWh")
    assert (en["pct"], it["pct"]) == ("12.3 %", "12,3 %")
    assert (en["number"], it["number"]) == ("1,234.5", "1234,5")
