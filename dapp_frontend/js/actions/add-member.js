// A Community Admin adds one member (addMember) or several at once (addMembers, all or none).
import { ethers } from "../../vendor/ethers.min.js";
import { sendTransaction } from "../lib/tx.js";

// The token's enums (CommunityTokenBase.sol): 0 is None and never valid.
export const KINDS = { citizen: 1, stakeholder: 2 };
export const PROFILES = { consumer: 1, prosumer: 2, prostormer: 3 };
export const MAX_MEMBER_BATCH = 200; // Membership.MAX_MEMBER_BATCH

/** Checks the rows typed in the form: [{wallet, kind, profile}] → {ok, rows} or {ok:false, key, vars, index}. */
export function checkNewMembers(rows) {
  if (rows.length === 0 || rows.length > MAX_MEMBER_BATCH) {
    return { ok: false, key: "admin.members.batchSize", vars: { max: MAX_MEMBER_BATCH }, index: 0 };
  }
  const seen = new Set();
  const checked = [];
  for (const [index, row] of rows.entries()) {
    const wallet = row.wallet.trim();
    if (!ethers.isAddress(wallet)) return { ok: false, key: "admin.members.badWallet", vars: { wallet }, index };
    const address = ethers.getAddress(wallet.toLowerCase());
    if (seen.has(address)) return { ok: false, key: "admin.members.duplicate", vars: { wallet: address }, index };
    seen.add(address);
    if (!(row.kind in KINDS)) return { ok: false, key: "admin.members.badKind", vars: {}, index };
    if (!(row.profile in PROFILES)) return { ok: false, key: "admin.members.badProfile", vars: {}, index };
    checked.push({ wallet: address, kind: KINDS[row.kind], profile: PROFILES[row.profile] });
  }
  return { ok: true, rows: checked };
}

/** Sends the transaction for already checked rows; resolves with the receipt. */
export function addMembers(token, rows, statusElement) {
  if (rows.length === 1) {
    const [row] = rows;
    return sendTransaction("admin.tx.addMember",
      () => token.addMember(row.wallet, row.kind, row.profile), statusElement);
  }
  return sendTransaction("admin.tx.addMembers",
    () => token.addMembers(rows.map((r) => r.wallet), rows.map((r) => r.kind), rows.map((r) => r.profile)),
    statusElement);
}
