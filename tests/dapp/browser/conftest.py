"""Browser end-to-end fixtures: the dApp served on a free port for the session, one headless Chromium for the
session, and pages whose wallet is an injected EIP-1193 provider (wallet.js, on ethers 6) holding a test key.

    from tests.dapp.browser.conftest import PHONE, fund, screenshot

    def test_something(wallet_page, rewarded, base_ctx):
        fund(base_ctx, rewarded.anna.address)              # ETH on anvil (gas is free there, but to be sure)
        wallet = wallet_page(rewarded.anna)                # new context + page, the wallet holds anna's key
        # options: chain_id=1 (the wallet starts on another chain), knows_platform_chain=False (switching
        # answers 4902 until the page adds the chain), viewport=PHONE, locale="it-IT"
        wallet.sign_in()                                   # SIWE through the injected wallet (no UI)
        wallet.goto(f"/member.html?token={rewarded.token}")
        wallet.reject_next("eth_sendTransaction")          # the person presses Reject (code 4001)
        expect(wallet.page.get_by_test_id("...")).to_have_text("...")
        assert wallet.calls("wallet_watchAsset")[0]["params"]["options"]["symbol"] == "..."
        assert wallet.errors == []                         # console errors and uncaught page errors
        screenshot(wallet.page, "member")                  # reports/screenshots/member.png

wallet.page / .context / .account / .address / .base_url; live_server is the base URL; browser the Chromium.

Run: python -m pytest tests/dapp/browser -p no:pytest-brownie -q
"""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.dapp.conftest import CHAIN_ID, Rewarded, make_rewarded, siwe_text
from tests.oracle.conftest import free_port

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ETHERS_UMD = ROOT / "dapp_frontend" / "vendor" / "ethers.umd.min.js"
WALLET_JS = Path(__file__).with_name("wallet.js")
SCREENSHOTS = ROOT / "reports" / "screenshots"
BLANK = "/__blank__.html"
BLANK_HTML = '<!doctype html><html><head><link rel="icon" href="data:,"><title>blank</title></head><body></body></html>'
PHONE = {"width": 375, "height": 740}
ICON = (
    "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAz"
    "MiI+PGNpcmNsZSBjeD0iMTYiIGN5PSIxNiIgcj0iMTQiIGZpbGw9IiMyYTdhZTIiLz48L3N2Zz4="
)
# Every browser test signs in from 127.0.0.1: the production limits (30 sign-ins a minute per IP) would
# refuse a fast suite, so the live server counts more generously; the limits are tested in tests/dapp/test_auth.py.
GENEROUS_LIMITS = {
    "SIGNIN_LIMIT_PER_IP": "1000 per minute",
    "SIGNIN_LIMIT_PER_ADDRESS": "1000 per minute",
    "NONCE_LIMIT_PER_IP": "1000 per minute",
}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request would drown pytest's output
        pass


@pytest.fixture(scope="session")
def rewarded(base_ctx, tmp_path_factory) -> Rewarded:
    """The browser tests' own community with epoch 1 paid (they pay and claim in it; the API tests' stays as
    worked out by hand)."""
    return make_rewarded(base_ctx, tmp_path_factory.mktemp("browser-rewarded"))


@pytest.fixture(scope="session")
def live_server(base_ctx):
    """The dApp on 127.0.0.1:<free port> in a background thread; yields its base URL (no trailing slash).
    CSRF is enforced as in production; cookies are not Secure (plain http, as the embedded setup)."""
    from dapp_backend.app import create_app
    from dapp_backend.context import EXTENSION

    app = create_app(base_ctx.settings, testing=True)
    app.extensions[EXTENSION].__dict__["database_url"] = base_ctx.database_url
    app.config.update(GENEROUS_LIMITS)
    assert app.config.get("WTF_CSRF_ENABLED", True), "the live server must check CSRF as production does"
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="dapp-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wallet_script(account: LocalAccount, rpc_url: str, *, chain_id: int, known_chains: list[int]) -> str:
    """ethers' UMD build kept out of the page's globals (it sees a CommonJS `exports`), then wallet.js."""
    config = {
        "privateKey": "0x" + account.key.hex().removeprefix("0x"),
        "rpcUrl": rpc_url,
        "rpcChainId": CHAIN_ID,
        "chainId": chain_id,
        "knownChains": known_chains,
        "uuid": str(uuid.uuid4()),
        "icon": ICON,
    }
    return "\n".join(
        [
            "(() => {",
            f"const __walletConfig = {json.dumps(config)};",
            "const __walletEthers = (function () { var exports = {}; var module = { exports: exports };",
            ETHERS_UMD.read_text(),
            "return exports; })();",
            WALLET_JS.read_text(),
            "})();",
        ]
    )


