// A take-out file checked against the chain, in the order and with the part names of `oracle verify`
// (oracle/takeout_verify.py), so the browser and the oracle name the same first failing part.
// Pure functions: no DOM. The chain is read through a `chain` object (see actions/verify-takeout.js):
//   chainId(), notaryAddress, factoryAddress, isCommunity(token), rewardDistributor(token),
//   communityByName(name), epochCount(token), getEpoch(token, n), getVersion(token, modelKey, version),
//   carriedLeaves(token, n, revision?), verifyTakeout(token, n, index, member, amount, dataHash, proof),
//   revisionCount(token, n), getRevision(token, n, k), revisionCommitment(token, n, k),
//   verifyRevisionTakeout(token, n, k, index, member, amount, dataHash, proof),
//   v1Epoch(notary, token, n), v1VerifyTakeout(notary, token, n, member, amount, dataHash, proof).
// A revision's take-out (a `revision` object) is checked against the revision, as `oracle verify` does.
// The result: {ok, failedPart, failure, lines: [{status: "ok"|"fail"|"info", part, key, vars}]}; the
// first "fail" is the part named. Texts: MESSAGES (en + it), rendered with render(line, lang).
import { ethers } from "../../vendor/ethers.min.js";
import { CANONICALIZATION, canonicalBytes, dataHash } from "./canonical.js";
import { REWARD_LEAF_ENCODING, REWARD_LEAF_ENCODING_V1, leafHash, processProof } from "./merkle.js";
export const FORMAT = "lec-takeout-v2";
export const FORMAT_V1 = "lec-takeout-v1";
export const FORMATS = [FORMAT_V1, FORMAT];
export const FIELDS = ["format", "chainId", "notary", "community", "epoch", "period", "model", "index", "member",
  "amount", "salt", "dataHash", "leaf", "proof", "root", "canonicalization", "readings",
  "revision", "reward", "debtDeducted"]; // a revision's take-out; an epoch leaf that paid off a debt
export const BASELINE_MODELS = ["peak_shaving", "combined"]; // oracle.epochs.runner.BASELINE_MODELS
const STATUS = ["none", "committed", "voided", "released"]; // ConsumptionNotary.EpochStatus
const ZERO_ADDRESS = "0x" + "00".repeat(20);

// ------------------------------------------------------------------ reading a file (oracle.takeout._parse)

export class MalformedTakeout extends Error {
  constructor(key, vars) {
    super(render({ key, vars }, "en"));
    this.key = key;
    this.vars = vars;
  }
}

/** A value as Python's repr shows it in the oracle's messages ('text', 1, [..], {..}, True, None). */
export function shown(value) {
  if (typeof value === "string") {
    return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replace(/'/g, "\\'")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(shown).join(", ")}]`;
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${shown(k)}: ${shown(v)}`).join(", ")}}`;
  }
  return String(value);
}
const malformed = (key, vars) => { throw new MalformedTakeout(key, vars); };

function hex32(value, what) {
  const text = String(value).replace(/^0x/, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) malformed("format.notHex", { what });
  if (text.length !== 64) malformed("format.not32", { what });
  return "0x" + text.toLowerCase();
}

function uint(value, what, bits = 256) {
  let number = null;
  if (typeof value === "string" && /^[0-9]{1,80}$/.test(value)) number = BigInt(value);
  else if (typeof value === "number" && Number.isInteger(value) && value >= 0) number = BigInt(value);
  else if (typeof value === "bigint" && value >= 0n) number = value;
  if (number === null) malformed("format.notWhole", { what, value: shown(value) });
  if (number >= 2n ** BigInt(bits)) malformed("format.tooBig", { what, value: String(number), bits });
  return number;
}

function address(value, what) {
  if (typeof value !== "string" || !ethers.isAddress(value)) {
    malformed("format.notAddress", { what, value: shown(value) });
  }
  return ethers.getAddress(value);
}

const ISO = new RegExp("^(\\d{4})-(\\d{2})-(\\d{2})" + // date, then optionally time and zone
  "(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,6}))?)?(Z|[+-]\\d{2}:?\\d{2}(?::?\\d{2})?)?)?$");

/** An ISO 8601 instant with a UTC offset → {seconds (unix, fraction kept), text (as given)}. */
export function parseInstant(value, what) {
  const m = typeof value === "string" ? ISO.exec(value) : null;
  if (!m) malformed("format.notInstant", { what, value: shown(value) });
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone] = m;
  if (!zone) malformed("format.noOffset", { what, value: shown(value) });
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) / 1000;
  const check = new Date(utc * 1000);
  if (check.getUTCDate() !== +d || check.getUTCMonth() !== +mo - 1 || +h > 23 || +mi > 59 || +s > 59) {
    malformed("format.notInstant", { what, value: shown(value) });
  }
  let offset = 0;
  if (zone !== "Z") {
    const digits = zone.slice(1).replace(/:/g, "");
    offset = (+digits.slice(0, 2) * 3600 + +digits.slice(2, 4) * 60 + +(digits.slice(4, 6) || 0)) *
      (zone[0] === "-" ? -1 : 1);
  }
  return { seconds: utc - offset + (frac ? Number("0." + frac) : 0), text: value };
}

/** Unix seconds → "2026-10-01T00:00:00+00:00" (oracle.instants.iso). */
export function iso(seconds) {
  const whole = Math.floor(Number(seconds));
  const fraction = Number(seconds) - whole;
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  const micro = fraction ? "." + String(Math.round(fraction * 1e6)).padStart(6, "0") : "";
  return `${base}${micro}+00:00`;
}

function optional(doc, outer, inner, parse, required) {
  const section = doc[outer];
  if (section && typeof section === "object" && !Array.isArray(section) && inner in section) {
    return parse(section[inner], `${outer}.${inner}`);
  }
  if (required) malformed("format.missing", { what: `${outer}.${inner}` });
  return null;
}

const isObject = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
const need = (x, what) => (x === undefined || x === null ? malformed("format.missingField", { what }) : x);

