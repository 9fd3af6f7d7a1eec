// Wallets: EIP-6963 discovery (several side by side), window.ethereum as the fallback; one connected at a time.
import { ethers } from "../../vendor/ethers.min.js";
import { userError } from "./errors.js";

let current = null; // {info, provider, browserProvider, signer, address}
const REMEMBERED = "lec.wallet";

/** Wallets announced within `waitMs` (EIP-6963), or window.ethereum alone
 * → [{info: {uuid, name, icon, rdns}, provider}]. */
export function discoverWallets(waitMs = 300) {
  return new Promise((resolve) => {
    const found = new Map();
    const onAnnounce = (event) => {
      const { info, provider } = event.detail || {};
      if (info && provider && !found.has(info.uuid)) found.set(info.uuid, { info, provider });
    };
    window.addEventListener("eip6963:announceProvider", onAnnounce);
    window.dispatchEvent(new Event("eip6963:requestProvider"));
    setTimeout(() => {
      window.removeEventListener("eip6963:announceProvider", onAnnounce);
      const wallets = [...found.values()];
      if (!wallets.length && window.ethereum) {
        wallets.push({ info: { uuid: "window.ethereum", name: "Browser wallet", icon: "", rdns: "window.ethereum" },
          provider: window.ethereum });
      }
      resolve(wallets);
    }, waitMs);
  });
}

function remember(info) {
  try { localStorage.setItem(REMEMBERED, info?.rdns || ""); } catch { /* storage may be disabled */ }
}

function listen(provider) {
  if (!provider.on) return;
  provider.on("accountsChanged", (accounts) => {
    window.dispatchEvent(new CustomEvent("lec:wallet", { detail: { accounts } }));
  });
  provider.on("chainChanged", (chainId) => {
    window.dispatchEvent(new CustomEvent("lec:chain", { detail: { chainId: Number(chainId) } }));
  });
}

async function connectWith(entryOrProvider, method) {
  const entry = entryOrProvider.provider ? entryOrProvider : { info: null, provider: entryOrProvider };
  const accounts = await entry.provider.request({ method });
  if (!accounts || !accounts.length) return null;
  const browserProvider = new ethers.BrowserProvider(entry.provider, "any");
  const address = ethers.getAddress(accounts[0]);
  const signer = await browserProvider.getSigner(address);
  if (current?.provider !== entry.provider) listen(entry.provider);
  current = { info: entry.info, provider: entry.provider, browserProvider, signer, address };
  remember(entry.info);
  return current;
}

/** Asks the wallet for its accounts (a prompt) → {browserProvider, signer, address}. Takes a provider or a
 * discovered {info, provider}. */
export async function connectWallet(entryOrProvider) {
  const wallet = await connectWith(entryOrProvider, "eth_requestAccounts");
  if (!wallet) throw userError("error.noAccount");
  return wallet;
}

/** The remembered wallet again, without a prompt (eth_accounts), when it still holds `address`; else null. */
export async function reconnectWallet(address) {
  let rdns = null;
  try { rdns = localStorage.getItem(REMEMBERED); } catch { /* storage may be disabled */ }
  const wallets = await discoverWallets();
  const entry = wallets.find((w) => w.info.rdns === rdns) || (wallets.length === 1 ? wallets[0] : null);
  if (!entry) return null;
  const wallet = await connectWith(entry, "eth_accounts").catch(() => null);
  return wallet && (!address || wallet.address === ethers.getAddress(address)) ? wallet : null;
}

export function currentWallet() {
  return current;
}

export function forgetWallet() {
  current = null;
}

function chainParameters(platform) {
  return {
    chainId: ethers.toQuantity(platform.chainId),
    chainName: platform.chainName,
    rpcUrls: [platform.rpcUrl],
    nativeCurrency: platform.nativeCurrency,
  };
}

/** The wallet's chain id (a number). */
export async function walletChainId(wallet = current) {
  return Number(await wallet.provider.request({ method: "eth_chainId" }));
}

/** Adds the platform's chain to the wallet (wallet_addEthereumChain). */
export async function addChain(platform, wallet = current) {
  await wallet.provider.request({ method: "wallet_addEthereumChain", params: [chainParameters(platform)] });
}

/** Makes the wallet use the platform's chain: switch, or add it first when the wallet does not know it (4902). */
export async function ensureChain(platform, wallet = current) {
  if (!wallet) throw userError("error.walletNotConnected");
  if ((await walletChainId(wallet)) === Number(platform.chainId)) return;
  const chainId = ethers.toQuantity(platform.chainId);
  try {
    await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  } catch (err) {
    const code = err?.code ?? err?.data?.originalError?.code;
    if (code !== 4902 && code !== -32603) throw err;
    await addChain(platform, wallet);
    await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  }
  current.browserProvider = new ethers.BrowserProvider(wallet.provider, "any");
  current.signer = await current.browserProvider.getSigner(current.address);
}

/** Asks the wallet to show the community token (wallet_watchAsset); true when it accepted. */
export async function watchToken(token, symbol, decimals = 18, wallet = current) {
  if (!wallet) throw userError("error.walletNotConnected");
  return wallet.provider.request({
    method: "wallet_watchAsset",
    params: { type: "ERC20", options: { address: token, symbol: symbol.slice(0, 11), decimals: Number(decimals) } },
  });
}