@dataclass
class WalletPage:
    """A browser context + page whose injected wallet holds `account`'s key."""

    page: Page
    context: BrowserContext
    account: LocalAccount
    base_url: str
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions, in order

    @property
    def address(self) -> str:
        return self.account.address

    def errors_except(self, *url_parts: str) -> list[str]:
        """`errors` without the ones naming a URL that contains one of `url_parts` (e.g. the expected 401 of
        /api/me before signing in, which Chromium logs as a failed resource)."""
        return [e for e in self.errors if not any(part in e for part in url_parts)]

    def goto(self, path: str = "/"):
        return self.page.goto(self.base_url + path)

    def goto_blank(self):
        """An empty HTML page on the dApp's origin (answered by the browser context, not the server)."""
        return self.goto(BLANK)

    def calls(self, method: str | None = None) -> list[dict]:
        """The wallet's requests [{method, params}] on this origin (kept across navigations)."""
        calls = self.page.evaluate("window.__walletCalls || []")
        return [c for c in calls if method is None or c["method"] == method]

    def reject_next(self, method: str | None = None):
        """The next prompt (connect, sign, send, switch, add, watch), or the next request of `method`
        (e.g. "personal_sign"), is refused with code 4001 as when the person presses Reject."""
        self.page.evaluate("(method) => { window.__testWallet.rejectNext = method || true; }", method)

    def sign_in(self) -> str:
        """Connects and signs in with SIWE through the injected wallet (no page UI): for tests about other pages.
        The session cookie lands in this context. Returns the signed-in address."""
        if not self.page.url.startswith(self.base_url):
            self.goto(BLANK)
        nonce = self.page.evaluate("fetch('/api/auth/nonce').then(r => r.json()).then(j => j.nonce)")
        host = self.base_url.split("://", 1)[1]
        message = siwe_text(self.address, nonce, domain=host, uri=self.base_url + "/")
        result = self.page.evaluate(_SIGN_IN_JS, message)
        assert result["status"] == 200, result
        return result["body"]["address"]


_SIGN_IN_JS = """async (message) => {
  await window.ethereum.request({ method: "eth_requestAccounts" });
  const [address] = await window.ethereum.request({ method: "eth_accounts" });
  const hex = "0x" + Array.from(new TextEncoder().encode(message), b => b.toString(16).padStart(2, "0")).join("");
  const signature = await window.ethereum.request({ method: "personal_sign", params: [hex, address] });
  const response = await fetch("/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
                                                    body: JSON.stringify({ message, signature }) });
  return { status: response.status, body: await response.json() };
}"""


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # wallet_page's teardown screenshots a failed test's pages
    return report


@pytest.fixture
def wallet_page(browser: Browser, live_server: str, base_ctx, request):
    """Factory: wallet_page(account, *, chain_id=None, knows_platform_chain=True, viewport=None, locale="en-US")
    → WalletPage. chain_id: the wallet starts on that network (a wallet on the wrong chain); knows_platform_chain
    False: switching answers 4902 until the page adds the chain. Contexts close at the end of the test; a failed
    test's pages are saved first as reports/screenshots/failed-<test>-<n>.png."""
    contexts = []

    def make(
        account: LocalAccount,
        *,
        chain_id: int | None = None,
        knows_platform_chain: bool = True,
        viewport: dict | None = None,
        locale: str = "en-US",
    ) -> WalletPage:
        start = chain_id or CHAIN_ID
        known = sorted({start, CHAIN_ID}) if knows_platform_chain else [start]
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale=locale)
        contexts.append(context)
        # the injected wallet forwards reads from the page to anvil, as MetaMask does from its extension; a
        # document the test answers itself (goto_blank) has no address space, so Chromium asks for this
        context.grant_permissions(["local-network-access"])
        context.route(live_server + BLANK, lambda route: route.fulfill(body=BLANK_HTML, content_type="text/html"))
        context.add_init_script(
            wallet_script(account, base_ctx.settings.effective_rpc_url, chain_id=start, known_chains=known)
        )
        page = context.new_page()
        wallet = WalletPage(page, context, account, live_server)
        page.on("console", lambda m: _console_error(wallet.errors, m))
        page.on("pageerror", lambda e: wallet.errors.append(f"uncaught: {e}"))
        return wallet

    yield make
    failed = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts):
        if failed is not None and failed.failed:
            for page in context.pages:
                screenshot(page, f"failed-{_file_name(request.node.name)}-{number}")
        context.close()


def _file_name(test_name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in test_name)[:120]


def _console_error(errors: list[str], message):
    url = message.location.get("url") or ""
    # Chromium asks for /favicon.ico by itself when a page names no icon: the browser's request, not the page's
    if message.type == "error" and not url.endswith("/favicon.ico"):
        errors.append(f"console: {message.text} ({url})")


def fund(ctx, address: str, wei: int = 100 * 10**18):
    """Gives `address` ETH on anvil (anvil_setBalance) so its wallet can pay gas."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "anvil_setBalance", "params": [address, hex(wei)]})
    request = urllib.request.Request(
        ctx.settings.effective_rpc_url, body.encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.load(response)
    assert "error" not in answer, answer


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Saves reports/screenshots/<name>.png (a test artifact); returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
