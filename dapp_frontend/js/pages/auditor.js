// Auditor page: choose a community, epoch and member and fetch the take-out file, or upload one; the file is
// verified here against the chain (lib/takeout-check.js, the checks of `oracle verify` in its order) and the
// page shows a pass with every check, or the first part that does not match, in words.
//
// data-testid: page-error-auditor, fetch-section, fetch-form, community-select, epoch-select, member-input,
//   member-options, member-hint, fetch-verify, download-link, fetch-error,
//   upload-section, drop-zone, file-input, file-error, reader-select,
//   result-section, verify-status, verdict (data-state pass | fail), failed-part (data-part), failure-detail,
//   file-summary, checks, check-<n> (data-status ok | fail | info, data-part)
import { ethers } from "../../vendor/ethers.min.js";
import { api, withQuery } from "../lib/api.js";
import { t, registerMessages, applyTranslations, currentLanguage, formatDate, formatTokens } from "../lib/i18n.js";
import { startPage } from "../lib/layout.js";
import { showError } from "../lib/errors.js";
import { currentWallet } from "../lib/wallet.js";
import { render } from "../lib/takeout-check.js";
import { MAX_FILE_BYTES, chainReader, readTakeoutText, readingProvider, verifyTakeoutFile }
  from "../actions/verify-takeout.js";
import { takeoutFileName } from "../actions/download-takeout.js";

