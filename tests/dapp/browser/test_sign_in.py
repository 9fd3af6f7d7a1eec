"""Browser end to end: the injected test wallet, and signing in on the home page."""
from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_defunct

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
    assert [c["method"] for c in wallet.calls()] == ["eth_accounts", "eth_requestAccounts", "eth_chainId",
                                                     "eth_getBalance", "personal_sign"]


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
    assert answers == {"rejected": {"code": 4001}, "chain": "0x1", "unknown": {"code": 4902}, "added": None,
                       "now": "0x7a69", "changes": ["0x7a69"], "watched": True}
    assert wallet.calls("wallet_watchAsset")[0]["params"]["options"]["symbol"] == "LEC"
    wallet.goto_blank()  # the chosen chain and the call log outlive a navigation, as in a real wallet
    assert wallet.page.evaluate("window.ethereum.request({ method: 'eth_chainId' })") == "0x7a69"
    assert len(wallet.calls()) == 7


def test_wallet_sends_transactions_signed_locally(wallet_page, base_ctx):
    account, receiver = Account.create(), Account.create()
    fund(base_ctx, account.address)
    wallet = wallet_page(account)
    wallet.goto_blank()
    receipt = wallet.page.evaluate("""async (to) => {
      const [from] = await window.ethereum.request({ method: "eth_requestAccounts" });
      const hash = await window.ethereum.request({ method: "eth_sendTransaction",
                                                   params: [{ from, to, value: "0x2386f26fc10000" }] });
      for (let i = 0; i < 50; i++) {
        const receipt = await window.ethereum.request({ method: "eth_getTransactionReceipt", params: [hash] });
        if (receipt) return receipt;
        await new Promise((r) => setTimeout(r, 100));
      }
    }""", receiver.address)
    assert receipt["status"] == "0x1" and receipt["from"].lower() == account.address.lower()
    balance = wallet.page.evaluate(
        "(a) => window.ethereum.request({ method: 'eth_getBalance', params: [a, 'latest'] })", receiver.address)
    assert int(balance, 16) == 10**16


def test_sign_in_helper_leaves_a_session_in_the_context(wallet_page, member_account, community):
    wallet = wallet_page(member_account)
    assert wallet.sign_in() == member_account.address
    me = wallet.page.evaluate("fetch('/api/me').then(r => r.json())")
    assert me["address"] == member_account.address
    assert [c["token"] for c in me["communities"] if c["member"]] == [community[1]]
    assert wallet.errors == []
