// A Platform Admin grants or revokes a role (OpenZeppelin AccessControl) on a platform contract or a
// community token. Role ids are keccak256 of the role's name (contracts/Roles.sol); DEFAULT_ADMIN_ROLE is zero.
import { ethers } from "../../vendor/ethers.min.js";
import { sendTransaction } from "../lib/tx.js";

export const ROLE_NAMES = ["PLATFORM_ADMIN", "COMMUNITY_ADMIN", "TOKEN_ADMIN", "ORACLE_ADMIN", "ORACLE", "REWARD_PAYER",
  "DEFAULT_ADMIN"];

/** The role id of a name of Roles.sol (DEFAULT_ADMIN → 0x00…00). */
export function roleId(name) {
  return name === "DEFAULT_ADMIN" ? ethers.ZeroHash : ethers.id(name);
}

/** Whether the signer may grant/revoke `role` on `contract`: it must hold the role's admin role there. */
export async function mayAdminister(contract, role, signerAddress) {
  const adminRole = await contract.getRoleAdmin(role);
  return contract.hasRole(adminRole, signerAddress);
}

export function grantRole(contract, role, account, statusElement) {
  return sendTransaction("platform.tx.grantRole", () => contract.grantRole(role, account), statusElement);
}

export function revokeRole(contract, role, account, statusElement) {
  return sendTransaction("platform.tx.revokeRole", () => contract.revokeRole(role, account), statusElement);
}
