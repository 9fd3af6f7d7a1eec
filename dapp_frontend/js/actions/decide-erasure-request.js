// A Community Admin lists the members' requests to be forgotten and confirms (the data is erased) or rejects one.
import { api, withQuery } from "../lib/api.js";

export function pendingErasureRequests(token) {
  return api(withQuery(`/api/communities/${token}/erasure-requests`, { status: "pending", per_page: 200 }));
}

/** → {request, erased}: what was erased, counted per kind of data. */
export function confirmErasure(token, id) {
  return api(`/api/communities/${token}/erasure-requests/${id}/confirm`, { method: "POST", body: {} });
}

export function rejectErasure(token, id, note) {
  return api(`/api/communities/${token}/erasure-requests/${id}/reject`, { method: "POST", body: { note } });
}
