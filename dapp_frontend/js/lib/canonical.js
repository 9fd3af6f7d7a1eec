// The canonical serialization of a member's readings and the salted data hash of its leaf, exactly as the
// oracle defines them (oracle/epochs/canonical.py):
//   one line per reading, UTF-8, sorted by device id then timestamp:
//   "<deviceid>,<timestamp UTC YYYY-MM-DDTHH:MM:SSZ>,<energy Wh, exactly 3 decimals>\n" (no negative zero);
//   dataHash = keccak256(salt ++ those bytes), salt 32 bytes.
import { ethers } from "../../vendor/ethers.min.js";

/** The oracle's own description of the rule (oracle.takeout.CANONICALIZATION), as a take-out file states it. */
export const CANONICALIZATION = "one line per reading, sorted by deviceid then ts: '<deviceid>,<ts UTC " +
  "YYYY-MM-DDTHH:MM:SSZ>,<energy Wh, 3 decimals>\\n' (UTF-8); dataHash = keccak256(salt ++ those bytes)";

/** A take-out's readings [{deviceid, ts, energy}] (already in canonical order, as text) → the canonical text.
 *  Like the oracle, the lines are joined in the order given: the file's order is part of what is hashed. */
export function canonicalText(readings) {
  return readings.map((r) => `${r.deviceid},${r.ts},${r.energy}\n`).join("");
}

/** The canonical bytes (UTF-8) of a take-out's readings. Throws on text that is not valid Unicode. */
export function canonicalBytes(readings) {
  return ethers.toUtf8Bytes(canonicalText(readings));
}

/** keccak256(salt ++ canonical bytes) as 0x-hex; `salt` is 32 bytes (hex or bytes). */
export function dataHash(salt, canonical) {
  const saltBytes = ethers.getBytes(salt);
  if (saltBytes.length !== 32) throw new Error("the salt must be 32 bytes");
  return ethers.keccak256(ethers.concat([saltBytes, canonical]));
}

/** Energy in Wh as the oracle writes it: Python's "{:.3f}" (round half to even on the exact binary value),
 *  and "0.000" instead of "-0.000". */
export function formatEnergy(wh) {
  const x = Number(wh);
  let text = x.toFixed(3);
  // toFixed breaks exact ties away from zero, Python to even; a double is an exact tie at 3 decimals only
  // when it is an odd multiple of 1/16 (k/2000 with k odd is a binary fraction only then)
  const sixteenths = x * 16;
  if (Number.isInteger(sixteenths) && Math.abs(sixteenths) % 2 === 1) {
    const scaled = Math.abs(x) * 1000; // exact: an odd multiple of 62.5
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    text = (x < 0 ? "-" : "") + (even / 1000).toFixed(3);
  }
  return /^-0\.000$/.test(text) ? "0.000" : text;
}

/** Energy as a canonical line writes it (oracle canonical._texts, which made every committed data hash): like
 *  formatEnergy, except that an exact negative zero stays "-0.000" (only values in (-0.0005, 0) become
 *  "0.000" there). */
export function canonicalEnergy(wh) {
  const x = Number(wh);
  return Object.is(x, -0) ? "-0.000" : formatEnergy(x);
}

/** Unix seconds → "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
export function formatTs(seconds) {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 19) + "Z";
}

/** Compares strings by Unicode code point, as Python does (JS's < compares UTF-16 units). */
export function compareCodePoints(a, b) {
  const x = Array.from(a), y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Rows {device, tsSeconds, energy (Wh, number)} of one member → canonical readings {deviceid, ts, energy}
 *  (oracle canonical_lines): sorted by device id then time, stable. */
export function canonicalLines(rows) {
  const ordered = rows.map((row, at) => ({ row, at })).sort((p, q) =>
    compareCodePoints(String(p.row.device), String(q.row.device)) ||
    Number(p.row.tsSeconds) - Number(q.row.tsSeconds) || p.at - q.at);
  return ordered.map(({ row }) => ({
    deviceid: String(row.device), ts: formatTs(row.tsSeconds), energy: canonicalEnergy(row.energy),
  }));
}
