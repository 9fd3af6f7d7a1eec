// Download the certification transactions shown on the dashboard as a CSV file (UTF-8, a header row,
// RFC 4180 quoting): the same filters as the list, every matching row, oldest first.
import { withQuery } from "../lib/api.js";

/** The CSV route of the filters {municipality, kind, from, to} (empty ones left out). */
export function certificationsCsvUrl(filters) {
  const query = Object.fromEntries(Object.entries(filters).filter(([, value]) => value));
  return withQuery("/api/lighting/certifications.csv", query);
}

/** Points a download link at the CSV of `filters` (a real link: it works with the keyboard and "save as"). */
export function prepareCsvLink(link, filters) {
  link.href = certificationsCsvUrl(filters);
  link.setAttribute("download", "lighting-certifications.csv");
}