/** A take-out document (parsed JSON) → a typed take-out; throws MalformedTakeout naming what is wrong. */
export function parseTakeout(doc) {
  if (!isObject(doc) || !FORMATS.includes(doc.format)) {
    malformed("format.notTakeout", { formats: FORMATS.join(" or ") });
  }
  const leaf = need(doc.leaf, "leaf");
  const encoding = Array.from(need(leaf.encoding, "leaf.encoding"));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(encoding, REWARD_LEAF_ENCODING) && !same(encoding, REWARD_LEAF_ENCODING_V1)) {
    malformed("format.encoding", { encoding: shown(encoding) });
  }
  const v1 = same(encoding, REWARD_LEAF_ENCODING_V1);
  if (v1 !== (doc.format === FORMAT_V1)) {
    malformed("format.mismatch", { format: doc.format, encoding: shown(encoding) });
  }
  const v2 = !v1;
  const dict = (v, w) => (isObject(v) ? v : malformed("format.bad", { what: w, value: shown(v) }));
  const params = optional(doc, "model", "params", dict, v2);
  return parseFields(doc, { encoding, v1, v2, params });
}

function parseReadings(readings) {
  if (!Array.isArray(readings)) malformed("format.missingField", { what: "readings" });
  return readings.map((r) => {
    if (!isObject(r) || !("deviceid" in r) || !("ts" in r) || !("energy" in r)) malformed("format.reading", {});
    return { deviceid: r.deviceid, ts: r.ts, energy: r.energy };
  });
}

function parseFields(doc, { encoding, v1, v2, params }) {
  const leaf = doc.leaf;
  const community = isObject(doc.community) ? doc.community : {};
  const name = community.name;
  const text = (v, w) => (typeof v === "string" ? v : malformed("format.bad", { what: w, value: shown(v) }));
  const takeout = {
    format: doc.format, encoding, v1, params,
    index: v1 ? null : uint(need(doc.index, "index"), "index"),
    member: address(need(doc.member, "member"), "member"),
    amount: uint(need(doc.amount, "amount"), "amount"),
    salt: hex32(need(doc.salt, "salt"), "salt"),
    dataHash: hex32(need(doc.dataHash, "dataHash"), "dataHash"),
    root: hex32(need(doc.root, "root"), "root"),
    proof: Array.from(need(doc.proof, "proof")).map((p) => hex32(p, "a proof node")),
    readings: parseReadings(doc.readings),
    leafValue: Array.from(need(leaf.value, "leaf.value")),
    leafHash: "hash" in leaf ? hex32(leaf.hash, "leaf.hash") : null,
    chainId: uint(need(doc.chainId, "chainId"), "chainId", 64),
    notary: address(need(doc.notary, "notary"), "notary"),
    token: address(need(community.token, "community.token"), "community.token"),
    communityName: typeof name === "string" || name == null ? name ?? null
      : malformed("format.bad", { what: "community.name", value: shown(name) }),
    epoch: uint(need(doc.epoch, "epoch"), "epoch", 64),
    periodStart: optional(doc, "period", "start", parseInstant, v2),
    periodEnd: optional(doc, "period", "end", parseInstant, v2),
    dataStart: optional(doc, "period", "dataStart", parseInstant, v2),
    modelId: optional(doc, "model", "id", text, v2),
    modelVersion: optional(doc, "model", "version", (v, w) => uint(v, w, 32), v2),
    effectiveFrom: optional(doc, "model", "effectiveFrom", parseInstant, v2),
    canonicalization: doc.canonicalization ?? null,
    unknownFields: Object.keys(doc).filter((k) => !FIELDS.includes(k)).sort(),
    revision: parseRevision(doc, v1),
    ...parseDebt(doc),
  };
  const core = [takeout.member, takeout.amount, takeout.dataHash];
  takeout.leaf = v1 ? core : [takeout.index, ...core];
  takeout.parts = v1 ? "(member, amount, dataHash)" : "(index, member, amount, dataHash)";
  return takeout;
}

/** The `revision` object of a revision's take-out (oracle.takeout._revision_part). */
function parseRevision(doc, v1) {
  if (!("revision" in doc)) return null;
  const part = doc.revision;
  if (v1 || !isObject(part)) malformed("format.revision", {});
  const field = (key) => (key in part ? part[key] : malformed("format.missing", { what: `revision.${key}` }));
  return {
    number: uint(field("number"), "revision.number", 32),
    reasonHash: hex32(field("reasonHash"), "revision.reasonHash"),
    datasetHash: hex32(field("datasetHash"), "revision.datasetHash"),
    previousReward: uint(field("previousReward"), "revision.previousReward"),
    reward: uint(field("reward"), "revision.reward"),
    topUp: uint(field("topUp"), "revision.topUp"),
    debt: uint(field("debt"), "revision.debt"),
  };
}

/** reward and debtDeducted: both or neither, and only in an epoch's take-out (oracle.takeout._debt_part). */
function parseDebt(doc) {
  const stated = ["reward", "debtDeducted"].filter((key) => key in doc);
  if (!stated.length) return { reward: null, debtDeducted: null };
  if (stated.length === 1) {
    malformed("format.without", { what: stated[0], missing: stated[0] === "reward" ? "debtDeducted" : "reward" });
  }
  if ("revision" in doc) malformed("format.debtInRevision", {});
  return { reward: uint(doc.reward, "reward"), debtDeducted: uint(doc.debtDeducted, "debtDeducted") };
}

// ------------------------------------------------------------------ the result

class Result {
  constructor() {
    this.ok = true;
    this.failedPart = null;
    this.failure = null; // the failing line
    this.lines = [];
  }

  check(passed, part, fine, wrong, vars = {}) {
    const line = { status: passed ? "ok" : "fail", part, key: passed ? fine : wrong, vars };
    this.lines.push(line);
    if (!passed && this.ok) Object.assign(this, { ok: false, failedPart: part, failure: line });
    return passed;
  }

  info(part, key, vars = {}) {
    this.lines.push({ status: "info", part, key, vars });
  }
}

// ------------------------------------------------------------------ verify

/** Parses and checks a take-out document against the chain; a malformed file fails at the part "format". */
export async function verifyTakeoutDocument(doc, chain) {
  let takeout;
  try {
    takeout = parseTakeout(doc);
  } catch (err) {
    if (!(err instanceof MalformedTakeout)) throw err;
    const result = new Result();
    result.check(false, "format", "", err.key, err.vars);
    return result;
  }
  return verifyTakeout(takeout, chain);
}