registerMessages({
  en: {
    "au.title": "Verify a take-out file",
    "au.intro": "A take-out file holds a member's readings, salt, leaf and Merkle proof for one epoch. This page checks it here, in your browser, against the chain: nothing is taken on trust from the platform's server.",
    "au.fetchTitle": "From the platform", "au.community": "Community", "au.epoch": "Epoch",
    "au.member": "Member (wallet address)", "au.fetchVerify": "Fetch and verify", "au.download": "Save the file",
    "au.uploadTitle": "Or a file you have", "au.fileLabel": "Choose a take-out file (JSON), or drop it here",
    "au.readerTitle": "How the chain is read", "au.reader": "Read the chain through",
    "au.readerWallet": "your wallet's network", "au.readerRpc": "the platform's RPC node",
    "au.resultTitle": "Result", "au.checks": "Checks, in order",
    "au.noCommunities": "There are no communities yet.", "au.noEpochs": "No committed epoch in this community yet.",
    "au.epochOption": "Epoch {number}: {start} – {end} ({status})",
    "au.membersFound": "{count} members were paid in this epoch on-chain: pick one or type an address.",
    "au.membersNone": "No payment of this epoch on-chain yet: type the member's address.",
    "au.badMember": "{value} is not a wallet address: write 0x followed by 40 hexadecimal digits.",
    "au.chooseEpoch": "Choose a community and an epoch first.",
    "au.notJson": "This file is not JSON, so it is not a take-out file ({detail}).",
    "au.tooBig": "This file is larger than 50 MB: a take-out file is much smaller.",
    "au.unreadable": "The file could not be read: {detail}.",
    "au.checking": "Checking {source} against the chain through {through}…",
    "au.throughWallet": "your wallet", "au.throughRpc": "the platform's RPC node {url}",
    "au.sourceFetched": "the file of {member}, epoch {epoch}", "au.sourceUploaded": "the file {name}",
    "au.pass": "Pass: every part of the file matches the chain ({count} checks).",
    "au.fail": "Does not match: {headline} ({part}).",
    "au.failedPart": "First part that does not match: {part}",
    "au.sumCommunity": "Community", "au.sumEpoch": "Epoch", "au.sumMember": "Member", "au.sumAmount": "Reward",
    "au.sumReadings": "Readings", "au.sumChain": "Chain",
    "au.mark.ok": "ok", "au.mark.fail": "does not match", "au.mark.info": "note",
    "au.part.format": "the file is not a take-out file this page can read",
    "au.part.chainId": "the file is for another chain than the one read here",
    "au.part.notary": "the file names another notary than the platform's",
    "au.part.community": "the community in the file is not the platform's community paid by its notary",
    "au.part.epoch": "the epoch is not committed on-chain, or its commitment was voided",
    "au.part.period": "the period does not match the committed one",
    "au.part.model": "the model, its version or its parameters do not match the committed ones",
    "au.part.root": "the file's root is not the root committed on-chain",
    "au.part.leafPart": "the file's {part} is not the one of the leaf the chain paid",
    "au.part.data": "the readings do not hash to the file's data hash",
    "au.part.leafValue": "the leaf value does not say what the file says",
    "au.part.leafHash": "the leaf hash is not the hash of the leaf",
    "au.part.leafParts": "a part of the leaf was altered",
    "au.part.proof": "the proof does not lead from the leaf to the committed root",
    "au.part.verifyTakeout": "the notary on-chain rejects the leaf and proof",
  },
  it: {
    "au.title": "Verifica un file di take-out",
    "au.intro": "Un file di take-out contiene le letture, il sale, la foglia e la prova di Merkle di un membro per un'epoca. Questa pagina lo verifica qui, nel tuo browser, rispetto alla catena: nulla viene preso sulla fiducia dal server della piattaforma.",
    "au.fetchTitle": "Dalla piattaforma", "au.community": "Comunità", "au.epoch": "Epoca",
    "au.member": "Membro (indirizzo del portafoglio)", "au.fetchVerify": "Scarica e verifica", "au.download": "Salva il file",
    "au.uploadTitle": "Oppure un file che hai", "au.fileLabel": "Scegli un file di take-out (JSON), o trascinalo qui",
    "au.readerTitle": "Come si legge la catena", "au.reader": "Leggi la catena tramite",
    "au.readerWallet": "la rete del tuo portafoglio", "au.readerRpc": "il nodo RPC della piattaforma",
    "au.resultTitle": "Risultato", "au.checks": "Controlli, in ordine",
    "au.noCommunities": "Non ci sono ancora comunità.", "au.noEpochs": "Nessuna epoca registrata in questa comunità.",
    "au.epochOption": "Epoca {number}: {start} – {end} ({status})",
    "au.membersFound": "{count} membri sono stati pagati on-chain in questa epoca: scegline uno o scrivi un indirizzo.",
    "au.membersNone": "Nessun pagamento di questa epoca on-chain: scrivi l'indirizzo del membro.",
    "au.badMember": "{value} non è un indirizzo di portafoglio: scrivi 0x seguito da 40 cifre esadecimali.",
    "au.chooseEpoch": "Scegli prima una comunità e un'epoca.",
    "au.notJson": "Questo file non è JSON, quindi non è un file di take-out ({detail}).",
    "au.tooBig": "Questo file supera i 50 MB: un file di take-out è molto più piccolo.",
    "au.unreadable": "Il file non si può leggere: {detail}.",
    "au.checking": "Verifico {source} sulla catena tramite {through}…",
    "au.throughWallet": "il tuo portafoglio", "au.throughRpc": "il nodo RPC della piattaforma {url}",
    "au.sourceFetched": "il file di {member}, epoca {epoch}", "au.sourceUploaded": "il file {name}",
    "au.pass": "Superata: ogni parte del file corrisponde alla catena ({count} controlli).",
    "au.fail": "Non corrisponde: {headline} ({part}).",
    "au.failedPart": "Prima parte che non corrisponde: {part}",
    "au.sumCommunity": "Comunità", "au.sumEpoch": "Epoca", "au.sumMember": "Membro", "au.sumAmount": "Premio",
    "au.sumReadings": "Letture", "au.sumChain": "Catena",
    "au.mark.ok": "ok", "au.mark.fail": "non corrisponde", "au.mark.info": "nota",
    "au.part.format": "il file non è un file di take-out che questa pagina sa leggere",
    "au.part.chainId": "il file è per una catena diversa da quella letta qui",
    "au.part.notary": "il file indica un notaio diverso da quello della piattaforma",
    "au.part.community": "la comunità del file non è una comunità della piattaforma pagata dal suo notaio",
    "au.part.epoch": "l'epoca non è registrata on-chain, o il suo impegno è stato annullato",
    "au.part.period": "il periodo non corrisponde a quello registrato",
    "au.part.model": "il modello, la versione o i parametri non corrispondono a quelli registrati",
    "au.part.root": "la radice del file non è quella registrata on-chain",
    "au.part.leafPart": "il valore {part} del file non è quello della foglia pagata dalla catena",
    "au.part.data": "le letture non danno il data hash del file",
    "au.part.leafValue": "il valore della foglia non dice ciò che dice il file",
    "au.part.leafHash": "l'hash della foglia non è l'hash della foglia",
    "au.part.leafParts": "una parte della foglia è stata alterata",
    "au.part.proof": "la prova non porta dalla foglia alla radice registrata",
    "au.part.verifyTakeout": "il notaio on-chain rifiuta la foglia e la prova",
  },
});

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const state = { platform: null, wallet: null, communities: [], epochs: [], last: null, objectUrl: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** Text with its long hex values (hashes, addresses, transactions) in <code>, which may break anywhere: a
 *  66-character hash must not widen a phone screen. */
function withCode(text) {
  return String(text).split(/(0x[0-9a-fA-F]{16,})/).map((piece, i) => (i % 2 ? el("code", { text: piece }) : piece));
}

function say(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

// ------------------------------------------------------------------ community, epoch, member

async function loadCommunities() {
  const page = await api(withQuery("/api/communities", { per_page: 200 }));
  state.communities = page.items || [];
  const select = $("community-select");
  select.replaceChildren(...state.communities.map((c) =>
    el("option", { value: c.token, text: `${c.name} (${c.symbol})` })));
  if (!state.communities.length) say($("fetch-error"), t("au.noCommunities"));
}

async function loadEpochs() {
  const token = $("community-select").value;
  $("epoch-select").replaceChildren();
  if (!token) return;
  const page = await api(withQuery(`/api/communities/${token}/epochs`, { per_page: 200 }));
  state.epochs = (page.items || []).filter((e) => e.root);
  $("epoch-select").replaceChildren(...state.epochs.map((e) => el("option", { value: String(e.number),
    text: t("au.epochOption", { number: e.number, start: formatDate(e.period.start), end: formatDate(e.period.end),
      status: e.status }) })));
  say($("fetch-error"), state.epochs.length ? "" : t("au.noEpochs"));
}

/** Members the chain paid in the epoch (leaves carried by claims and pushRewards), offered in the member field. */
async function loadMembers() {
  const token = $("community-select").value, epoch = $("epoch-select").value;
  $("member-options").replaceChildren();
  $("member-hint").textContent = "";
  if (!token || !epoch) return;
  try {
    const leaves = await chainReader(state.platform, reader().provider).carriedLeaves(token, BigInt(epoch));
    const members = [...new Map(leaves.map((l) => [l.member, l])).values()].sort((a, b) => Number(a.index - b.index));
    $("member-options").replaceChildren(...members.map((l) => el("option", { value: l.member, label: `#${l.index}` })));
    $("member-hint").textContent = t(members.length ? "au.membersFound" : "au.membersNone", { count: members.length });
  } catch {
    $("member-hint").textContent = t("au.membersNone");
  }
}

function reader() {
  const wanted = $("reader-select").value;
  return readingProvider(state.platform, wanted === "wallet" ? currentWallet() || state.wallet : null);
}

// ------------------------------------------------------------------ fetching and uploading

async function fetchAndVerify(event) {
  event.preventDefault();
  say($("fetch-error"), "");
  const token = $("community-select").value, epoch = $("epoch-select").value;
  const member = $("member-input").value.trim();
  if (!token || !epoch) return say($("fetch-error"), t("au.chooseEpoch"));
  if (!ethers.isAddress(member)) {
    say($("fetch-error"), t("au.badMember", { value: member || "''" }));
    return $("member-input").focus();
  }
  let doc;
  try {
    doc = await api(`/api/communities/${token}/epochs/${epoch}/takeout/${ethers.getAddress(member)}`);
  } catch (err) {
    return showError(err, $("fetch-error"));
  }
  offerDownload(doc);
  await verify(doc, t("au.sourceFetched", { member: ethers.getAddress(member), epoch }));
}

function offerDownload(doc) {
  const link = $("download-link");
  if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
  state.objectUrl = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 1) + "\n"], { type: "application/json" }));
  link.href = state.objectUrl;
  link.download = takeoutFileName(doc.community?.name, doc.epoch, doc.member);
  link.hidden = false;
}

