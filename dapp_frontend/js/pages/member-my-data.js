// The member page's "My data" panel: download my data, ask to be forgotten (a dialog says what is erased and what
// stays on-chain), and where my request stands. member.js calls showMyData() for the chosen community.
//
// data-testid: my-data-section, download-my-data, my-data-status (data-state waiting|done|failed),
//   erasure-request-status (data-state none|pending|confirmed|rejected), forget-form, forget-reason,
//   forget-submit, forget-error, forget-dialog, forget-cancel, forget-confirm
import { t, registerMessages, formatDate } from "../lib/i18n.js";
import { showError, userError } from "../lib/errors.js";
import { fetchMyData } from "../actions/download-my-data.js";
import { saveFile } from "../lib/save-file.js";
import { askToBeForgotten, myErasureRequest } from "../actions/ask-to-be-forgotten.js";

registerMessages({
  en: {
    "myData.title": "My data",
    "myData.intro": "Everything the platform holds about you in this community (name, e-mail, meters, readings, rewards and their salts), as a JSON file.",
    "myData.download": "Download my data", "myData.fetching": "Gathering your data…", "myData.saved": "Saved as {file}.",
    "forget.title": "Ask to be forgotten", "forget.reason": "Why you ask (the Community Admin reads it)",
    "forget.submit": "Ask to be forgotten", "forget.noReason": "Say why you ask to be forgotten.",
    "forget.confirmTitle": "Ask to be forgotten in this community?",
    "forget.erased": "When the Community Admin confirms, the platform erases your name, e-mail, address and fiscal code, your meters, every reading and the salts of the epochs that included you. Download your data first if you want to keep it.",
    "forget.stays": "What stays, because a blockchain cannot forget: your token balance and transfers, and each reward leaf's amount and data hash (other members' proofs and the epochs' totals still verify). Without the erased salt no one can link that hash to your readings.",
    "forget.cancel": "Cancel", "forget.confirm": "Send the request",
    "forget.pending": "You asked to be forgotten on {date}: the Community Admin has not decided yet.",
    "forget.confirmed": "Your personal data in this community was erased on {date}.",
    "forget.rejected": "Your request of {date} was rejected: {note}. You may ask again.",
  },
  it: {
    "myData.title": "I miei dati",
    "myData.intro": "Tutto ciò che la piattaforma conserva su di te in questa comunità (nome, e-mail, contatori, letture, premi e i loro sali), in un file JSON.",
    "myData.download": "Scarica i miei dati", "myData.fetching": "Raccolta dei tuoi dati…", "myData.saved": "Salvato come {file}.",
    "forget.title": "Chiedi di essere dimenticato", "forget.reason": "Perché lo chiedi (lo legge l'amministratore della comunità)",
    "forget.submit": "Chiedi di essere dimenticato", "forget.noReason": "Scrivi perché chiedi di essere dimenticato.",
    "forget.confirmTitle": "Chiedere di essere dimenticato in questa comunità?",
    "forget.erased": "Quando l'amministratore della comunità conferma, la piattaforma cancella nome, e-mail, indirizzo e codice fiscale, i tuoi contatori, ogni lettura e i sali delle epoche che ti includevano. Scarica prima i tuoi dati se vuoi conservarli.",
    "forget.stays": "Cosa resta, perché una blockchain non può dimenticare: il saldo e i trasferimenti del token, e per ogni foglia dei premi l'importo e l'hash dei dati (le prove degli altri membri e i totali delle epoche restano verificabili). Senza il sale cancellato nessuno può collegare quell'hash alle tue letture.",
    "forget.cancel": "Annulla", "forget.confirm": "Invia la richiesta",
    "forget.pending": "Hai chiesto di essere dimenticato il {date}: l'amministratore della comunità non ha ancora deciso.",
    "forget.confirmed": "I tuoi dati personali in questa comunità sono stati cancellati il {date}.",
    "forget.rejected": "La tua richiesta del {date} è stata respinta: {note}. Puoi chiederlo di nuovo.",
  },
});

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const panel = { token: null, member: null, request: null, wired: false };

function say(testid, stateName, text) {
  const node = $(testid);
  node.hidden = false;
  node.dataset.state = stateName;
  node.textContent = text;
}

function renderRequest() {
  const request = panel.request;
  const status = $("erasure-request-status");
  if (!request) {
    status.hidden = true;
    status.dataset.state = "none";
  } else {
    say("erasure-request-status", request.status, t(`forget.${request.status}`,
      { date: formatDate(request.status === "confirmed" ? request.decidedAt : request.requestedAt),
        note: request.note ?? "" }));
  }
  // a pending or confirmed request leaves nothing more to ask here
  $("forget-form").hidden = Boolean(request && request.status !== "rejected");
}

async function onDownload() {
  say("my-data-status", "waiting", t("myData.fetching"));
  try {
    const { blob, fileName } = await fetchMyData(panel.token, panel.member);
    saveFile(blob, fileName);
    say("my-data-status", "done", t("myData.saved", { file: fileName }));
  } catch (err) {
    say("my-data-status", "failed", showError(err, null));
  }
}

function onAsk(event) {
  event.preventDefault();
  $("forget-error").hidden = true;
  if (!$("forget-reason").value.trim()) return showError(userError("forget.noReason"), $("forget-error"));
  $("forget-dialog").returnValue = "";
  $("forget-dialog").showModal();
}

async function onDialogClosed() {
  if ($("forget-dialog").returnValue !== "confirm") return;
  $("forget-submit").disabled = true;
  try {
    panel.request = await askToBeForgotten(panel.token, panel.member, $("forget-reason").value.trim());
    $("forget-reason").value = "";
    renderRequest();
  } catch (err) {
    showError(err, $("forget-error"));
  } finally {
    $("forget-submit").disabled = false;
  }
}

function wire() {
  if (panel.wired) return;
  panel.wired = true;
  $("download-my-data").addEventListener("click", onDownload);
  $("forget-form").addEventListener("submit", onAsk);
  $("forget-dialog").addEventListener("close", onDialogClosed);
  window.addEventListener("lec:language", () => { if (panel.token) renderRequest(); });
}

/** Shows the panel for `member` in the community of `token`, with where their request stands. */
export async function showMyData(token, member) {
  wire();
  Object.assign(panel, { token, member, request: null });
  $("my-data-status").hidden = true;
  $("forget-error").hidden = true;
  $("my-data-section").hidden = false;
  renderRequest();
  try {
    panel.request = await myErasureRequest(token, member);
    renderRequest();
  } catch (err) {
    showError(err, $("forget-error"));
  }
}