/** The checks of `oracle verify` (verify_takeout), in its order. */
export async function verifyTakeout(takeout, chain) {
  const result = new Result();
  const served = BigInt(await chain.chainId());
  const sameChain = result.check(takeout.chainId === served, "chainId", "chainId.ok", "chainId.fail",
    { file: String(takeout.chainId), served: String(served) });
  if (takeout.v1) {
    checkFileLeaf(takeout, result, null);
    if (sameChain) await verifyOnchainV1(chain, takeout, result);
    result.info("period, model, community", "v1.notChecked");
  } else {
    const committed = sameChain ? await checkCommitment(chain, takeout, result) : null;
    const carried = committed ? await checkLeafOnChain(chain, takeout, committed, result) : null;
    checkFileLeaf(takeout, result, carried);
    if (committed) await checkNotaryAccepts(chain, takeout, result);
    if (takeout.revision) checkRevisionArithmetic(takeout, result);
    else if (takeout.debtDeducted !== null) checkDebtDeducted(takeout, result);
  }
  informational(takeout, result);
  return result;
}

async function checkNotaryAccepts(chain, takeout, result) {
  const leaf = [takeout.index, takeout.member, takeout.amount, takeout.dataHash, takeout.proof];
  if (!takeout.revision) {
    const accepted = await chain.verifyTakeout(takeout.token, takeout.epoch, ...leaf);
    result.check(Boolean(accepted), "verifyTakeout", "verifyTakeout.ok", "verifyTakeout.fail");
    return;
  }
  const number = takeout.revision.number;
  const accepted = await chain.verifyRevisionTakeout(takeout.token, takeout.epoch, number, ...leaf);
  result.check(Boolean(accepted), "verifyRevisionTakeout", "verifyRevision.ok", "verifyRevision.fail",
    { revision: String(number) });
}

// ------------------------------------------------------------------ where the commitment is, and what it says

async function checkCommitment(chain, takeout, result) {
  const notary = chain.notaryAddress;
  result.check(takeout.notary === notary, "notary", "notary.ok", "notary.fail", { file: takeout.notary, notary });
  if (!(await checkCommunity(chain, takeout, result, notary))) return null;
  const committed = await committedEpoch(chain, takeout.token, takeout.epoch);
  const vars = { epoch: String(takeout.epoch), token: takeout.token };
  if (!committed) {
    const count = Number(await chain.epochCount(takeout.token));
    result.check(false, "epoch", "", count ? "epoch.missingLatest" : "epoch.missingNone", { ...vars, count });
    return null;
  }
  result.check(committed.status !== "voided", "epoch", "epoch.ok", "epoch.voided",
    { ...vars, committedAt: iso(committed.committedAt), status: committed.status });
  checkPeriod(takeout, committed, result);
  await checkModel(chain, takeout, committed, result);
  if (takeout.revision) return checkRevision(chain, takeout, result);
  result.check(takeout.root === committed.merkleRoot, "root", "root.ok", "root.fail",
    { file: takeout.root, root: committed.merkleRoot });
  return committed;
}

/** revision.number, root, revision.datasetHash and revision.reasonHash against the revision on-chain. */
async function checkRevision(chain, takeout, result) {
  const number = takeout.revision.number;
  const vars = { epoch: String(takeout.epoch), token: takeout.token, revision: String(number) };
  const count = BigInt(await chain.revisionCount(takeout.token, takeout.epoch));
  if (number < 1n || number > count) {
    result.check(false, "revision.number", "", count ? "revision.missingLatest" : "revision.missingNone",
      { ...vars, count: String(count) });
    return null;
  }
  const raw = await chain.getRevision(takeout.token, takeout.epoch, number);
  const committed = {
    status: STATUS[Number(raw.status ?? raw[0])], merkleRoot: String(raw.merkleRoot ?? raw[1]).toLowerCase(),
    leafCount: Number(raw.leafCount ?? raw[2]), committedAt: Number(raw.committedAt ?? raw[5]),
  };
  result.check(committed.status !== "voided", "revision.number", "revision.ok", "revision.voided",
    { ...vars, committedAt: iso(committed.committedAt), status: committed.status });
  result.check(takeout.root === committed.merkleRoot, "root", "revisionRoot.ok", "revisionRoot.fail",
    { ...vars, file: takeout.root, root: committed.merkleRoot });
  const event = await chain.revisionCommitment(takeout.token, takeout.epoch, number);
  for (const [part, stated, key] of [["revision.datasetHash", takeout.revision.datasetHash, "datasetHash"],
    ["revision.reasonHash", takeout.revision.reasonHash, "reasonHash"]]) {
    if (!event) {
      result.check(false, part, "", "revisionEvent.missing", vars);
      continue;
    }
    const onchain = String(event[key]).toLowerCase();
    result.check(stated === onchain, part, "revisionEvent.ok", "revisionEvent.fail",
      { ...vars, file: stated, chain: onchain });
  }
  return committed;
}

/** ConsumptionNotary.getEpoch decoded (null when the notary has no epoch of that number). */
async function committedEpoch(chain, token, number) {
  if (number < 1n || number > BigInt(await chain.epochCount(token))) return null;
  const raw = await chain.getEpoch(token, number);
  return {
    status: STATUS[Number(raw.status ?? raw[0])],
    periodStart: Number(raw.periodStart), periodEnd: Number(raw.periodEnd),
    merkleRoot: String(raw.merkleRoot).toLowerCase(), modelId: fromBytes32(raw.modelId),
    modelVersion: BigInt(raw.modelVersion), leafCount: Number(raw.leafCount), committedAt: Number(raw.committedAt),
  };
}

export function fromBytes32(value) {
  const bytes = ethers.getBytes(value);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return ethers.toUtf8String(bytes.slice(0, end));
}

function toBytes32(text) {
  if (!/^[\x00-\x7f]*$/.test(text) || text.length > 32) throw new Error(`'${text}' is not a 32-byte ASCII name`);
  return ethers.zeroPadBytes(ethers.toUtf8Bytes(text), 32);
}

