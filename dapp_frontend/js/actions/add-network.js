// Add the platform's chain to the wallet and switch to it (wallet_addEthereumChain / wallet_switchEthereumChain).
import { addChain, ensureChain, currentWallet } from "../lib/wallet.js";
import { loadPlatform } from "../lib/platform.js";
import { userError } from "../lib/errors.js";

/** Adds the chain (a wallet that knows it just confirms) and switches to it. */
export async function addNetwork() {
  const wallet = currentWallet();
  if (!wallet) throw userError("error.walletNotConnected");
  const platform = await loadPlatform();
  try {
    await addChain(platform, wallet);
  } catch (err) {
    if (err?.code === 4001) throw err;
    // some wallets refuse to add a chain they already have: switching is what matters
  }
  await ensureChain(platform, wallet);
}
