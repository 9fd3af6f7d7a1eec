// One transaction signed in the wallet, its progress shown:
// waiting for the wallet → sent <hash> → mined in block N.
import { t, registerMessages, formatNumber } from "./i18n.js";
import { describeError, isCancelled, isExpected, WrongNetworkError, userError } from "./errors.js";
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

/** Throws WrongNetworkError unless the wallet is on the platform's chain (no prompt): reads before a transaction. */
export async function checkChain() {
  const wallet = currentWallet();
  if (!wallet) throw userError("error.walletNotConnected");
  const platform = await loadPlatform();
  const chainId = await walletChainId(wallet);
  if (chainId !== Number(platform.chainId)) throw new WrongNetworkError(chainId, platform.chainId);
}

/** The wallet on the platform's chain: switched (or the chain added) when it is not; a refusal is the wrong
 * network, in words (the transaction cannot go anywhere else). */
async function requireChain() {
  try {
    await checkChain();
  } catch (err) {
    if (!(err instanceof WrongNetworkError)) throw err;
    try {
      await ensureChain(await loadPlatform(), currentWallet());
    } catch {
      throw err;
    }
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
    if (!isExpected(err)) console.error(err);
    show(statusElement, cancelled ? "cancelled" : "failed",
      cancelled ? t("tx.cancelled", { label }) : t("tx.failed", { label, reason }));
    throw err;
  }
}