async function checkCommunity(chain, takeout, result, notary) {
  const token = takeout.token;
  if (!(await chain.isCommunity(token))) {
    return result.check(false, "community.token", "", "community.notCommunity",
      { token, factory: chain.factoryAddress });
  }
  const wired = ethers.getAddress(await chain.rewardDistributor(token));
  result.check(wired === notary, "community.token", "community.ok", "community.otherNotary", { token, wired, notary });
  const name = takeout.communityName;
  if (name === null) {
    result.info("community.name", "community.nameNotStated");
    return true;
  }
  const named = ethers.getAddress(await chain.communityByName(name));
  result.check(named === token, "community.name", "community.nameOk",
    named === ZERO_ADDRESS ? "community.nameUnknown" : "community.nameOther", { name, named, token });
  return true;
}

function sameInstant(result, part, stated, onchain, what, vars = {}) {
  return result.check(Math.trunc(stated.seconds) === onchain, part, "instant.ok", "instant.fail",
    { ...vars, what, file: iso(stated.seconds), chain: iso(onchain) });
}

function checkPeriod(takeout, committed, result) {
  sameInstant(result, "period.start", takeout.periodStart, committed.periodStart, "what.periodStart");
  sameInstant(result, "period.end", takeout.periodEnd, committed.periodEnd, "what.periodEnd");
  const model = committed.modelId;
  const baseline = BASELINE_MODELS.includes(model);
  const dataStart = baseline ? 2 * committed.periodStart - committed.periodEnd : committed.periodStart;
  sameInstant(result, "period.dataStart", takeout.dataStart, dataStart,
    baseline ? "what.dataStartBaseline" : "what.dataStart", { model });
}

async function checkModel(chain, takeout, committed, result) {
  const model = committed.modelId, version = committed.modelVersion;
  result.check(takeout.modelId === model, "model.id", "model.idOk", "model.idFail",
    { file: shown(takeout.modelId), model });
  result.check(takeout.modelVersion === version, "model.version", "model.versionOk", "model.versionFail",
    { file: String(takeout.modelVersion), version: String(version) });
  const where = { model, version: String(version) };
  let published, registry;
  try {
    published = await chain.getVersion(takeout.token, toBytes32(model), version);
    // by position: an ethers Result's `values` is the Array method, not the field
    registry = paramsFromChain(Array.from(published[3]), Array.from(published[4]));
  } catch (err) {
    result.check(false, "model.version", "", "model.unreadable", { ...where, reason: err.shortMessage || err.message });
    return;
  }
  sameInstant(result, "model.effectiveFrom", takeout.effectiveFrom, Number(published[0]), "what.effectiveFrom", where);
  checkParams(takeout.params, registry, result, where);
}

/** ModelRegistry (names bytes32, values fixed point 6 decimals) → Map name → number (oracle params_from_chain). */
export function paramsFromChain(names, values) {
  if (names.length !== values.length) throw new Error(`${names.length} names but ${values.length} values`);
  const out = new Map();
  Array.from(names).forEach((raw, i) => {
    const name = fromBytes32(raw);
    if (!name || out.has(name)) throw new Error(`invalid or duplicate parameter '${name}'`);
    out.set(name, Number(BigInt(values[i])) / 1e6);
  });
  return out;
}

/** A parameter as the registry holds it (6 decimals), without trailing zeros (oracle _num). */
export const formatParam = (value) => value.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");

function checkParams(stated, registry, result, where) {
  for (const [name, value] of registry) {
    const part = `model.params.${name}`;
    if (!(name in stated)) {
      result.check(false, part, "", "param.missing", { ...where, value: formatParam(value) });
      continue;
    }
    const given = stated[name];
    result.check(typeof given === "number" && given === value, part, "param.ok", "param.fail",
      { ...where, value: formatParam(value), file: shown(given) });
  }
  for (const name of Object.keys(stated).filter((n) => !registry.has(n))) {
    result.check(false, `model.params.${name}`, "", "param.unknown", { ...where, name });
  }
}

// ------------------------------------------------------------------ the leaf

/** The chain's leaf the file is about: the one its proof proves, else the one at its index, else its member's. */
function committedLeaf(takeout, leaves, root) {
  for (const leaf of leaves) {
    const value = [leaf.index, leaf.member, leaf.amount, leaf.dataHash];
    if (processProof(leafHash(value, REWARD_LEAF_ENCODING), takeout.proof) === root) return leaf;
  }
  return leaves.find((leaf) => leaf.index === takeout.index)
    || leaves.find((leaf) => leaf.member === takeout.member) || null;
}

async function checkLeafOnChain(chain, takeout, committed, result) {
  const revision = takeout.revision ? takeout.revision.number : null;
  const leaves = await chain.carriedLeaves(takeout.token, takeout.epoch, revision);
  const leaf = committedLeaf(takeout, leaves, committed.merkleRoot);
  if (!leaf) {
    const count = committed.leafCount;
    const [fine, wrong] = revision === null ? ["index.okUncarried", "index.outOfRange"]
      : ["index.okUncarriedRevision", "index.outOfRangeRevision"];
    result.check(takeout.index < BigInt(count), "index", fine, wrong,
      { index: String(takeout.index), count, last: count - 1, revision: String(revision) });
    result.info("member, amount, dataHash", "leaf.notCarried", { index: String(takeout.index) });
    return null;
  }
  const carried = { index: String(leaf.index), carrier: leaf.carrier, tx: leaf.txHash };
  for (const [part, stated, onchain] of [["index", takeout.index, leaf.index], ["member", takeout.member, leaf.member],
    ["amount", takeout.amount, leaf.amount], ["dataHash", takeout.dataHash, leaf.dataHash]]) {
    result.check(stated === onchain, part, "leaf.carriedOk", "leaf.carriedFail",
      { ...carried, file: String(stated), chain: String(onchain) });
  }
  return leaf;
}

/** Python's int() of a leaf value part: an integer, or decimal digits with optional sign, spaces, underscores. */
function pyInt(value) {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return BigInt(value.trim().replace(/_/g, ""));
  throw new Error("not an integer");
}

function leafValueMatches(takeout) {
  let value = takeout.leafValue;
  try {
    if (!takeout.v1) {
      if (pyInt(value[0]) !== takeout.index) return false;
      value = value.slice(1);
    }
    if (value.length !== 3) return false;
    const [member, amount, hash] = value;
    return ethers.getAddress(String(member).toLowerCase()) === takeout.member && pyInt(amount) === takeout.amount &&
      "0x" + String(hash).replace(/^0x/, "").toLowerCase() === takeout.dataHash;
  } catch {
    return false;
  }
}

