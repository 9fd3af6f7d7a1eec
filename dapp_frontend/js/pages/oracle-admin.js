// Oracle Admin page: a community's model schedule and versions, publishing a version (parameters and effective
// time, after a preview of what the last epoch would have paid under them), epochs and their steps.
//
// data-testid: page-status, not-authorized, community-picker-row, community-select,
//   models-section, schedule-table, schedule-rows, versions-table, versions-rows, version-row-<model>-<version>,
//   models-error,
//   publish-section, publish-form, publish-model, param-fields, param-<name>, publish-effective, publish-earliest,
//   preview-submit, publish-submit, publish-error, publish-tx, publish-done,
//   preview-result, preview-summary, preview-rows, preview-row-<member>,
//   epochs-section, epochs-table, epochs-rows, epoch-row-<n>, epoch-steps-<n>, epochs-empty,
//   epoch-detail, epoch-detail-title, epoch-detail-facts, epoch-steps, epochs-error
import { ethers } from "../../vendor/ethers.min.js";
import { api, withQuery } from "../lib/api.js";
import { t, registerMessages, applyTranslations, formatNumber, formatDate, formatTokens } from "../lib/i18n.js";
import { contractFor } from "../lib/platform.js";
import { currentWallet } from "../lib/wallet.js";
import { startPage } from "../lib/layout.js";
import { showError } from "../lib/errors.js";
import { MODEL_IDS, REQUIRED_PARAMETERS, OPTIONAL_PARAMETERS, PLAUSIBLE_RANGES, checkParameters,
  earliestEffectiveFrom, publishModel } from "../actions/publish-model.js";

const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);
const state = { me: null, communities: [], community: null, earliest: null, previewed: null };

// ------------------------------------------------------------------ helpers

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

function shortAddress(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "–";
}

function tokens(baseUnits) {
  return formatTokens(String(baseUnits ?? "0"), state.community?.symbol ?? "");
}

function registry(runner) {
  return contractFor("ModelRegistry", runner ?? currentWallet()?.signer ?? state.wallet?.signer);
}

function readRegistry() {
  return registry(chainReader());
}

let rpcReader = null;

/** Reads go through the wallet (as MetaMask reads); without a connected wallet, through the platform's RPC. */
function chainReader() {
  const wallet = currentWallet() ?? state.wallet;
  if (wallet?.browserProvider) return wallet.browserProvider;
  rpcReader ??= new ethers.JsonRpcProvider(state.platform.rpcUrl, Number(state.platform.chainId), { staticNetwork: true });
  return rpcReader;
}


async function load(what, element) {
  try {
    return await what();
  } catch (err) {
    showError(err, element);
    return null;
  }
}

function paramsText(params) {
  return Object.entries(params ?? {}).map(([name, value]) => `${name} = ${formatNumber(value, { maximumFractionDigits: 6 })}`)
    .join(", ");
}