async function verifyUpload(file) {
  say($("file-error"), "");
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) return say($("file-error"), t("au.tooBig"));
  let doc;
  try {
    doc = readTakeoutText(await file.text());
  } catch (err) {
    const key = err.key || "au.unreadable";
    return say($("file-error"), t(key, { detail: err.detail || err.message }));
  }
  await verify(doc, t("au.sourceUploaded", { name: file.name }));
}

function wireUpload() {
  $("file-input").addEventListener("change", (event) => verifyUpload(event.target.files[0]));
  const zone = $("upload-section");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.dataset.state = "dragging";
  });
  zone.addEventListener("dragleave", () => delete zone.dataset.state);
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    delete zone.dataset.state;
    verifyUpload(event.dataTransfer?.files?.[0]);
  });
}

// ------------------------------------------------------------------ verifying and showing the result

async function verify(doc, source) {
  const { provider, through } = reader();
  const section = $("result-section");
  section.hidden = false;
  for (const id of ["verdict", "failed-part", "failure-detail"]) $(id).hidden = true;
  $("checks").replaceChildren();
  $("file-summary").replaceChildren();
  const status = $("verify-status");
  status.hidden = false;
  status.dataset.state = "pending";
  status.textContent = t("au.checking", { source, through: through === "wallet" ? t("au.throughWallet")
    : t("au.throughRpc", { url: state.platform.rpcUrl }) });
  try {
    const result = await verifyTakeoutFile(doc, { platform: state.platform, provider });
    state.last = { doc, result };
    status.hidden = true;
    showResult();
  } catch (err) {
    state.last = null;
    showError(err, status);
    status.dataset.state = "failed";
  }
  section.focus();
}

