// An Oracle Admin publishes a version of a community's reward-model parameters on the ModelRegistry,
// encoded exactly as the oracle does (oracle/models/parameters.py, oracle/model_registry.py): model id and
// parameter names are ASCII right-padded into bytes32, values are unsigned fixed point with 6 decimals
// (97.5 → 97 500 000), names in the order given; then, like `oracle models publish`, the model is made the
// community's active one from the version's time when it is not already.
import { ethers } from "../../vendor/ethers.min.js";
import { sendTransaction } from "../lib/tx.js";

export const PARAM_DECIMALS = 6; // ModelRegistry.PARAM_DECIMALS
export const REQUIRED_PARAMETERS = {
  self_consumption: ["alpha_consumer", "alpha_producer"],
  peak_shaving: ["beta", "cap"],
  combined: ["alpha_consumer", "alpha_producer", "beta", "cap", "w_sc", "w_ps"],
};
export const OPTIONAL_PARAMETERS = { self_consumption: [], peak_shaving: ["q", "min_coverage"], combined: ["q", "min_coverage"] };
export const MODEL_IDS = Object.keys(REQUIRED_PARAMETERS);
// PLAUSIBLE_RANGES of oracle/models/parameters.py (decimal text, compared exactly in fixed point)
export const PLAUSIBLE_RANGES = {
  alpha_consumer: ["0", "100"], alpha_producer: ["0", "100"], beta: ["0", "1000"], cap: ["0", "10000"],
  q: ["50", "100"], min_coverage: ["0.5", "1"], w_sc: ["0", "10"], w_ps: ["0", "10"],
};
// Seconds added to the registry's earliest time when a notice applies (oracle/model_registry.py NOTICE_MARGIN).
export const NOTICE_MARGIN = 60;
const PLAIN_DECIMAL = /^-?[0-9]+(?:\.[0-9]+)?$/;

/** ASCII text right-padded with zeros into bytes32 (oracle.chain.encoding.to_bytes32). */
export function toBytes32(text) {
  if (!/^[\x00-\x7f]*$/.test(text) || text.length > 32) throw new Error(`${text} is not 1-32 ASCII characters`);
  return ethers.zeroPadBytes(ethers.toUtf8Bytes(text), 32);
}

/** bytes32 → its text without the zero padding (oracle.chain.encoding.from_bytes32). */
export function fromBytes32(hex) {
  return ethers.toUtf8String(ethers.getBytes(hex)).replace(/\0+$/, "");
}

/** Plain decimal text → fixed-point BigInt with 6 decimals, or null (more decimals, not plain decimal). */
export function toFixedPoint(text) {
  if (!PLAIN_DECIMAL.test(text) || text.startsWith("-")) return null;
  const [whole, fraction = ""] = text.split(".");
  if (fraction.length > PARAM_DECIMALS) return null;
  return BigInt(whole) * 10n ** BigInt(PARAM_DECIMALS) + BigInt(fraction.padEnd(PARAM_DECIMALS, "0"));
}

/** Compares two non-negative plain decimals exactly: -1, 0 or 1. */
function compareDecimal(a, b) {
  const [aw, af = ""] = a.split(".");
  const [bw, bf = ""] = b.split(".");
  const width = Math.max(af.length, bf.length);
  const x = BigInt(aw + af.padEnd(width, "0"));
  const y = BigInt(bw + bf.padEnd(width, "0"));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One parameter's typed text → {ok, text, fixed} or {ok:false, key, vars}: plain decimal, inside the plausible
 * range, at most 6 decimals (the oracle's checks, in its order). A decimal comma is accepted. */
function checkParameter(name, raw) {
  const text = String(raw).trim().replace(",", ".");
  if (!PLAIN_DECIMAL.test(text)) return { ok: false, key: "oracle.param.notDecimal", vars: { name, value: raw } };
  const [low, high] = PLAUSIBLE_RANGES[name];
  if (text.startsWith("-") || compareDecimal(text, low) < 0 || compareDecimal(text, high) > 0) {
    return { ok: false, key: "oracle.param.outOfRange", vars: { name, value: raw, low, high } };
  }
  const fixed = toFixedPoint(text);
  if (fixed === null) return { ok: false, key: "oracle.param.tooManyDecimals", vars: { name, value: raw, decimals: PARAM_DECIMALS } };
  return { ok: true, text, fixed };
}

/** Checks `params` ({name: typed text}, only filled fields, in form order) for `model` the way the oracle does
 * before publishing → {ok, names, values, texts} or {ok:false, key, vars, field}. */
export function checkParameters(model, params) {
  if (!(model in REQUIRED_PARAMETERS)) return { ok: false, key: "oracle.param.unknownModel", vars: { model }, field: "model" };
  const known = [...REQUIRED_PARAMETERS[model], ...OPTIONAL_PARAMETERS[model]];
  const checked = { ok: true, names: [], values: [], texts: {} };
  for (const [name, raw] of Object.entries(params)) {
    if (!known.includes(name)) return { ok: false, key: "oracle.param.unknown", vars: { name, model }, field: name };
    const one = checkParameter(name, raw);
    if (!one.ok) return { ...one, field: name };
    checked.names.push(name);
    checked.values.push(one.fixed);
    checked.texts[name] = one.text;
  }
  const missing = REQUIRED_PARAMETERS[model].find((name) => !checked.names.includes(name));
  if (missing) return { ok: false, key: "oracle.param.missing", vars: { name: missing, model }, field: missing };
  return checked;
}

/** The registry's earliest effective time for a new version of `model` (with the oracle's margin under a notice),
 * and the previous version's time (null for a first version). */
export async function earliestEffectiveFrom(registry, token, model) {
  const key = toBytes32(model);
  const count = Number(await registry.versionCount(token, key));
  const previous = count ? Number((await registry.getVersion(token, key, count)).effectiveFrom) : null;
  const earliest = Number(await registry.earliestEffectiveFrom(token, previous !== null, previous ?? 0));
  const notice = Number(await registry.minNotice());
  return { earliest: notice > 0 ? earliest + NOTICE_MARGIN : earliest, previous, versions: count };
}

/** Publishes the version, then schedules the model as active from `effectiveFrom` when it is not already;
 * resolves with {version, activeFrom}. */
export async function publishModel(registry, token, model, checked, effectiveFrom, statusElement) {
  const key = toBytes32(model);
  const names = checked.names.map(toBytes32);
  await sendTransaction("oracle.tx.publish",
    () => registry.publishVersion(token, key, names, checked.values, effectiveFrom), statusElement);
  const version = Number(await registry.versionCount(token, key));
  if ((await registry.activeModelAt(token, effectiveFrom)) === key) return { version, activeFrom: null };
  const activeFrom = await switchTime(registry, token, effectiveFrom);
  await sendTransaction("oracle.tx.activate", () => registry.setActiveModel(token, key, activeFrom), statusElement);
  return { version, activeFrom };
}

// oracle/model_registry.py _switch_time: the version's time if the schedule allows it, else the earliest it allows.
async function switchTime(registry, token, when) {
  const schedule = await registry.modelSchedule(token);
  const previous = schedule.length ? Number(schedule[schedule.length - 1].effectiveFrom) : null;
  const earliest = Number(await registry.earliestEffectiveFrom(token, previous !== null, previous ?? 0));
  if (Number(await registry.minNotice()) === 0) return Math.max(when, earliest);
  return when >= earliest + NOTICE_MARGIN / 2 ? when : earliest + NOTICE_MARGIN;
}
