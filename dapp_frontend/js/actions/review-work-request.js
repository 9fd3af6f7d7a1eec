// A Community Admin approves (the treasury pays, fee-free) or rejects a community-work request.
import { ethers } from "../../vendor/ethers.min.js";
import { sendTransaction } from "../lib/tx.js";
import { referenceToBytes32 } from "./approve-service-incentive.js";

export function approveWork(token, id, statusElement) {
  return sendTransaction("admin.tx.approveWork", () => token.approveCommunityWork(id), statusElement);
}

/** Rejects with a reason stored as bytes32: empty → zero, up to 32 bytes in clear, longer → its keccak256. */
export function rejectWork(token, id, reason, statusElement) {
  const typed = String(reason).trim();
  const reasonRef = typed ? (referenceToBytes32(typed) ?? ethers.id(typed)) : ethers.ZeroHash;
  return sendTransaction("admin.tx.rejectWork", () => token.rejectCommunityWork(id, reasonRef), statusElement);
}
