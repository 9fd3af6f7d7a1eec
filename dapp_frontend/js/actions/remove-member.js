// A Community Admin removes a member: their balance stays theirs, they receive nothing more.
import { sendTransaction } from "../lib/tx.js";

export function removeMember(token, wallet, statusElement) {
  return sendTransaction("admin.tx.removeMember", () => token.removeMember(wallet), statusElement);
}
