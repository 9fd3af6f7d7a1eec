"""Browser end to end: the injected test wallet, and signing in on the home page."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from playwright.sync_api import expect

from tests.dapp.browser.conftest import fund
from tests.dapp.conftest import CHAIN_ID

# ------------------------------------------------------------------ the test wallet itself

DISCOVER_JS = """() => new Promise((resolve) => {
  const found = [];
  window.addEventListener("eip6963:announceProvider", (e) => found.push(e.detail));
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  setTimeout(() => resolve(found.map((d) => ({ ...d.info, same: d.provider === window.ethereum }))), 50);
})"""


def test_wallet_announces_itself_by_eip6963_and_as_window_ethereum(wallet_page):
    wallet = wallet_page(Account.create())
    wallet.goto_blank()
    announced = wallet.page.evaluate(DISCOVER_JS)
    assert [(w["name"], w["rdns"], w["same"]) for w in announced] == [("Test Wallet", "org.lec.testwallet", True)]
    assert announced[0]["icon"].startswith("data:image/svg+xml;base64,")
    assert wallet.errors == []


def test_wallet_signs_the_message_bytes_and_reads_the_chain(wallet_page, base_ctx):
    account = Account.create()
    fund(base_ctx, account.address, 3 * 10**18)
    wallet = wallet_page(account)
    wallet.goto_blank()
    answers = wallet.page.evaluate("""async () => {
      const request = (method, params) => window.ethereum.request({ method, params });
      return { before: await request("eth_accounts"), accounts: await request("eth_requestAccounts"),
               chain: await request("eth_chainId"),
               balance: await request("eth_getBalance", [window.__testWallet.address, "latest"]),
               signature: await request("personal_sign", ["0x68656c6c6f", window.__testWallet.address]) };
    }""")
    assert answers["before"] == [] and answers["accounts"] == [account.address]
    assert answers["chain"] == hex(CHAIN_ID)
    assert int(answers["balance"], 16) == 3 * 10**18
    # "0x68656c6c6f" is the bytes of "hello": EIP-191 over those bytes, not over the hex text
    assert Account.recover_message(encode_defunct(text="hello"), signature=answers["signature"]) == account.address
    assert [c["method"] for c in wallet.calls()] == [
        "eth_accounts",
        "eth_requestAccounts",
        "eth_chainId",
        "eth_getBalance",
        "personal_sign",
    ]


PERMIT = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Permit": [
            {"name": "owner", "type": "address"},
            {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ],
    },
    "primaryType": "Permit",
    "domain": {
        "name": "LEC Token",
        "version": "1",
        "chainId": CHAIN_ID,
        "verifyingContract": "0x00000000000000000000000000000000000000aa",
    },
}


def test_wallet_signs_typed_data_v4(wallet_page):
    account = Account.create()
    typed = dict(
        PERMIT,
        message={
            "owner": account.address,
            "spender": "0x00000000000000000000000000000000000000bb",
            "value": "1000",
            "nonce": "0",
            "deadline": "4102444800",
        },
    )
    wallet = wallet_page(account)
    wallet.goto_blank()
    signature = wallet.page.evaluate(
        """(typed) => window.ethereum.request({ method: "eth_signTypedData_v4",
                                          params: [window.__testWallet.address, JSON.stringify(typed)] })""",
        typed,
    )
    numbers = {"value": 1000, "nonce": 0, "deadline": 4102444800}  # the same message, as eth-account takes it
    signed = encode_typed_data(full_message={**typed, "message": {**typed["message"], **numbers}})
    assert Account.recover_message(signed, signature=signature) == account.address


def test_wallet_rejects_on_request_and_switches_chains(wallet_page):
    wallet = wallet_page(Account.create(), chain_id=1, knows_platform_chain=False)
    wallet.goto_blank()
    wallet.reject_next()
    answers = wallet.page.evaluate("""async () => {
      const request = (method, params) => window.ethereum.request({ method, params })
        .catch((e) => ({ code: e.code }));
      const changes = [];
      window.ethereum.on("chainChanged", (id) => changes.push(id));
      return { rejected: await request("eth_requestAccounts"), chain: await request("eth_chainId"),
               unknown: await request("wallet_switchEthereumChain", [{ chainId: "0x7a69" }]),
               added: await request("wallet_addEthereumChain", [{ chainId: "0x7a69", chainName: "anvil",
                 rpcUrls: ["http://127.0.0.1"], nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } }]),
               now: await request("eth_chainId"), changes,
               watched: await request("wallet_watchAsset", { type: "ERC20", options: { address:
                 "0x0000000000000000000000000000000000000001", symbol: "LEC", decimals: 18 } }) };
    }""")
    assert answers == {
        "rejected": {"code": 4001},
        "chain": "0x1",
        "unknown": {"code": 4902},
        "added": None,
        "now": "0x7a69",
        "changes": ["0x7a69"],
        "watched": True,
    }
    assert wallet.calls("wallet_watchAsset")[0]["params"]["options"]["symbol"] == "LEC"
    wallet.goto_blank()  # the chosen chain and the call log outlive a navigation, as in a real wallet
    assert wallet.page.evaluate("window.ethereum.request({ method: 'eth_chainId' })") == "0x7a69"
    assert len(wallet.calls()) == 7


def test_wallet_sends_transactions_signed_locally(wallet_page, base_ctx):
    account, receiver = Account.create(), Account.create()
    fund(base_ctx, account.address)
    wallet = wallet_page(account)
    wallet.goto_blank()
    receipt = wallet.page.evaluate(
        """async (to) => {
      const [from] = await window.ethereum.request({ method: "eth_requestAccounts" });
      const hash = await window.ethereum.request({ method: "eth_sendTransaction",
                                                   params: [{ from, to, value: "0x2386f26fc10000" }] });
      for (let i = 0; i < 50; i++) {
        const receipt = await window.ethereum.request({ method: "eth_getTransactionReceipt", params: [hash] });
        if (receipt) return receipt;
        await new Promise((r) => setTimeout(r, 100));
      }
    }""",
        receiver.address,
    )
    assert receipt["status"] == "0x1" and receipt["from"].lower() == account.address.lower()
    balance = wallet.page.evaluate(
        "(a) => window.ethereum.request({ method: 'eth_getBalance', params: [a, 'latest'] })", receiver.address
    )
    assert int(balance, 16) == 10**16


def test_sign_in_helper_leaves_a_session_in_the_context(wallet_page, member_account, community):
    wallet = wallet_page(member_account)
    assert wallet.sign_in() == member_account.address
    me = wallet.page.evaluate("fetch('/api/me').then(r => r.json())")
    assert me["address"] == member_account.address
    assert [c["token"] for c in me["communities"] if c["member"]] == [community[1]]
    assert wallet.errors == []


# ------------------------------------------------------------------ signing in on the home page

OTHER_WALLET = """(() => {
  const provider = { request: async () => { throw Object.assign(new Error("User rejected"), { code: 4001 }); },
                     on() { return provider; }, removeListener() { return provider; } };
  const info = Object.freeze({ uuid: "3f9c0b7e-0000-4000-8000-000000000002", name: "Other Wallet",
                               icon: "data:,", rdns: "org.example.otherwallet" });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider",
                                                              { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();"""
BEFORE_SIGN_IN = "/api/me"  # 401 until signed in: Chromium logs it as a failed resource


def sign_in_on_page(wallet, wallet_name: str | None = None):
    page = wallet.page
    page.get_by_test_id("sign-in").click()
    if wallet_name:
        page.locator(f"[data-testid=wallet-option][data-wallet='{wallet_name}']").click()
    expect(page.get_by_test_id("wallet-address")).to_have_text(wallet.address)


def signed_message(wallet) -> str:
    [call] = wallet.calls("personal_sign")
    return bytes.fromhex(call["params"][0].removeprefix("0x")).decode()


def test_member_picks_the_wallet_by_name_signs_in_and_sees_their_communities(wallet_page, rewarded, live_server):
    wallet = wallet_page(rewarded.anna)
    wallet.context.add_init_script(OTHER_WALLET)  # two EIP-6963 wallets side by side
    wallet.goto("/")
    page = wallet.page
    expect(page.get_by_test_id("sign-in-panel")).to_be_visible()
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("wallet-option")).to_have_text(["Test Wallet", "Other Wallet"], ignore_case=False)
    sign_in_on_page(wallet, "Test Wallet")

    message = signed_message(wallet)  # the EIP-4361 text, signed as its bytes
    host = live_server.split("://")[1]
    assert message.startswith(f"{host} wants you to sign in with your Ethereum account:\n{rewarded.anna.address}\n")
    assert f"\nURI: {live_server}/\n" in message and f"\nChain ID: {CHAIN_ID}\n" in message
    community = page.get_by_test_id("home-community")
    expect(community).to_have_count(1)
    expect(community).to_have_attribute("data-token", rewarded.token)
    expect(community).to_contain_text(rewarded.name)
    expect(page.get_by_test_id("nav-member")).to_be_visible()  # roles from /api/me: a member, nothing more
    for page_name in ("community-admin", "oracle-admin", "platform-admin", "auditor"):
        expect(page.get_by_test_id(f"nav-{page_name}")).to_have_count(0)
    expect(page.get_by_test_id("network-status")).to_have_attribute("data-state", "ok")
    assert wallet.errors_except(BEFORE_SIGN_IN) == []


def test_an_administrator_sees_the_pages_of_their_roles(wallet_page, base_ctx):
    wallet = wallet_page(base_ctx.keyring.account("platform_admin"))
    wallet.goto("/")
    sign_in_on_page(wallet)  # one wallet: no choice to make
    expect(wallet.page.get_by_test_id("nav-platform-admin")).to_be_visible()
    expect(wallet.page.get_by_test_id("home-page-link")).to_contain_text(["Platform admin"])
    expect(wallet.page.get_by_test_id("home-no-community")).to_be_visible()
    me = wallet.page.evaluate("fetch('/api/me').then(r => r.json())")
    assert "platform_admin" in me["roles"]
    assert wallet.errors_except(BEFORE_SIGN_IN) == []


def test_a_rejected_signature_reads_as_cancelled_and_signing_in_again_works(wallet_page):
    wallet = wallet_page(Account.create())
    wallet.goto("/")
    page = wallet.page
    wallet.reject_next("personal_sign")
    page.get_by_test_id("sign-in").click()
    error = page.get_by_test_id("sign-in-error")
    expect(error).to_have_attribute("data-state", "cancelled")
    expect(error).to_have_text("Cancelled.")
    expect(page.get_by_test_id("wallet-address")).to_have_count(0)
    assert wallet.errors_except(BEFORE_SIGN_IN) == []  # a cancellation is not logged as a failure

    sign_in_on_page(wallet)
    expect(error).to_be_hidden()
    expect(page.get_by_test_id("home-no-community")).to_be_visible()


def test_a_wallet_on_another_chain_is_asked_to_switch(wallet_page, rewarded):
    wallet = wallet_page(rewarded.bruno, chain_id=1, knows_platform_chain=False)
    wallet.goto("/")
    sign_in_on_page(wallet)  # signing a message needs no chain; the header says the network is wrong
    status = wallet.page.get_by_test_id("network-status")
    expect(status).to_have_attribute("data-state", "wrong")
    wallet.page.get_by_test_id("switch-network").click()
    expect(status).to_have_attribute("data-state", "ok")
    asked = [
        (c["method"], c["params"][0]["chainId"])
        for c in wallet.calls()
        if c["method"] in ("wallet_switchEthereumChain", "wallet_addEthereumChain")
    ]
    assert asked and {chain for _, chain in asked} == {hex(CHAIN_ID)}, asked
    [added] = wallet.calls("wallet_addEthereumChain")  # a wallet that did not know the chain had to add it
    assert added["params"][0]["rpcUrls"] and added["params"][0]["nativeCurrency"]["decimals"] == 18
    assert wallet.page.evaluate("window.ethereum.request({ method: 'eth_chainId' })") == hex(CHAIN_ID)
    assert wallet.errors_except(BEFORE_SIGN_IN) == []


def test_signing_out_ends_the_session(wallet_page, rewarded):
    wallet = wallet_page(rewarded.shop)
    wallet.goto("/")
    sign_in_on_page(wallet)
    wallet.page.get_by_test_id("sign-out").click()
    expect(wallet.page.get_by_test_id("sign-in-panel")).to_be_visible()
    expect(wallet.page.get_by_test_id("wallet-address")).to_have_count(0)
    assert wallet.page.evaluate("fetch('/api/me').then(r => r.status)") == 401
    assert wallet.errors_except(BEFORE_SIGN_IN) == []


def test_the_live_server_checks_csrf_as_production_does(wallet_page, member_account):
    wallet = wallet_page(member_account)
    wallet.sign_in()
    statuses = wallet.page.evaluate("""async () => {
      const logout = (headers) => fetch("/api/auth/logout", { method: "POST", headers }).then((r) => r.status);
      const { csrf_token } = await fetch("/api/auth/csrf").then((r) => r.json());
      return [await logout({}), await logout({ "X-CSRFToken": csrf_token })];
    }""")
    assert statuses == [400, 200]