function recomputedDataHash(takeout) {
  try {
    return dataHash(takeout.salt, canonicalBytes(takeout.readings));
  } catch {
    return null; // text that is not valid Unicode hashes to nothing
  }
}

/** Readings and salt → data hash → leaf → proof → root, with the file's own encoding (_check_file_leaf). */
function checkFileLeaf(takeout, result, carried) {
  const recomputed = recomputedDataHash(takeout);
  const count = takeout.readings.length;
  const confirmed = carried !== null && carried.dataHash === takeout.dataHash;
  result.check(recomputed === takeout.dataHash, confirmed ? "readings or salt" : "readings, salt or dataHash",
    "data.ok", confirmed ? "data.failConfirmed" : "data.fail",
    { count, recomputed: String(recomputed), file: takeout.dataHash });
  const parts = takeout.parts;
  result.check(leafValueMatches(takeout), "leaf.value", "leafValue.ok", "leafValue.fail",
    { parts, value: shown(takeout.leafValue) });
  const leaf = leafHash(takeout.leaf, takeout.encoding);
  if (takeout.leafHash === null) {
    result.info("leaf.hash", "leafHash.notStated");
  } else if (leaf !== takeout.leafHash && processProof(takeout.leafHash, takeout.proof) === takeout.root) {
    const named = parts.slice(1, -1).replace(", dataHash", " or dataHash");
    result.check(false, named, "", "leafHash.partsAltered", { parts });
  } else {
    result.check(leaf === takeout.leafHash, "leaf.hash", "leafHash.ok", "leafHash.fail",
      { parts, file: takeout.leafHash, leaf });
  }
  const same = carried !== null && [carried.index, carried.member, carried.amount, carried.dataHash]
    .every((x, i) => x === [takeout.index, takeout.member, takeout.amount, takeout.dataHash][i]);
  const why = carried === null ? "proof.whyUnknown" : (same ? "proof.whyProof" : "proof.whyLeaf");
  result.check(processProof(leaf, takeout.proof) === takeout.root, "proof", "proof.ok", "proof.fail",
    { parts, names: parts.slice(1, -1), why });
}

// ------------------------------------------------------------------ the arithmetic of corrections

const maxZero = (x) => (x > 0n ? x : 0n);

/** topUp = amount, topUp = max(reward − previousReward, 0), debt = max(previousReward − reward, 0)
 *  (oracle _check_revision_arithmetic: only the top-up reaches the chain). */
function checkRevisionArithmetic(takeout, result) {
  const { topUp, debt, reward, previousReward } = takeout.revision;
  const vars = { topUp: String(topUp), debt: String(debt), reward: String(reward), previous: String(previousReward),
    amount: String(takeout.amount) };
  result.check(topUp === takeout.amount, "revision.topUp", "topUp.ok", "topUp.fail", vars);
  const difference = reward - previousReward;
  let passed = maxZero(difference) === topUp;
  result.check(passed, passed ? "revision.reward" : "revision.reward or revision.previousReward", "reward.ok",
    "reward.fail", { ...vars, max: String(maxZero(difference)) });
  passed = maxZero(-difference) === debt;
  const suspects = topUp ? "revision.debt" : "revision.debt, revision.reward or revision.previousReward";
  result.check(passed, passed ? "revision.debt" : suspects, "debt.ok", "debt.fail",
    { ...vars, max: String(maxZero(-difference)) });
}

/** An epoch's leaf that paid off a debt: amount = reward − debtDeducted (oracle _check_debt_deducted). */
function checkDebtDeducted(takeout, result) {
  const { reward, debtDeducted, amount } = takeout;
  const passed = reward - debtDeducted === amount;
  result.check(passed, passed ? "debtDeducted" : "reward or debtDeducted", "debtDeducted.ok", "debtDeducted.fail",
    { reward: String(reward), deducted: String(debtDeducted), amount: String(amount),
      difference: String(reward - debtDeducted) });
}

function informational(takeout, result) {
  if (takeout.canonicalization !== null) {
    result.info("canonicalization", takeout.canonicalization === CANONICALIZATION ? "canon.same" : "canon.other");
  }
  for (const name of takeout.unknownFields) result.info(name, "unknownField");
}

// ------------------------------------------------------------------ v1 files

async function verifyOnchainV1(chain, takeout, result) {
  let committed, accepted;
  try {
    committed = await chain.v1Epoch(takeout.notary, takeout.token, takeout.epoch);
    accepted = await chain.v1VerifyTakeout(takeout.notary, takeout.token, takeout.epoch, takeout.member,
      takeout.amount, takeout.dataHash, takeout.proof);
  } catch (err) {
    if (err.unknownEpoch) {
      result.check(false, "epoch", "", "v1.unknownEpoch",
        { epoch: String(takeout.epoch), token: takeout.token, notary: takeout.notary });
    } else {
      result.check(false, "notary", "", "v1.notV1",
        { notary: takeout.notary, reason: err.shortMessage || err.message });
    }
    return;
  }
  result.check(true, "notary", "v1.notaryOk", "", { notary: takeout.notary });
  result.check(committed.merkleRoot === takeout.root, "root", "root.ok", "root.fail",
    { file: takeout.root, root: committed.merkleRoot });
  result.check(Boolean(accepted), "verifyTakeout", "v1.verifyOk", "v1.verifyFail");
}

// ------------------------------------------------------------------ texts (en + it)

/** Messages of every check line, registered by the page with registerMessages(MESSAGES). The English texts say
 *  what `oracle verify` says. {what} and {why} name other keys of the same table. */
