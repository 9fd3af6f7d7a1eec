// The Community Admin page's "Requests to be forgotten" panel: each pending request with wallet, date and reason;
// Confirm (after a dialog saying what is erased and what stays on-chain) or Reject with a note the member reads.
// community-admin.js calls showErasureRequests() for the chosen community.
//
// data-testid: erasure-requests, erasure-request-<id>, erasure-wallet-<id>, erasure-date-<id>, erasure-reason-<id>,
//   erasure-confirm-<id>, erasure-note-<id>, erasure-reject-<id>, erasures-empty,
//   erasures-status (data-state waiting|done|error), erasure-dialog, erasure-dialog-who, erasure-dialog-cancel,
//   erasure-dialog-confirm
import { t, registerMessages, formatDate, formatNumber } from "../lib/i18n.js";
import { showError, userError } from "../lib/errors.js";
import { confirmErasure, pendingErasureRequests, rejectErasure } from "../actions/decide-erasure-request.js";

registerMessages({
  en: {
    "erasure.title": "Requests to be forgotten",
    "erasure.hint": "Members who asked that their personal data be erased. Confirming erases it at once and cannot be undone; what is on-chain stays.",
    "erasure.none": "No pending requests.", "erasure.confirm": "Confirm…", "erasure.reject": "Reject",
    "erasure.note": "Why you reject it (the member reads it)", "erasure.noNote": "Write why you reject request {id}.",
    "erasure.asked": "asked on {date}", "erasure.confirmTitle": "Erase this member's personal data?",
    "erasure.who": "{wallet}, who asked on {date}: “{reason}”",
    "erasure.erased": "Erased now, in this community: name, e-mail, address and fiscal code, meters, every reading and the salts of the epochs that included the member. It cannot be undone.",
    "erasure.stays": "What stays on-chain: token balances and transfers, and each reward leaf's amount and data hash.",
    "erasure.cancel": "Cancel", "erasure.confirmErase": "Erase",
    "erasure.erasing": "Erasing the data of {wallet}…", "erasure.done": "The data of {wallet} was erased: {what}.",
    "erasure.nothing": "nothing was left to erase", "erasure.rejecting": "Rejecting request {id}…",
    "erasure.rejected": "Request {id} of {wallet} rejected; the member sees your note.",
    "erasure.count.personal_records": "personal records (name, address, fiscal code, e-mail): {n}",
    "erasure.count.memberships_deactivated": "memberships deactivated: {n}",
    "erasure.count.devices_unlinked": "meters: {n}",
    "erasure.count.readings_deleted": "readings: {n}",
    "erasure.count.reading_corrections_deleted": "reading corrections: {n}",
    "erasure.count.anomalies_deleted": "anomalies: {n}",
    "erasure.count.series_links_deleted": "series links: {n}",
    "erasure.count.epoch_salts_erased": "salts of epoch leaves: {n}",
    "erasure.count.takeout_files_deleted": "take-out files: {n}",
    "erasure.count.request_reasons_erased": "request reasons: {n}",
    "erasure.count.roles_removed": "roles: {n}",
    "erasure.stillMember": "{wallet} is still an active member on-chain (erasing sends no transaction): remove them under Members if they leave.",
  },
  it: {
    "erasure.title": "Richieste di essere dimenticati",
    "erasure.hint": "Membri che hanno chiesto la cancellazione dei loro dati personali. Confermare li cancella subito e non si può annullare; ciò che è sulla blockchain resta.",
    "erasure.none": "Nessuna richiesta in attesa.", "erasure.confirm": "Conferma…", "erasure.reject": "Respingi",
    "erasure.note": "Perché la respingi (lo legge il membro)", "erasure.noNote": "Scrivi perché respingi la richiesta {id}.",
    "erasure.asked": "chiesta il {date}", "erasure.confirmTitle": "Cancellare i dati personali di questo membro?",
    "erasure.who": "{wallet}, che l'ha chiesto il {date}: “{reason}”",
    "erasure.erased": "Cancellati ora, in questa comunità: nome, e-mail, indirizzo e codice fiscale, contatori, ogni lettura e i sali delle epoche che includevano il membro. Non si può annullare.",
    "erasure.stays": "Cosa resta sulla blockchain: saldi e trasferimenti del token, e per ogni foglia dei premi l'importo e l'hash dei dati.",
    "erasure.cancel": "Annulla", "erasure.confirmErase": "Cancella",
    "erasure.erasing": "Cancellazione dei dati di {wallet}…", "erasure.done": "I dati di {wallet} sono stati cancellati: {what}.",
    "erasure.nothing": "non restava nulla da cancellare", "erasure.rejecting": "Rifiuto della richiesta {id}…",
    "erasure.rejected": "Richiesta {id} di {wallet} respinta; il membro vede la tua nota.",
    "erasure.count.personal_records": "schede personali (nome, indirizzo, codice fiscale, e-mail): {n}",
    "erasure.count.memberships_deactivated": "iscrizioni disattivate: {n}",
    "erasure.count.devices_unlinked": "contatori: {n}",
    "erasure.count.readings_deleted": "letture: {n}",
    "erasure.count.reading_corrections_deleted": "correzioni di letture: {n}",
    "erasure.count.anomalies_deleted": "anomalie: {n}",
    "erasure.count.series_links_deleted": "collegamenti a serie: {n}",
    "erasure.count.epoch_salts_erased": "sali di foglie di epoca: {n}",
    "erasure.count.takeout_files_deleted": "file di esportazione: {n}",
    "erasure.count.request_reasons_erased": "motivi di richieste: {n}",
    "erasure.count.roles_removed": "ruoli: {n}",
    "erasure.stillMember": "{wallet} è ancora membro attivo sulla blockchain (la cancellazione non invia transazioni): rimuovilo in Membri se lascia la comunità.",
  },
});

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const panel = { token: null, requests: [], notes: {}, asking: null, wired: false, afterErasure: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function say(stateName, text) {
  const status = $("erasures-status");
  status.dataset.state = stateName;
  status.textContent = text;
}

// the oracle's counts (oracle/privacy/forget.py COUNTS), in the order a person reads them
const COUNTS = ["personal_records", "devices_unlinked", "readings_deleted", "reading_corrections_deleted",
  "anomalies_deleted", "series_links_deleted", "epoch_salts_erased", "takeout_files_deleted",
  "request_reasons_erased", "roles_removed", "memberships_deactivated"];

/** "meters: 1, readings: 3, …": what was erased, in the reader's language (counts of zero left out). */
function erasedText(erased) {
  const counts = erased?.counts ?? {};
  const names = [...COUNTS, ...Object.keys(counts).filter((name) => !COUNTS.includes(name))];
  const parts = names.filter((name) => typeof counts[name] === "number" && counts[name] > 0).map((name) => {
    const key = `erasure.count.${name}`;
    const text = t(key, { n: formatNumber(counts[name]) });
    return text === key ? `${name.replaceAll("_", " ")}: ${formatNumber(counts[name])}` : text;
  });
  return parts.length ? parts.join(", ") : t("erasure.nothing");
}

function requestItem(request) {
  const id = request.id;
  const note = el("input", { "data-testid": `erasure-note-${id}`, "aria-label": t("erasure.note"),
    placeholder: t("erasure.note"), value: panel.notes[id] ?? "", maxlength: "2000",
    oninput: (event) => { panel.notes[id] = event.currentTarget.value; } });
  return el("li", { "data-testid": `erasure-request-${id}` },
    el("code", { "data-testid": `erasure-wallet-${id}`, text: request.wallet }),
    el("span", { "data-testid": `erasure-date-${id}`, text: t("erasure.asked", { date: formatDate(request.requestedAt) }) }),
    el("q", { "data-testid": `erasure-reason-${id}`, text: request.reason }),
    el("span", { class: "row-actions" },
      el("button", { type: "button", class: "danger", "data-testid": `erasure-confirm-${id}`,
        text: t("erasure.confirm"), onclick: () => askConfirmation(request) }),
      note,
      el("button", { type: "button", "data-testid": `erasure-reject-${id}`, text: t("erasure.reject"),
        onclick: () => onReject(request) })));
}

function render() {
  $("erasure-requests").replaceChildren(...panel.requests.map(requestItem));
  $("erasures-empty").hidden = panel.requests.length > 0;
}

async function refresh() {
  try {
    panel.requests = (await pendingErasureRequests(panel.token)).items;
    render();
  } catch (err) {
    showError(err, $("erasures-status"));
  }
}

function askConfirmation(request) {
  panel.asking = request;
  $("erasure-dialog-who").textContent = t("erasure.who", { wallet: request.wallet,
    date: formatDate(request.requestedAt), reason: request.reason });
  $("erasure-dialog").returnValue = "";
  $("erasure-dialog").showModal();
}

async function onDialogClosed() {
  const request = panel.asking;
  panel.asking = null;
  if (!request || $("erasure-dialog").returnValue !== "confirm") return;
  say("waiting", t("erasure.erasing", { wallet: request.wallet }));
  try {
    const { erased } = await confirmErasure(panel.token, request.id);
    const onchain = Object.keys(erased?.still_members_onchain ?? {}).length > 0;
    say("done", t("erasure.done", { wallet: request.wallet, what: erasedText(erased) })
      + (onchain ? ` ${t("erasure.stillMember", { wallet: request.wallet })}` : ""));
  } catch (err) {
    showError(err, $("erasures-status"));
  }
  await Promise.all([refresh(), panel.afterErasure?.()]);
}

async function onReject(request) {
  const note = (panel.notes[request.id] ?? "").trim();
  if (!note) return showError(userError("erasure.noNote", { id: request.id }), $("erasures-status"));
  say("waiting", t("erasure.rejecting", { id: request.id }));
  try {
    await rejectErasure(panel.token, request.id, note);
    delete panel.notes[request.id];
    say("done", t("erasure.rejected", { id: request.id, wallet: request.wallet }));
  } catch (err) {
    showError(err, $("erasures-status"));
  }
  await refresh();
}

function wire() {
  if (panel.wired) return;
  panel.wired = true;
  $("erasure-dialog").addEventListener("close", onDialogClosed);
}

/** Lists the pending requests of the community of `token` (its Community Admin's view); `afterErasure` redraws
 * what an erasure changes elsewhere on the page (the members' names). */
export async function showErasureRequests(token, { afterErasure = null } = {}) {
  wire();
  if (panel.token !== token) Object.assign(panel, { token, notes: {} });
  panel.afterErasure = afterErasure;
  await refresh();
}