/** unix seconds → the value of an <input type=datetime-local> in the reader's time zone (minutes, rounded up). */
function localInputValue(seconds) {
  const d = new Date(Math.ceil(seconds / 60) * 60 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

// ------------------------------------------------------------------ community

async function chooseCommunity(token) {
  state.community = state.communities.find((c) => c.token.toLowerCase() === token.toLowerCase());
  if (!state.community) {
    $("not-authorized").textContent = t("oa.unknownCommunity", { token });
    $("not-authorized").hidden = false;
    return;
  }
  $("not-authorized").hidden = true;
  for (const id of ["models-section", "publish-section", "epochs-section"]) $(id).hidden = false;
  resetPreview();
  $("publish-done").hidden = true;
  await Promise.all([refreshModels(), refreshEarliest(), refreshEpochs()]);
}

// ------------------------------------------------------------------ models

async function refreshModels() {
  const models = await load(() => api(`/api/oracle/communities/${state.community.token}/models`), $("models-error"));
  if (!models) return;
  $("schedule-rows").replaceChildren(...(models.schedule ?? []).map((s) => el("tr", {},
    el("td", { text: s.model ?? s.id ?? s.modelId ?? "" }), el("td", { text: formatDate(s.effectiveFrom) }),
    el("td", {}, el("code", { title: s.by ?? "", text: shortAddress(s.by) })))));
  $("versions-rows").replaceChildren(...(models.versions ?? []).map((v) => el("tr",
    { "data-testid": `version-row-${v.id}-${v.version}` },
    el("td", { text: v.id }), el("td", { class: "num", text: String(v.version) }),
    el("td", { text: formatDate(v.effectiveFrom) }), el("td", { text: paramsText(v.params) }))));
}

// ------------------------------------------------------------------ publish form

function renderParamFields() {
  const model = $("publish-model").value;
  const typed = typedParams(); // kept across a language switch (a model switch keeps the shared names)
  const names = [...REQUIRED_PARAMETERS[model], ...OPTIONAL_PARAMETERS[model]];
  $("param-fields").replaceChildren(...names.map((name) => {
    const [low, high] = PLAUSIBLE_RANGES[name];
    const optional = OPTIONAL_PARAMETERS[model].includes(name);
    return el("label", {}, el("span", { text: t(optional ? "oa.paramOptional" : "oa.paramRequired",
      { name, low: formatNumber(Number(low)), high: formatNumber(Number(high)) }) }),
    el("input", { name, "data-testid": `param-${name}`, inputmode: "decimal", autocomplete: "off",
      "data-param": name, oninput: resetPreview, value: typed[name] ?? "" }));
  }));
  resetPreview();
  refreshEarliest();
}

/** The filled parameter fields, in the form's order (the order they are published in). */
function typedParams() {
  const params = {};
  for (const input of $("param-fields").querySelectorAll("[data-param]")) {
    if (input.value.trim()) params[input.dataset.param] = input.value;
  }
  return params;
}

async function refreshEarliest() {
  if (!state.community) return;
  const model = $("publish-model").value;
  const found = await load(() => earliestEffectiveFrom(readRegistry(), state.community.token, model), $("publish-error"));
  if (!found) return;
  state.earliest = found;
  const input = $("publish-effective");
  if (!input.value || (fromLocalInput(input.value) ?? 0) < found.earliest) input.value = localInputValue(found.earliest);
  $("publish-earliest").textContent = t("oa.earliest", { time: formatDate(found.earliest),
    versions: found.versions, model });
}

function checkedForm() {
  const model = $("publish-model").value;
  const checked = checkParameters(model, typedParams());
  if (!checked.ok) return { error: checked, focus: $(`param-${checked.field}`) };
  const effective = fromLocalInput($("publish-effective").value);
  if (effective === null) return { error: { key: "oa.noTime", vars: {} }, focus: $("publish-effective") };
  if (state.earliest && effective < state.earliest.earliest) {
    return { error: { key: "oa.tooEarly", vars: { time: formatDate(effective), earliest: formatDate(state.earliest.earliest) } },
      focus: $("publish-effective") };
  }
  return { model, checked, effective };
}

function showFormError(error, focus) {
  const vars = { ...(error?.vars ?? {}) };
  for (const bound of ["low", "high"]) if (bound in vars) vars[bound] = formatNumber(Number(vars[bound]));
  $("publish-error").textContent = error ? t(error.key, vars) : "";
  if (focus) focus.focus();
}

function resetPreview() {
  state.previewed = null;
  $("publish-submit").disabled = true;
  $("preview-result").hidden = true;
}

function previewKey(model, checked) {
  return JSON.stringify([model, checked.names, checked.values.map(String)]);
}

async function onPreview() {
  const form = checkedForm();
  showFormError(form.error, form.focus);
  if (form.error) return;
  const body = { model: form.model, params: form.checked.texts };
  const path = `/api/oracle/communities/${state.community.token}/models/preview`;
  const preview = await load(() => api(path, { method: "POST", body }), $("publish-error"));
  if (!preview) return;
  renderPreview(preview);
  state.previewed = previewKey(form.model, form.checked);
  $("publish-submit").disabled = false;
}

function renderPreview(preview) {
  $("preview-summary").textContent = t("oa.previewSummary", { epoch: preview.epoch, total: tokens(preview.total),
    current: tokens(preview.currentTotal) });
  $("preview-rows").replaceChildren(...(preview.members ?? []).map((m) => el("tr",
    { "data-testid": `preview-row-${m.member}` },
    el("td", {}, el("code", { title: m.member, text: shortAddress(m.member) })),
    el("td", { class: "num", text: tokens(m.current) }), el("td", { class: "num", text: tokens(m.amount) }))));
  $("preview-result").hidden = false;
}

async function onPublish(event) {
  event.preventDefault();
  const form = checkedForm();
  showFormError(form.error, form.focus);
  if (form.error) return;
  if (state.previewed !== previewKey(form.model, form.checked)) return showFormError({ key: "oa.previewFirst", vars: {} });
  const status = $("publish-tx");
  delete status.dataset.state;
  try {
    const done = await publishModel(registry(), state.community.token, form.model, form.checked, form.effective, status);
    const done_ = $("publish-done");
    done_.textContent = t(done.activeFrom ? "oa.publishedActive" : "oa.published", { model: form.model,
      version: done.version, time: formatDate(form.effective), active: formatDate(done.activeFrom) });
    done_.hidden = false;
    resetPreview();
    $("publish-effective").value = "";
    await Promise.all([refreshModels(), refreshEarliest()]);
  } catch (err) {
    if (!["failed", "cancelled"].includes(status.dataset.state)) showError(err, status);
  }
}

// ------------------------------------------------------------------ epochs

async function refreshEpochs() {
  const path = withQuery(`/api/communities/${state.community.token}/epochs`, { per_page: 200 });
  const page = await load(() => api(path), $("epochs-error"));
  if (!page) return;
  $("epochs-rows").replaceChildren(...page.items.map(epochRow));
  $("epochs-empty").hidden = page.items.length > 0;
  $("epoch-detail").hidden = true;
}

function periodText(period) {
  if (!period) return "–";
  return `${formatDate(period.start)} – ${formatDate(period.end)}`;
}

function epochRow(epoch) {
  const n = epoch.number;
  return el("tr", { "data-testid": `epoch-row-${n}` },
    el("td", { class: "num", text: String(n) }), el("td", { text: periodText(epoch.period) }),
    el("td", { text: t(`oa.status.${epoch.status}`) === `oa.status.${epoch.status}` ? epoch.status : t(`oa.status.${epoch.status}`) }),
    el("td", { text: epoch.model ? `${epoch.model.id} v${epoch.model.version}` : "–" }),
    el("td", { class: "num", text: tokens(epoch.total) }),
    el("td", { class: "num", text: `${formatNumber(epoch.paidCount ?? 0)} / ${formatNumber(epoch.leafCount ?? 0)}` }),
    el("td", {}, el("button", { type: "button", "data-testid": `epoch-steps-${n}`, text: t("oa.steps"),
      onclick: () => showEpoch(n) })));
}

/** A step's detail as "name: value · …" (nested values as compact JSON). */
function detailText(detail) {
  if (typeof detail !== "object") return String(detail);
  return Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · ");
}

async function showEpoch(n) {
  const epoch = await load(() => api(`/api/communities/${state.community.token}/epochs/${n}`), $("epochs-error"));
  if (!epoch) return;
  $("epoch-detail-title").textContent = t("oa.epochTitle", { n, period: periodText(epoch.period) });
  const facts = [["oa.model", epoch.model ? `${epoch.model.id} v${epoch.model.version} (${paramsText(epoch.model.params)})` : "–"],
    ["oa.root", epoch.root ?? "–"], ["oa.datasetHash", epoch.datasetHash ?? "–"], ["oa.total", tokens(epoch.total)],
    ["oa.payableAt", formatDate(epoch.payableAt)]];
  $("epoch-detail-facts").replaceChildren(...facts.flatMap(([key, value]) =>
    [el("dt", { text: t(key) }), el("dd", {}, el("code", { text: value }))]));
  $("epoch-steps").replaceChildren(...(epoch.steps ?? []).map((s) => el("li", { "data-step": s.step },
    el("strong", { text: s.step }), ` · ${formatDate(s.finishedAt)}`,
    s.detail ? el("span", { class: "admin-hint", text: ` ${detailText(s.detail)}` }) : "")));
  const detail = $("epoch-detail");
  detail.hidden = false;
  detail.focus();
}

// ------------------------------------------------------------------ start

function wire() {
  const models = $("publish-model");
  models.replaceChildren(...MODEL_IDS.map((id) => el("option", { value: id, text: id })));
  models.addEventListener("change", renderParamFields);
  $("publish-effective").addEventListener("input", resetPreview);
  $("preview-submit").addEventListener("click", onPreview);
  $("publish-form").addEventListener("submit", onPublish);
  $("community-select").addEventListener("change", (e) => {
    history.replaceState(null, "", withQuery(location.pathname, { token: e.target.value }));
    chooseCommunity(e.target.value);
  });
  window.addEventListener("lec:language", () => {
    renderParamFields();
    if (state.community) Promise.all([refreshModels(), refreshEpochs()]);
  });
}

async function main() {
  applyTranslations(document);
  wire();
  renderParamFields();
  const started = await startPage({ page: "oracle-admin", roles: ["oracle_admin"] });
  Object.assign(state, { me: started.me, platform: started.platform, wallet: started.wallet });
  const page = await load(() => api(withQuery("/api/communities", { per_page: 200 })), $("page-status"));
  state.communities = page?.items ?? [];
  if (!state.communities.length) {
    $("page-status").textContent = t("oa.noCommunities");
    return;
  }
  const picker = $("community-select");
  picker.replaceChildren(...state.communities.map((c) => el("option", { value: c.token, text: c.name })));
  $("community-picker-row").hidden = false;
  const wanted = new URLSearchParams(location.search).get("token") ?? state.communities[0].token;
  picker.value = wanted;
  await chooseCommunity(wanted);
  document.body.dataset.ready = "true";
}

// ------------------------------------------------------------------ messages (it + en)

const MESSAGES = {
  en: {
    "oa.title": "Oracle administration", "oa.community": "Community", "oa.models": "Reward models",
    "oa.schedule": "Active model schedule", "oa.model": "Model", "oa.from": "From", "oa.by": "By",
    "oa.versions": "Published versions", "oa.version": "Version", "oa.params": "Parameters",
    "oa.publish": "Publish a model version", "oa.effectiveFrom": "Effective from (your local time)",
    "oa.preview": "Preview on the last epoch", "oa.publishSubmit": "Publish",
    "oa.previewTitle": "What the last epoch would have paid", "oa.member": "Member", "oa.current": "Paid",
    "oa.proposed": "With these parameters", "oa.epochs": "Epochs", "oa.period": "Period", "oa.status": "Status",
    "oa.total": "Total", "oa.paid": "Paid", "oa.noEpochs": "No epochs yet.",
    "oa.unknownCommunity": "There is no community with token {token} on this platform.",
    "oa.noCommunities": "There are no communities on this platform yet.",
    "oa.paramRequired": "{name} ({low} to {high})", "oa.paramOptional": "{name} ({low} to {high}, optional)",
    "oa.earliest": "Earliest time the registry accepts now: {time} ({model} has {versions} versions).",
    "oa.noTime": "Choose the date and time the version applies from.",
    "oa.tooEarly": "{time} is too early: the registry accepts {earliest} or later (after the last committed period, with the notice it requires).",
    "oa.previewFirst": "The parameters changed since the preview: preview them again before publishing.",
    "oa.previewSummary": "Epoch {epoch}: {current} was paid; these parameters would have paid {total}.",
    "oa.published": "Published {model} version {version}, effective from {time}.",
    "oa.publishedActive": "Published {model} version {version}, effective from {time}; {model} is the active model from {active}.",
    "oa.steps": "Steps", "oa.epochTitle": "Epoch {n}: {period}", "oa.root": "Merkle root",
    "oa.datasetHash": "Dataset hash", "oa.payableAt": "Payable from",
    "oracle.param.unknownModel": "Unknown model {model}.",
    "oracle.param.unknown": "{name} is not a parameter of {model}.",
    "oracle.param.notDecimal": "{name} = “{value}” is not a number in plain decimal (digits with an optional fraction, like 97.5 or 1000).",
    "oracle.param.outOfRange": "{name} = {value} is outside its plausible range {low} to {high}.",
    "oracle.param.tooManyDecimals": "{name} = {value} has more than {decimals} decimals (the registry keeps 6).",
    "oracle.param.missing": "{name} is required for {model}.",
    "oracle.tx.publish": "Publishing the model version", "oracle.tx.activate": "Making the model active",
    // the ModelRegistry's custom errors (errors.js knows the token's and the notary's)
    "error.ZeroModelId": "the model id is empty", "error.NoParameters": "a version needs at least one parameter",
    "error.TooManyParameters": "{count} parameters are too many (at most {max})",
    "error.InvalidParameterName": "parameter number {index} has an empty name",
    "error.DuplicateParameter": "a parameter is given twice",
    "error.EffectiveBeforeCommittedPeriod": "the effective time is before the end of the last committed period",
    "error.NoticeTooShort": "the effective time gives too short a notice",
    "error.ScheduleNotIncreasing": "the effective time is not after the previous entry of the schedule",
    "error.UnknownModel": "the community has no version of this model",
    "error.NoVersionForPeriod": "no version of the model applies at that time",
    "error.NotAuthorizedForCommunity": "{account} may not publish models for this community",
    "error.NotaryNotSet": "the registry has no notary yet",
  },
  it: {
    "oa.title": "Amministrazione dell'oracolo", "oa.community": "Comunità", "oa.models": "Modelli di ricompensa",
    "oa.schedule": "Calendario del modello attivo", "oa.model": "Modello", "oa.from": "Dal", "oa.by": "Da",
    "oa.versions": "Versioni pubblicate", "oa.version": "Versione", "oa.params": "Parametri",
    "oa.publish": "Pubblica una versione del modello", "oa.effectiveFrom": "In vigore dal (ora locale)",
    "oa.preview": "Anteprima sull'ultima epoca", "oa.publishSubmit": "Pubblica",
    "oa.previewTitle": "Quanto avrebbe pagato l'ultima epoca", "oa.member": "Membro", "oa.current": "Pagato",
    "oa.proposed": "Con questi parametri", "oa.epochs": "Epoche", "oa.period": "Periodo", "oa.status": "Stato",
    "oa.total": "Totale", "oa.paid": "Pagati", "oa.noEpochs": "Ancora nessuna epoca.",
    "oa.unknownCommunity": "Non esiste una comunità con il token {token} su questa piattaforma.",
    "oa.noCommunities": "Su questa piattaforma non ci sono ancora comunità.",
    "oa.paramRequired": "{name} (da {low} a {high})", "oa.paramOptional": "{name} (da {low} a {high}, facoltativo)",
    "oa.earliest": "Il primo momento accettato ora dal registro: {time} ({model} ha {versions} versioni).",
    "oa.noTime": "Scegli data e ora da cui vale la versione.",
    "oa.tooEarly": "{time} è troppo presto: il registro accetta dal {earliest} in poi (dopo l'ultimo periodo registrato, con il preavviso richiesto).",
    "oa.previewFirst": "I parametri sono cambiati dopo l'anteprima: rifai l'anteprima prima di pubblicare.",
    "oa.previewSummary": "Epoca {epoch}: sono stati pagati {current}; con questi parametri sarebbero stati {total}.",
    "oa.published": "Pubblicata la versione {version} di {model}, in vigore dal {time}.",
    "oa.publishedActive": "Pubblicata la versione {version} di {model}, in vigore dal {time}; {model} è il modello attivo dal {active}.",
    "oa.steps": "Passi", "oa.epochTitle": "Epoca {n}: {period}", "oa.root": "Radice di Merkle",
    "oa.datasetHash": "Hash dei dati", "oa.payableAt": "Pagabile dal",
    "oracle.param.unknownModel": "Modello sconosciuto: {model}.",
    "oracle.param.unknown": "{name} non è un parametro di {model}.",
    "oracle.param.notDecimal": "{name} = “{value}” non è un numero decimale semplice (cifre con parte decimale facoltativa, come 97,5 o 1000).",
    "oracle.param.outOfRange": "{name} = {value} è fuori dall'intervallo plausibile da {low} a {high}.",
    "oracle.param.tooManyDecimals": "{name} = {value} ha più di {decimals} decimali (il registro ne conserva 6).",
    "oracle.param.missing": "{name} è obbligatorio per {model}.",
    "oracle.tx.publish": "Pubblicazione della versione", "oracle.tx.activate": "Attivazione del modello",
    "error.ZeroModelId": "l'identificativo del modello è vuoto",
    "error.NoParameters": "una versione ha bisogno di almeno un parametro",
    "error.TooManyParameters": "{count} parametri sono troppi (al massimo {max})",
    "error.InvalidParameterName": "il parametro numero {index} ha un nome vuoto",
    "error.DuplicateParameter": "un parametro compare due volte",
    "error.EffectiveBeforeCommittedPeriod": "il momento di entrata in vigore precede la fine dell'ultimo periodo registrato",
    "error.NoticeTooShort": "il momento di entrata in vigore non rispetta il preavviso",
    "error.ScheduleNotIncreasing": "il momento di entrata in vigore non è successivo alla voce precedente del calendario",
    "error.UnknownModel": "la comunità non ha versioni di questo modello",
    "error.NoVersionForPeriod": "nessuna versione del modello vale in quel momento",
    "error.NotAuthorizedForCommunity": "{account} non può pubblicare modelli per questa comunità",
    "error.NotaryNotSet": "il registro non ha ancora un notaio",
  },
};

registerMessages(MESSAGES);
main().catch((err) => showError(err, $("page-status")));