/** The plain-words headline of a failing part (the oracle's part names). */
function headline(part) {
  if (part.startsWith("period.")) return t("au.part.period");
  if (part.startsWith("model.")) return t("au.part.model");
  if (part.startsWith("community.")) return t("au.part.community");
  if (["index", "member", "amount", "dataHash"].includes(part)) return t("au.part.leafPart", { part });
  if (part.startsWith("readings")) return t("au.part.data");
  if (part.includes(" or dataHash")) return t("au.part.leafParts");
  const key = { "leaf.value": "au.part.leafValue", "leaf.hash": "au.part.leafHash" }[part] || `au.part.${part}`;
  return t(key);
}

function showResult() {
  if (!state.last) return;
  const { doc, result } = state.last;
  const lang = currentLanguage();
  const verdict = $("verdict");
  verdict.hidden = false;
  verdict.dataset.state = result.ok ? "done" : "failed";
  verdict.dataset.verdict = result.ok ? "pass" : "fail";
  const checked = result.lines.filter((l) => l.status !== "info").length;
  verdict.textContent = result.ok ? t("au.pass", { count: checked })
    : t("au.fail", { headline: headline(result.failedPart), part: result.failedPart });
  const part = $("failed-part");
  part.hidden = result.ok;
  part.dataset.part = result.failedPart || "";
  part.textContent = result.ok ? "" : t("au.failedPart", { part: result.failedPart });
  $("failure-detail").replaceChildren(...(result.ok ? [] : withCode(render(result.failure, lang))));
  $("failure-detail").hidden = result.ok;
  showSummary(doc);
  $("checks").replaceChildren(...result.lines.map((line, n) => el("li",
    { "data-testid": `check-${n}`, "data-status": line.status, "data-part": line.part },
    el("strong", { text: `${line.status === "ok" ? "✓" : line.status === "fail" ? "✗" : "ℹ"} ${line.part}` }),
    el("span", { class: "hint" }, ` (${t(`au.mark.${line.status}`)}): `, ...withCode(render(line, lang))))));
}

function showSummary(doc) {
  if (!doc || typeof doc !== "object") return;
  const token = String(doc.community?.token ?? "").toLowerCase();
  const symbol = state.communities.find((c) => c.token.toLowerCase() === token)?.symbol ?? "";
  const amount = /^\d+$/.test(String(doc.amount ?? "")) ? formatTokens(String(doc.amount), symbol) : doc.amount;
  const facts = [["au.sumCommunity", doc.community?.name ?? doc.community?.token], ["au.sumEpoch", doc.epoch],
    ["au.sumMember", doc.member], ["au.sumAmount", amount],
    ["au.sumReadings", Array.isArray(doc.readings) ? doc.readings.length : null], ["au.sumChain", doc.chainId]];
  const known = facts.filter(([, v]) => v !== undefined && v !== null);
  $("file-summary").replaceChildren(...known.flatMap(([key, value]) => [
    el("dt", { text: t(key) }), el("dd", {}, el("code", { text: String(value) }))]));
}

// ------------------------------------------------------------------ start

async function preselect(params) {
  const token = params.get("token"), epoch = params.get("epoch"), member = params.get("member");
  if (token && state.communities.some((c) => c.token.toLowerCase() === token.toLowerCase())) {
    $("community-select").value = state.communities.find((c) => c.token.toLowerCase() === token.toLowerCase()).token;
  }
  await loadEpochs();
  if (epoch && state.epochs.some((e) => String(e.number) === epoch)) $("epoch-select").value = epoch;
  if (member) $("member-input").value = member;
  await loadMembers();
}

async function main() {
  const { platform, wallet } = await startPage({ page: "auditor", roles: ["auditor"] });
  Object.assign(state, { platform, wallet });
  applyTranslations(document);
  $("reader-select").value = wallet ? "wallet" : "rpc";
  const guarded = (fn) => (...args) => fn(...args).catch((err) => showError(err, $("fetch-error")));
  $("community-select").addEventListener("change", guarded(async () => { await loadEpochs(); await loadMembers(); }));
  $("epoch-select").addEventListener("change", guarded(loadMembers));
  $("reader-select").addEventListener("change", guarded(loadMembers));
  $("fetch-form").addEventListener("submit",
    (event) => fetchAndVerify(event).catch((err) => showError(err, $("fetch-error"))));
  wireUpload();
  window.addEventListener("lec:language", () => showResult());
  try {
    await loadCommunities();
    await preselect(new URLSearchParams(window.location.search));
  } catch (err) {
    showError(err, $("page-error-auditor"));
  }
  document.body.dataset.ready = "true";
}

main();
