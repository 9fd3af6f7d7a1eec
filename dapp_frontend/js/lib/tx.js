// One transaction signed in the wallet, its progress shown: waiting for the wallet → sent <hash> → mined in block N.
import { t, registerMessages, formatNumber } from "./i18n.js";
import { describeError, isCancelled, WrongNetworkError, userError } from "./errors.js";
import { currentWallet, ensureChain, walletChainId } from "./wallet.js";
import { loadPlatform } from "./platform.js";

registerMessages({
  en: {
    "tx.checking": "{label}: checking the network…",
    "tx.waiting": "{label}: waiting for the wallet…",
    "tx.sent": "{label}: sent ({hash}), waiting to be mined…",
    "tx.mined": "{label}: mined in block {block}.",
    "tx.failed": "{label}: failed. {reason}",
    "tx.cancelled": "{label}: cancelled.",
  },
  it: {
    "tx.checking": "{label}: verifica della rete…",
    "tx.waiting": "{label}: in attesa del portafoglio…",
    "tx.sent": "{label}: inviata ({hash}), in attesa di conferma…",
    "tx.mined": "{label}: confermata nel blocco {block}.",
    "tx.failed": "{label}: non riuscita. {reason}",
    "tx.cancelled": "{label}: annullata.",
  },
});

function show(element, state, text) {
  if (!element) return;
  element.hidden = false;
  element.dataset.state = state;
  element.setAttribute("role", state === "failed" ? "alert" : "status");
  element.textContent = text;
}

/** The wallet on the platform's chain (switching, or adding it, when it is not); throws WrongNetworkError. */
async function requireChain() {
  const wallet = currentWallet();
  if (!wallet) throw userError("error.noWallet");
  const platform = await loadPlatform();
  if ((await walletChainId(wallet)) === Number(platform.chainId)) return;
  try {
    await ensureChain(platform, wallet);
  } catch (err) {
    if (isCancelled(err)) throw err;
    throw new WrongNetworkError(await walletChainId(wallet), platform.chainId);
  }
}

/** Runs `sendFn()` (→ an ethers TransactionResponse) and waits for its receipt, showing progress in
 * `statusElement` (data-state: waiting | sent | mined | failed | cancelled). Throws on failure, after showing it.
 * `labelKey` is a message key naming the action ("pay.label"). */
export async function sendTransaction(labelKey, sendFn, statusElement) {
  const label = t(labelKey);
  try {
    show(statusElement, "waiting", t("tx.checking", { label }));
    await requireChain();
    show(statusElement, "waiting", t("tx.waiting", { label }));
    const response = await sendFn();
    show(statusElement, "sent", t("tx.sent", { label, hash: response.hash }));
    statusElement && (statusElement.dataset.hash = response.hash);
    const receipt = await response.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`transaction ${response.hash} reverted`);
    show(statusElement, "mined", t("tx.mined", { label, block: formatNumber(receipt.blockNumber) }));
    return receipt;
  } catch (err) {
    const reason = describeError(err);
    const cancelled = isCancelled(err);
    if (!cancelled) console.error(err);
    show(statusElement, cancelled ? "cancelled" : "failed",
      cancelled ? t("tx.cancelled", { label }) : t("tx.failed", { label, reason }));
    throw err;
  }
}
