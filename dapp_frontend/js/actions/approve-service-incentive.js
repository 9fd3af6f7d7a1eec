// A Community Admin approves one incentive for one service (after the sustainability check).
import { ethers } from "../../vendor/ethers.min.js";
import { sendTransaction } from "../lib/tx.js";

const UINT96_MAX = (1n << 96n) - 1n;

/** A reference as the chain stores it: 0x + 64 hex digits as is, else ASCII/UTF-8 text right-padded with
 * zeros into bytes32 (like the oracle's to_bytes32); null when empty or longer than 32 bytes. */
export function referenceToBytes32(text) {
  const typed = String(text).trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(typed)) return typed.toLowerCase();
  const bytes = ethers.toUtf8Bytes(typed);
  if (bytes.length === 0 || bytes.length > 32) return null;
  return ethers.zeroPadBytes(bytes, 32);
}

/** Checks the form → {ok, values} or {ok:false, key, vars, field}. `maxAmount` is already in base units. */
export function checkApproval({ ref, payer, provider, category, maxAmount }) {
  const serviceRef = referenceToBytes32(ref);
  if (serviceRef === null || /^0x0{64}$/.test(serviceRef)) return { ok: false, key: "admin.approve.badRef", vars: {}, field: "ref" };
  for (const [field, value] of [["payer", payer], ["provider", provider]]) {
    if (!ethers.isAddress(value.trim())) return { ok: false, key: "admin.members.badWallet", vars: { wallet: value }, field };
  }
  const payerAddress = ethers.getAddress(payer.trim().toLowerCase());
  const providerAddress = ethers.getAddress(provider.trim().toLowerCase());
  if (payerAddress === providerAddress) return { ok: false, key: "admin.approve.samePerson", vars: {}, field: "provider" };
  if (maxAmount <= 0n || maxAmount > UINT96_MAX) return { ok: false, key: "admin.approve.badAmount", vars: {}, field: "amount" };
  return { ok: true, values: { serviceRef, payer: payerAddress, provider: providerAddress, category, maxAmount } };
}

export function approveServiceIncentive(token, values, statusElement) {
  const { serviceRef, payer, provider, category, maxAmount } = values;
  return sendTransaction("admin.tx.approveIncentive",
    () => token.approveServiceIncentive(serviceRef, payer, provider, category, maxAmount), statusElement);
}
