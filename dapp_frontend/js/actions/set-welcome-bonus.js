// A Token Admin sets the welcome bonus of a member kind (paid to members who join afterwards).
import { ethers } from "../../vendor/ethers.min.js";
import { sendTransaction } from "../lib/tx.js";
import { KINDS } from "./add-member.js";

const AMOUNT = /^[0-9]+(?:[.,][0-9]+)?$/;

/** A token amount typed by a person ("100", "2,5") → {ok, value: base units BigInt} or {ok:false, key, vars}. */
export function parseTokenAmount(text, decimals) {
  const typed = String(text).trim();
  if (!AMOUNT.test(typed)) return { ok: false, key: "admin.amount.notNumber", vars: { value: typed } };
  const [, fraction = ""] = typed.split(/[.,]/);
  if (fraction.length > decimals) return { ok: false, key: "admin.amount.tooManyDecimals", vars: { value: typed, decimals } };
  return { ok: true, value: ethers.parseUnits(typed.replace(",", "."), decimals) };
}

export function setWelcomeBonus(token, kindName, amount, statusElement) {
  return sendTransaction("admin.tx.setWelcomeBonus", () => token.setWelcomeBonus(KINDS[kindName], amount),
    statusElement);
}
