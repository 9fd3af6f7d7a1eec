// Download one's own take-out file of an epoch (the JSON `oracle takeout` writes): fetched here, saved by the page.
import { api } from "../lib/api.js";

export function takeoutFileName(communityName, epoch, member) {
  const slug = (communityName || "community").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return `takeout-${slug}-epoch-${epoch}-${member}.json`;
}

/** → {takeout, blob, fileName}: the page saves `blob` under `fileName` (a download link). */
export async function fetchTakeout(token, communityName, epoch, member) {
  const takeout = await api(`/api/communities/${token}/epochs/${epoch}/takeout/${member}`);
  const blob = new Blob([JSON.stringify(takeout, null, 2) + "\n"], { type: "application/json" });
  return { takeout, blob, fileName: takeoutFileName(communityName, epoch, member) };
}
