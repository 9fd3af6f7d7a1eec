// Token amounts as BigInt base units: text typed by a person ↔ base units, without floating point.

export const TOKEN_DECIMALS = 18;
export const BPS_DENOMINATOR = 10000n;

/** "12.5" (a dot or a comma as decimal separator) → 12500000000000000000n; throws RangeError on bad text. */
export function toBaseUnits(text, decimals = TOKEN_DECIMALS) {
  const clean = String(text).trim().replace(",", ".");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(clean);
  if (!match) throw new RangeError(`"${text}" is not an amount`);
  const fraction = match[2] || "";
  if (fraction.length > decimals) throw new RangeError(`"${text}" has more than ${decimals} decimals`);
  return BigInt(match[1]) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/** Base units (BigInt, number or decimal string) → {whole: BigInt, fraction: "digits without trailing zeros"}. */
export function splitBaseUnits(value, decimals = TOKEN_DECIMALS) {
  let units = BigInt(value);
  const negative = units < 0n;
  if (negative) units = -units;
  const scale = 10n ** BigInt(decimals);
  const fraction = (units % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return { negative, whole: units / scale, fraction };
}

/** Base units → plain decimal text ("12.5"), for inputs and tests (not for display: see i18n formatTokens). */
export function fromBaseUnits(value, decimals = TOKEN_DECIMALS) {
  const { negative, whole, fraction } = splitBaseUnits(value, decimals);
  return `${negative ? "-" : ""}${whole}${fraction ? "." + fraction : ""}`;
}

/** Basis points → percent as a number (100 → 1). */
export function bpsToPercent(bps) {
  return Number(bps) / 100;
}
