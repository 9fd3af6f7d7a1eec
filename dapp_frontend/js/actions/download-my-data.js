// Download everything the platform holds about me in a community (GDPR access and portability), as the JSON
// file the server names (Content-Disposition): fetched here, saved by the page.
import { ApiError } from "../lib/api.js";

export function myDataPath(token, member) {
  return `/api/communities/${token}/members/${member}/personal-data`;
}

function fileNameOf(response, member) {
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return named ? named[1] : `lec-my-data-${member}.json`;
}

/** → {document, blob, fileName}; throws ApiError with the server's sentence when it refuses. */
export async function fetchMyData(token, member) {
  let response;
  try {
    response = await fetch(myDataPath(token, member), { credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json" } });
  } catch (err) {
    throw new ApiError(0, `the server cannot be reached (${err.message})`);
  }
  const document = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, document?.error || `the server answered ${response.status}`,
      document?.field ?? null);
  }
  const blob = new Blob([JSON.stringify(document, null, 2) + "\n"], { type: "application/json" });
  return { document, blob, fileName: fileNameOf(response, member) };
}
