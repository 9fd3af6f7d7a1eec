// A Community Admin changes a member's energy profile (e.g. a consumer installed PV).
import { sendTransaction } from "../lib/tx.js";
import { PROFILES } from "./add-member.js";

export function changeProfile(token, wallet, profileName, statusElement) {
  const profile = PROFILES[profileName];
  return sendTransaction("admin.tx.changeProfile", () => token.setEnergyProfile(wallet, profile), statusElement);
}
