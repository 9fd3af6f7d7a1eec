// Claim an unpaid reward of an epoch with its Merkle proof: ConsumptionNotary.claim.
import { api } from "../lib/api.js";
import { contractFor } from "../lib/platform.js";
import { currentWallet } from "../lib/wallet.js";
import { sendTransaction } from "../lib/tx.js";
import { userError } from "../lib/errors.js";
import { registerMessages } from "../lib/i18n.js";

registerMessages({ en: { "claim.label": "Claiming the reward" }, it: { "claim.label": "Riscossione del premio" } });

/** The reward with its proof (GET .../epochs/<n>/rewards/<member>). */
export function loadReward(token, epoch, member) {
  return api(`/api/communities/${token}/epochs/${epoch}/rewards/${member}`);
}

/** Fetches the proof (once the wallet is on the right chain) and sends
 * claim(community, epoch, index, member, amount, dataHash, proof). */
export async function claimReward(token, epoch, member, statusElement) {
  return sendTransaction("claim.label", async () => {
    const wallet = currentWallet();
    if (!wallet) throw userError("error.walletNotConnected");
    const reward = await loadReward(token, epoch, member);
    const notary = contractFor("ConsumptionNotary", wallet.signer);
    return notary.claim(token, reward.epoch, reward.index, reward.member, reward.amount, reward.dataHash, reward.proof);
  }, statusElement);
}