export const MESSAGES = {
  en: {
    "format.notTakeout": "not a take-out file ({formats})",
    "format.encoding": "unknown leaf encoding {encoding}: expected ['uint256', 'address', 'uint256', 'bytes32'] (or the first notary's ['address', 'uint256', 'bytes32'])",
    "format.mismatch": "format {format} does not go with the leaf encoding {encoding}",
    "format.bad": "{what} {value} is malformed",
    "format.notHex": "{what} is not hex",
    "format.not32": "{what} is not 32 bytes",
    "format.notWhole": "{what} {value} is not a whole number",
    "format.tooBig": "{what} {value} does not fit {bits} bits",
    "format.notAddress": "{what} {value} is not an Ethereum address",
    "format.notInstant": "{what} {value} is not an ISO 8601 time",
    "format.noOffset": "{what} {value} has no UTC offset",
    "format.missing": "{what} is missing",
    "format.missingField": "missing or malformed field ('{what}')",
    "format.reading": "missing or malformed field (a reading needs deviceid, ts and energy)",
    "format.revision": "revision is malformed: an object, in a lec-takeout-v2 file only",
    "format.without": "{what} is stated without {missing}",
    "format.debtInRevision": "reward and debtDeducted belong to an epoch's take-out, not a revision's (see revision.*)",
    "revision.missingLatest": "epoch {epoch} of {token} has no revision {revision} on the notary (its latest is revision {count})",
    "revision.missingNone": "epoch {epoch} of {token} has no revision {revision} on the notary (it has no revision)",
    "revision.ok": "{revision}, committed on-chain {committedAt} and standing ({status})",
    "revision.voided": "revision {revision} of epoch {epoch} was voided on-chain: it pays nothing and its commitment does not stand",
    "revisionRoot.ok": "{root}, the committed root of revision {revision}",
    "revisionRoot.fail": "the file says {file}, the committed root of revision {revision} is {root}",
    "revisionEvent.missing": "no RevisionCommitted event of revision {revision} was found on the notary",
    "revisionEvent.ok": "{chain}, as RevisionCommitted committed it",
    "revisionEvent.fail": "the file says {file}, revision {revision} was committed with {chain}",
    "index.okUncarriedRevision": "{index}, one of revision {revision}'s {count} leaves",
    "index.outOfRangeRevision": "the file says {index}, but revision {revision} committed {count} leaves (0 to {last})",
    "verifyRevision.ok": "the notary (against revision {revision}'s root) accepts (index, member, amount, dataHash, proof)",
    "verifyRevision.fail": "the notary (against revision {revision}'s root) on-chain rejects this leaf and proof",
    "topUp.ok": "{topUp} = amount, the top-up the leaf pays",
    "topUp.fail": "the file says {topUp}, the leaf (amount) pays a top-up of {amount}",
    "reward.ok": "topUp {topUp} = max(reward {reward} − previousReward {previous}, 0)",
    "reward.fail": "max(reward {reward} − previousReward {previous}, 0) is {max}, not the committed topUp {topUp}: the reward or the previousReward was altered",
    "debt.ok": "{debt} = max(previousReward {previous} − reward {reward}, 0)",
    "debt.fail": "max(previousReward {previous} − reward {reward}, 0) is {max}, not the file's debt {debt}",
    "debtDeducted.ok": "amount {amount} = reward {reward} − debtDeducted {deducted} (a debt of a corrected epoch)",
    "debtDeducted.fail": "reward {reward} − debtDeducted {deducted} is {difference}, not the committed amount {amount}: the reward or the debtDeducted was altered",
    "chainId.ok": "{served}, the chain this browser reads",
    "chainId.fail": "the file is for chain {file}, the chain this browser reads is {served}",
    "notary.ok": "{notary}, the platform's ConsumptionNotary",
    "notary.fail": "the file names {file}, but the platform's notary, the only contract whose commitments pay its communities' rewards, is {notary}",
    "community.notCommunity": "{token} is not a community token of the platform (its CommunityFactory {factory} did not create it)",
    "community.ok": "{token}, a community of the platform paid through its notary",
    "community.otherNotary": "{token} pays its rewards through {wired}, not through the platform's notary {notary}",
    "community.nameNotStated": "not stated",
    "community.nameOk": "'{name}', the factory's name of that token",
    "community.nameUnknown": "no community of the platform is named '{name}'",
    "community.nameOther": "the platform's community '{name}' has the token {named}, not {token}",
    "epoch.missingLatest": "epoch {epoch} of {token} is not committed on the notary (its latest is epoch {count})",
    "epoch.missingNone": "epoch {epoch} of {token} is not committed on the notary (it has no epoch of that community)",
    "epoch.ok": "{epoch}, committed on-chain {committedAt} and standing ({status})",
    "epoch.voided": "epoch {epoch} was voided on-chain: its commitment does not stand",
    "instant.ok": "{chain} = {what}",
    "instant.fail": "the file says {file}, {what} is {chain}",
    "what.periodStart": "the committed period start",
    "what.periodEnd": "the committed period end",
    "what.dataStart": "the data start of a {model} epoch (its period start)",
    "what.dataStartBaseline": "the data start of a {model} epoch (one period length before it, for the baseline)",
    "what.effectiveFrom": "the effective time of the ModelRegistry's {model} v{version} of this community",
    "model.idOk": "{model}, the committed model",
    "model.idFail": "the file says {file}, the epoch was committed under '{model}'",
    "model.versionOk": "{version}, the committed version",
    "model.versionFail": "the file says {file}, the epoch was committed under version {version}",
    "model.unreadable": "the ModelRegistry's {model} v{version} of this community cannot be read ({reason})",
    "param.ok": "{value} = the ModelRegistry's {model} v{version} of this community",
    "param.fail": "the file says {file}, the ModelRegistry's {model} v{version} of this community has {value}",
    "param.missing": "missing from the file; the ModelRegistry's {model} v{version} of this community has it = {value}",
    "param.unknown": "the ModelRegistry's {model} v{version} of this community has no parameter '{name}'",
    "root.ok": "{root}, the committed root",
    "root.fail": "the file says {file}, the committed root is {root}",
    "index.okUncarried": "{index}, one of the epoch's {count} leaves",
    "index.outOfRange": "the file says {index}, but the epoch committed {count} leaves (0 to {last})",
    "leaf.notCarried": "leaf {index} was not claimed or pushed on-chain yet: they are checked through the proof below",
    "leaf.carriedOk": "{file} = leaf {index} as the {carrier} {tx} carried it",
    "leaf.carriedFail": "the file says {file}, the committed leaf has {chain} (leaf {index} as the {carrier} {tx} carried it)",
    "data.ok": "keccak256(salt ++ the {count} readings) = dataHash",
    "data.fail": "keccak256(salt ++ the {count} readings) is {recomputed}, not the file's dataHash {file}: the readings, the salt or the dataHash were altered",
    "data.failConfirmed": "keccak256(salt ++ the {count} readings) is {recomputed}, not the file's dataHash {file}: the readings or the salt were altered",
    "leafValue.ok": "= {parts}",
    "leafValue.fail": "the leaf value {value} disagrees with the file's {parts}",
    "leafHash.notStated": "not stated",
    "leafHash.partsAltered": "the file's leaf.hash is a committed leaf (its proof reaches the root) but not the hash of its {parts}: one of them was altered",
    "leafHash.ok": "= the hash of {parts}",
    "leafHash.fail": "the file says {file}, the hash of {parts} is {leaf}",
    "proof.ok": "leads from the leaf {parts} to the root",
    "proof.fail": "the proof does not lead from the leaf to the root: {why}",
    "proof.whyUnknown": "the {names} or the proof were altered (the chain has not carried this leaf yet, so it cannot say which)",
    "proof.whyProof": "the proof was altered",
    "proof.whyLeaf": "the leaf is not the committed one (above)",
    "verifyTakeout.ok": "the notary accepts (index, member, amount, dataHash, proof)",
    "verifyTakeout.fail": "the notary on-chain rejects this leaf and proof",
    "canon.same": "the file's description of the rule, the oracle's own",
    "canon.other": "the file's description of the rule, not the oracle's; the data hash was recomputed by the oracle's rule",
    "unknownField": "not a take-out field: not checked",
    "v1.notChecked": "not checked for a v1 file: the first notary's registry and factory are not this platform's",
    "v1.unknownEpoch": "epoch {epoch} of {token} is not on the v1 notary {notary}",
    "v1.notV1": "{notary} does not answer the first (v1) notary's interface (getEpoch, verifyTakeout without an index), so this v1 file cannot be checked on-chain there ({reason})",
    "v1.notaryOk": "{notary} answers the first (v1) notary's interface",
    "v1.verifyOk": "the v1 notary accepts (member, amount, dataHash, proof)",
    "v1.verifyFail": "the v1 notary on-chain rejects this leaf and proof",
  },
  it: {
    "format.notTakeout": "non è un file di take-out ({formats})",
    "format.encoding": "codifica della foglia sconosciuta {encoding}: attesa ['uint256', 'address', 'uint256', 'bytes32'] (o quella del primo notaio ['address', 'uint256', 'bytes32'])",
    "format.mismatch": "il formato {format} non corrisponde alla codifica della foglia {encoding}",
    "format.bad": "{what} {value} non è valido",
    "format.notHex": "{what} non è esadecimale",
    "format.not32": "{what} non è di 32 byte",
    "format.notWhole": "{what} {value} non è un numero intero",
    "format.tooBig": "{what} {value} non sta in {bits} bit",
    "format.notAddress": "{what} {value} non è un indirizzo Ethereum",
    "format.notInstant": "{what} {value} non è un orario ISO 8601",
    "format.noOffset": "{what} {value} non ha uno scostamento da UTC",
    "format.missing": "manca {what}",
    "format.missingField": "campo mancante o non valido ('{what}')",
    "format.reading": "campo mancante o non valido (una lettura richiede deviceid, ts ed energy)",
    "format.revision": "revision non è valido: un oggetto, solo in un file lec-takeout-v2",
    "format.without": "{what} è indicato senza {missing}",
    "format.debtInRevision": "reward e debtDeducted appartengono al take-out di un'epoca, non a quello di una revisione (vedi revision.*)",
    "revision.missingLatest": "l'epoca {epoch} di {token} non ha la revisione {revision} sul notaio (l'ultima è la revisione {count})",
    "revision.missingNone": "l'epoca {epoch} di {token} non ha la revisione {revision} sul notaio (non ha revisioni)",
    "revision.ok": "{revision}, registrata on-chain il {committedAt} e valida ({status})",
    "revision.voided": "la revisione {revision} dell'epoca {epoch} è stata annullata on-chain: non paga nulla e il suo impegno non vale più",
    "revisionRoot.ok": "{root}, la radice registrata della revisione {revision}",
    "revisionRoot.fail": "il file dice {file}, la radice registrata della revisione {revision} è {root}",
    "revisionEvent.missing": "nessun evento RevisionCommitted della revisione {revision} sul notaio",
    "revisionEvent.ok": "{chain}, come l'ha registrato RevisionCommitted",
    "revisionEvent.fail": "il file dice {file}, la revisione {revision} è stata registrata con {chain}",
    "index.okUncarriedRevision": "{index}, una delle {count} foglie della revisione {revision}",
    "index.outOfRangeRevision": "il file dice {index}, ma la revisione {revision} ha registrato {count} foglie (da 0 a {last})",
    "verifyRevision.ok": "il notaio (sulla radice della revisione {revision}) accetta (index, member, amount, dataHash, proof)",
    "verifyRevision.fail": "il notaio (sulla radice della revisione {revision}) on-chain rifiuta questa foglia e questa prova",
    "topUp.ok": "{topUp} = amount, l'integrazione che la foglia paga",
    "topUp.fail": "il file dice {topUp}, la foglia (amount) paga un'integrazione di {amount}",
    "reward.ok": "topUp {topUp} = max(reward {reward} − previousReward {previous}, 0)",
    "reward.fail": "max(reward {reward} − previousReward {previous}, 0) è {max}, non il topUp registrato {topUp}: il reward o il previousReward sono stati alterati",
    "debt.ok": "{debt} = max(previousReward {previous} − reward {reward}, 0)",
    "debt.fail": "max(previousReward {previous} − reward {reward}, 0) è {max}, non il debt del file {debt}",
    "debtDeducted.ok": "amount {amount} = reward {reward} − debtDeducted {deducted} (un debito di un'epoca corretta)",
    "debtDeducted.fail": "reward {reward} − debtDeducted {deducted} è {difference}, non l'amount registrato {amount}: il reward o il debtDeducted sono stati alterati",
    "chainId.ok": "{served}, la catena letta da questo browser",
    "chainId.fail": "il file è per la catena {file}, questo browser legge la catena {served}",
    "notary.ok": "{notary}, il ConsumptionNotary della piattaforma",
    "notary.fail": "il file indica {file}, ma il notaio della piattaforma, l'unico contratto i cui impegni pagano i premi delle comunità, è {notary}",
    "community.notCommunity": "{token} non è un token di comunità della piattaforma (la sua CommunityFactory {factory} non l'ha creato)",
    "community.ok": "{token}, una comunità della piattaforma pagata tramite il suo notaio",
    "community.otherNotary": "{token} paga i premi tramite {wired}, non tramite il notaio della piattaforma {notary}",
    "community.nameNotStated": "non indicato",
    "community.nameOk": "'{name}', il nome di quel token nella factory",
    "community.nameUnknown": "nessuna comunità della piattaforma si chiama '{name}'",
    "community.nameOther": "la comunità '{name}' della piattaforma ha il token {named}, non {token}",
    "epoch.missingLatest": "l'epoca {epoch} di {token} non è registrata sul notaio (l'ultima è l'epoca {count})",
    "epoch.missingNone": "l'epoca {epoch} di {token} non è registrata sul notaio (nessuna epoca per quella comunità)",
    "epoch.ok": "{epoch}, registrata on-chain il {committedAt} e valida ({status})",
    "epoch.voided": "l'epoca {epoch} è stata annullata on-chain: il suo impegno non vale più",
    "instant.ok": "{chain} = {what}",
    "instant.fail": "il file dice {file}, {what} è {chain}",
    "what.periodStart": "l'inizio del periodo registrato",
    "what.periodEnd": "la fine del periodo registrato",
    "what.dataStart": "l'inizio dei dati di un'epoca {model} (l'inizio del periodo)",
    "what.dataStartBaseline": "l'inizio dei dati di un'epoca {model} (un periodo prima, per la baseline)",
    "what.effectiveFrom": "la data di validità del modello {model} v{version} di questa comunità nel ModelRegistry",
    "model.idOk": "{model}, il modello registrato",
    "model.idFail": "il file dice {file}, l'epoca è stata registrata con '{model}'",
    "model.versionOk": "{version}, la versione registrata",
    "model.versionFail": "il file dice {file}, l'epoca è stata registrata con la versione {version}",
    "model.unreadable": "il modello {model} v{version} di questa comunità nel ModelRegistry non si può leggere ({reason})",
    "param.ok": "{value} = il modello {model} v{version} di questa comunità nel ModelRegistry",
    "param.fail": "il file dice {file}, il modello {model} v{version} di questa comunità nel ModelRegistry ha {value}",
    "param.missing": "manca nel file; il modello {model} v{version} di questa comunità nel ModelRegistry lo ha = {value}",
    "param.unknown": "il modello {model} v{version} di questa comunità nel ModelRegistry non ha il parametro '{name}'",
    "root.ok": "{root}, la radice registrata",
    "root.fail": "il file dice {file}, la radice registrata è {root}",
    "index.okUncarried": "{index}, una delle {count} foglie dell'epoca",
    "index.outOfRange": "il file dice {index}, ma l'epoca ha registrato {count} foglie (da 0 a {last})",
    "leaf.notCarried": "la foglia {index} non è ancora stata riscossa o pagata on-chain: sono verificati tramite la prova qui sotto",
    "leaf.carriedOk": "{file} = foglia {index} come l'ha portata la transazione {carrier} {tx}",
    "leaf.carriedFail": "il file dice {file}, la foglia registrata ha {chain} (foglia {index} come l'ha portata la transazione {carrier} {tx})",
    "data.ok": "keccak256(sale ++ le {count} letture) = dataHash",
    "data.fail": "keccak256(sale ++ le {count} letture) è {recomputed}, non il dataHash del file {file}: le letture, il sale o il dataHash sono stati alterati",
    "data.failConfirmed": "keccak256(sale ++ le {count} letture) è {recomputed}, non il dataHash del file {file}: le letture o il sale sono stati alterati",
    "leafValue.ok": "= {parts}",
    "leafValue.fail": "il valore della foglia {value} non corrisponde a {parts} del file",
    "leafHash.notStated": "non indicato",
    "leafHash.partsAltered": "il leaf.hash del file è una foglia registrata (la sua prova arriva alla radice) ma non è l'hash di {parts}: una di queste parti è stata alterata",
    "leafHash.ok": "= l'hash di {parts}",
    "leafHash.fail": "il file dice {file}, l'hash di {parts} è {leaf}",
    "proof.ok": "porta dalla foglia {parts} alla radice",
    "proof.fail": "la prova non porta dalla foglia alla radice: {why}",
    "proof.whyUnknown": "{names} o la prova sono stati alterati (la catena non ha ancora portato questa foglia, quindi non può dire quale)",
    "proof.whyProof": "la prova è stata alterata",
    "proof.whyLeaf": "la foglia non è quella registrata (vedi sopra)",
    "verifyTakeout.ok": "il notaio accetta (index, member, amount, dataHash, proof)",
    "verifyTakeout.fail": "il notaio on-chain rifiuta questa foglia e questa prova",
    "canon.same": "la descrizione della regola nel file, quella dell'oracolo",
    "canon.other": "la descrizione della regola nel file, diversa da quella dell'oracolo; il data hash è stato ricalcolato con la regola dell'oracolo",
    "unknownField": "non è un campo di take-out: non verificato",
    "v1.notChecked": "non verificati per un file v1: registry e factory del primo notaio non sono quelli di questa piattaforma",
    "v1.unknownEpoch": "l'epoca {epoch} di {token} non è sul notaio v1 {notary}",
    "v1.notV1": "{notary} non risponde all'interfaccia del primo notaio (v1) (getEpoch, verifyTakeout senza indice), quindi questo file v1 non si può verificare on-chain lì ({reason})",
    "v1.notaryOk": "{notary} risponde all'interfaccia del primo notaio (v1)",
    "v1.verifyOk": "il notaio v1 accetta (member, amount, dataHash, proof)",
    "v1.verifyFail": "il notaio v1 on-chain rifiuta questa foglia e questa prova",
  },
};

/** A check line's text in `lang` ("en" or "it"); {what} and {why} are keys of the same table. */
export function render(line, lang = "en") {
  const table = MESSAGES[lang] || MESSAGES.en;
  const vars = { ...line.vars };
  for (const nested of ["what", "why"]) {
    if (typeof vars[nested] === "string" && vars[nested] in table) {
      vars[nested] = render({ key: vars[nested], vars: { ...line.vars, what: "", why: "" } }, lang);
    }
  }
  const text = table[line.key] ?? MESSAGES.en[line.key] ?? line.key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}
