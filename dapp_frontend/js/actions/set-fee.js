// A Token Admin sets the transfer fee (CommunityTokenBase.setFeeBps, at most MAX_FEE_BPS).
import { sendTransaction } from "../lib/tx.js";

const PERCENT = /^[0-9]{1,3}(?:[.,][0-9]{1,2})?$/;

/** A percentage typed by a person ("1", "1,5", "0.25") → basis points, or null when it is not one. */
export function percentToBps(text) {
  const typed = String(text).trim();
  if (!PERCENT.test(typed)) return null;
  const [whole, fraction = ""] = typed.split(/[.,]/);
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

/** Checks a fee typed in percent against the contract's cap → {ok, bps} or {ok:false, key, vars}. */
export function checkFee(text, maxFeeBps) {
  const bps = percentToBps(text);
  if (bps === null) return { ok: false, key: "admin.fee.notPercent", vars: { value: String(text).trim() } };
  if (bps > maxFeeBps) return { ok: false, key: "admin.fee.aboveCap", vars: { value: bps / 100, max: maxFeeBps / 100 } };
  return { ok: true, bps };
}

export function setFee(token, bps, statusElement) {
  return sendTransaction("admin.tx.setFee", () => token.setFeeBps(bps), statusElement);
}
