// Connect a wallet: the ones this browser offers (EIP-6963, else window.ethereum), then the chosen one.
import { discoverWallets, connectWallet } from "../lib/wallet.js";
import { userError } from "../lib/errors.js";

/** The wallets on offer; throws a "no wallet" error when there is none. */
export async function availableWallets() {
  const wallets = await discoverWallets();
  if (!wallets.length) throw userError("error.noWallet");
  return wallets;
}

/** Connects `entry` ({info, provider}) → {browserProvider, signer, address}. */
export function connect(entry) {
  return connectWallet(entry);
}
