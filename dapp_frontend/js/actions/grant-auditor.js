// A Platform Admin grants or revokes the auditor role (kept by the platform, not on the chain).
import { api } from "../lib/api.js";

export function listAuditors(page = 1) {
  return api(`/api/platform-admin/auditors?page=${page}&per_page=200`);
}

export function grantAuditor(address) {
  return api("/api/platform-admin/auditors", { method: "POST", body: { address } });
}

export function revokeAuditor(address) {
  return api(`/api/platform-admin/auditors/${address}`, { method: "DELETE" });
}
