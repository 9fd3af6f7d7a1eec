// Ask the community's Community Admin to erase my personal data in the community; see where my request stands.
import { api } from "../lib/api.js";

function requestPath(token, member) {
  return `/api/communities/${token}/members/${member}/erasure-request`;
}

/** → the recorded request {id, status: "pending", requestedAt, …}; ApiError 409 when one is already pending. */
export function askToBeForgotten(token, member, reason) {
  return api(requestPath(token, member), { method: "POST", body: { reason } });
}

/** → my latest request in the community, or null. */
export async function myErasureRequest(token, member) {
  return (await api(requestPath(token, member))).request;
}
