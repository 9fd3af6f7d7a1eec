// Ask the treasury to pay for work done for the community (categories 6–8): requestCommunityWork.
import { ethers } from "../../vendor/ethers.min.js";
import { tokenContract } from "../lib/platform.js";
import { currentWallet } from "../lib/wallet.js";
import { sendTransaction } from "../lib/tx.js";
import { userError } from "../lib/errors.js";
import { registerMessages } from "../lib/i18n.js";

registerMessages({ en: { "work.label": "Requesting payment for community work" },
  it: { "work.label": "Richiesta di pagamento per lavoro per la comunità" } });
import { serviceRef } from "./pay-service.js";

/** Categories of community work a member of `kind` may request (CommunityWork._workKind). */
export const WORK_CATEGORIES = { citizen: [6, 8], stakeholder: [7] };
export const WORK_WITH_STRUCTURE = 8; // CitizenToCommunityWithStructure

/** → {receipt, id} (the request id from the CommunityWorkRequested event). */
export async function requestWork(token, { category, amount, description, structure, structureShareBps = 0 },
  statusElement) {
  const contract = () => {
    const wallet = currentWallet();
    if (!wallet) throw userError("error.walletNotConnected");
    return tokenContract(token, wallet.signer);
  };
  const withStructure = Number(category) === WORK_WITH_STRUCTURE;
  const receipt = await sendTransaction("work.label", () => contract().requestCommunityWork(category, amount,
    serviceRef(description), withStructure ? structure : ethers.ZeroAddress, withStructure ? structureShareBps : 0),
  statusElement);
  const event = receipt.logs.map((log) => {
    try { return contract().interface.parseLog(log); } catch { return null; }
  }).find((parsed) => parsed?.name === "CommunityWorkRequested");
  return { receipt, id: event ? event.args.id : null };
}
