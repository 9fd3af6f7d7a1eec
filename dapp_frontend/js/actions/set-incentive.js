// A Token Admin sets a service category's incentive (ServicePayments.setCategoryIncentive, categories 1–5).
import { sendTransaction } from "../lib/tx.js";
import { percentToBps } from "./set-fee.js";

// Category enum of CommunityTokenBase.sol, named payer → provider; 1–5 are paid member to member.
export const SERVICE_CATEGORIES = [
  { id: 1, key: "citizenToCitizen" },
  { id: 2, key: "citizenToCitizenWithStructure" },
  { id: 3, key: "citizenToStakeholder" },
  { id: 4, key: "stakeholderToStakeholder" },
  { id: 5, key: "stakeholderToCitizen" },
];
export const RECIPIENTS = { payer: 0, provider: 1 }; // IncentiveRecipient

/** Checks an incentive typed in percent against MAX_INCENTIVE_BPS → {ok, bps} or {ok:false, key, vars}. */
export function checkIncentive(text, maxIncentiveBps) {
  const bps = percentToBps(text);
  if (bps === null) return { ok: false, key: "admin.incentive.notPercent", vars: { value: String(text).trim() } };
  if (bps > maxIncentiveBps) {
    return { ok: false, key: "admin.incentive.aboveCap", vars: { value: bps / 100, max: maxIncentiveBps / 100 } };
  }
  return { ok: true, bps };
}

export function setIncentive(token, category, bps, recipientName, statusElement) {
  return sendTransaction("admin.tx.setIncentive",
    () => token.setCategoryIncentive(category, bps, RECIPIENTS[recipientName]), statusElement);
}
