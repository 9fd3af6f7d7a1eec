// The Member's page: balance and token history, rewards per epoch with KPIs and model, 15-minute curves, pay a
// service, request community work, claim a reward, download the take-out, add the network and the token.
//
// data-testid (for browser tests):
//   member-error, not-a-member, member-summary, community-name, community-choice, community-select, member-kind,
//   balance (data-base-units = balance in base units), community-fee, community-model,
//   add-network, watch-token, wallet-action-status (data-state),
//   pay-form, pay-category, pay-provider, pay-amount, pay-symbol, pay-structure-fields, pay-structure,
//   pay-structure-share, pay-ref, pay-preview, pay-preview-box, pay-preview-fee (data-base-units),
//   pay-preview-provider, pay-preview-structure, pay-preview-incentive, pay-preview-incentive-this, pay-submit,
//   pay-status (data-state waiting|sent|mined|failed|cancelled, data-hash), pay-error,
//   work-form, work-category, work-amount, work-symbol, work-description, work-structure-fields, work-structure,
//   work-structure-share, work-submit, work-status (data-state), work-error,
//   rewards-section, rewards-empty, rewards-table, reward-row (data-epoch, data-state paid|claimable|unpaid|skipped),
//   reward-amount (data-base-units), reward-state, kpi-self-consumption, kpi-self-sufficiency, kpi-peak-base,
//   reward-model, claim-reward (data-epoch), download-takeout (data-epoch), verify-takeout (data-epoch),
//   claim-status (data-state), takeout-status (data-state waiting|done|passed|failed),
//   chart-section, chart-form, chart-start, chart-end, chart-show, chart-error, readings-chart, chart-summary,
//   history-section, history-empty, history-table, history-row (data-kind, data-tx), history-counterparty,
//   history-amount
//   (data-base-units, signed), history-fee, history-more, history-error
//   (+ the "My data" panel's: see member-my-data.js)
//   (+ the layout's: sign-in, sign-in-panel, wallet-address, network-status, sign-out, language-select, nav-*)
import { ethers } from "../../vendor/ethers.min.js";
import { startPage } from "../lib/layout.js";
import { api, withQuery } from "../lib/api.js";
import { loadMe } from "../lib/session.js";
import { showError, userError } from "../lib/errors.js";
import { t, registerMessages, currentLanguage, formatTokens, formatDate, formatKwh, formatNumber, formatPercent }
  from "../lib/i18n.js";
import { toBaseUnits, bpsToPercent } from "../lib/units.js";
import { addNetwork } from "../actions/add-network.js";
import { watchCommunityToken } from "../actions/watch-token.js";
import { previewService, payService, SERVICE_CATEGORIES, WITH_STRUCTURE } from "../actions/pay-service.js";
import { requestWork, WORK_CATEGORIES, WORK_WITH_STRUCTURE } from "../actions/request-work.js";
import { claimReward } from "../actions/claim-reward.js";
import { fetchTakeout } from "../actions/download-takeout.js";
import { readingProvider, verifyTakeoutFile } from "../actions/verify-takeout.js";
import { render as renderCheck } from "../lib/takeout-check.js";
import { currentWallet } from "../lib/wallet.js";
import { showMyData } from "./member-my-data.js";
import { saveFile } from "../lib/save-file.js";

registerMessages({
  en: {
    "member.pageTitle": "LEC platform — member", "member.notMember": "Your address is not a member of any community.", "member.community": "Community",
    "member.balance": "Balance", "member.fee": "Fee on payments", "member.model": "Reward model",
    "member.addNetwork": "Add and switch to the platform's network", "member.watchToken": "Show the token in my wallet",
    "member.kindLine": "Member: {kind}, {profile}", "member.formerMember": "No longer an active member of this community.",
    "member.noModel": "no model published yet", "member.modelLine": "{id} version {version} ({params})",
    "member.walletWaiting": "Waiting for the wallet…", "member.networkAdded": "The wallet is on the platform's network.",
    "member.tokenWatched": "The wallet now shows {symbol}.",
    "kind.citizen": "citizen", "kind.stakeholder": "stakeholder", "profile.consumer": "consumer",
    "profile.prosumer": "prosumer", "profile.prostormer": "prosumer with storage", "profile.null": "no profile",
    "category.1": "citizen to citizen", "category.2": "citizen to citizen, in a structure",
    "category.3": "citizen to stakeholder", "category.4": "stakeholder to stakeholder",
    "category.5": "stakeholder to citizen", "category.6": "citizen's work for the community",
    "category.7": "stakeholder's work for the community", "category.8": "citizen's work for the community, in a structure",
    "pay.title": "Pay a service", "pay.category": "Category", "pay.provider": "Provider (member's address)",
    "pay.amount": "Amount", "pay.structure": "Structure owner (stakeholder's address)",
    "pay.structureShare": "Structure owner's share (%)", "pay.ref": "Service reference (optional)",
    "pay.refHint": "The reference the community admin approved an incentive for, if any.", "pay.preview": "Preview",
    "pay.fee": "Fee to the treasury", "pay.toProvider": "Provider receives", "pay.toStructure": "Structure owner receives",
    "pay.incentive": "Incentive of the category (with an approval)", "pay.incentiveThis": "Incentive for this service",
    "pay.submit": "Pay", "pay.noCategory": "Your kind of member cannot pay services in this community.",
    "form.badAmount": "\"{value}\" is not an amount above zero (for example 12.5).",
    "form.badShare": "\"{value}\" is not a share between 0 and 100 %.",
    "form.badProvider": "\"{value}\" is not an address: the provider's address starts with 0x and has 40 hex digits.",
    "form.badStructure": "\"{value}\" is not an address: the structure owner's address starts with 0x and has 40 hex digits.",
    "work.title": "Request payment for community work", "work.description": "What you did",
    "work.submit": "Send the request", "work.noCategory": "Your kind of member cannot request community work.",
    "work.noDescription": "Say what you did for the community.",
    "work.sent": "Request number {id} sent: the community admin will approve or reject it.",
    "rewards.title": "Rewards per epoch", "rewards.empty": "No rewards yet.", "rewards.epoch": "Epoch",
    "rewards.amount": "Reward", "rewards.state": "State", "rewards.model": "Model", "rewards.actions": "Actions",
    "rewards.claim": "Claim", "rewards.takeout": "Download my data", "rewards.paid": "paid",
    "rewards.claimable": "to claim", "rewards.unpaid": "not yet payable", "rewards.skipped": "skipped",
    "rewards.debtDeducted": "{debt} paid off a debt (reward {reward})",
    "rewards.topUp": "revision {revision}: +{topUp} (corrected data, reward {reward})",
    "rewards.debt": "revision {revision}: reward {reward}, {debt} deducted from your next rewards",
    "kpi.selfConsumption": "Self-consumption", "kpi.selfSufficiency": "Self-sufficiency",
    "kpi.peakBase": "Peak / baseline",
    "takeout.fetching": "Fetching your data of epoch {epoch}…", "takeout.saved": "Saved as {file}.",
    "rewards.verify": "Verify my data", "takeout.verifying": "Checking your data of epoch {epoch} against the chain…",
    "takeout.passed": "Your data of epoch {epoch} matches what the chain holds ({checks} checks passed).",
    "takeout.failed": "Your data of epoch {epoch} does not match at \"{part}\": {why}.",
    "chart.title": "Consumption and production every 15 minutes", "chart.start": "From", "chart.end": "To",
    "chart.show": "Show", "chart.badRange": "Choose a start before the end (at most 31 days).",
    "chart.ownConsumption": "My consumption", "chart.ownProduction": "My production",
    "chart.communityProduction": "Community production", "chart.ownAxis": "mine (kWh per 15 min)",
    "chart.communityAxis": "community (kWh per 15 min)",
    "chart.summary": "{points} quarter-hours: I consumed {consumption} and produced {production}; the community produced {community}.",
    "history.title": "Token history", "history.empty": "No token movements yet.", "history.time": "When",
    "history.kind": "What", "history.counterparty": "With", "history.amount": "Amount", "history.fee": "Fee",
    "history.more": "Show more", "history.kind.transfer": "transfer", "history.kind.service": "service payment",
    "history.kind.reward": "reward", "history.kind.welcome": "welcome bonus", "history.kind.fee": "fee",
    "history.kind.work": "community work", "history.treasury": "community treasury",
    "history.notary": "rewards (notary)",
  },
  it: {
    "member.pageTitle": "Piattaforma CER — membro", "member.notMember": "Il tuo indirizzo non è membro di nessuna comunità.", "member.community": "Comunità",
    "member.balance": "Saldo", "member.fee": "Commissione sui pagamenti", "member.model": "Modello dei premi",
    "member.addNetwork": "Aggiungi e usa la rete della piattaforma", "member.watchToken": "Mostra il token nel portafoglio",
    "member.kindLine": "Membro: {kind}, {profile}", "member.formerMember": "Non sei più un membro attivo di questa comunità.",
    "member.noModel": "nessun modello ancora pubblicato", "member.modelLine": "{id} versione {version} ({params})",
    "member.walletWaiting": "In attesa del portafoglio…", "member.networkAdded": "Il portafoglio è sulla rete della piattaforma.",
    "member.tokenWatched": "Il portafoglio ora mostra {symbol}.",
    "kind.citizen": "cittadino", "kind.stakeholder": "stakeholder", "profile.consumer": "consumatore",
    "profile.prosumer": "prosumer", "profile.prostormer": "prosumer con accumulo", "profile.null": "nessun profilo",
    "category.1": "da cittadino a cittadino", "category.2": "da cittadino a cittadino, in una struttura",
    "category.3": "da cittadino a stakeholder", "category.4": "da stakeholder a stakeholder",
    "category.5": "da stakeholder a cittadino", "category.6": "lavoro di un cittadino per la comunità",
    "category.7": "lavoro di uno stakeholder per la comunità", "category.8": "lavoro di un cittadino per la comunità, in una struttura",
    "pay.title": "Paga un servizio", "pay.category": "Categoria", "pay.provider": "Fornitore (indirizzo del membro)",
    "pay.amount": "Importo", "pay.structure": "Proprietario della struttura (indirizzo dello stakeholder)",
    "pay.structureShare": "Quota del proprietario della struttura (%)", "pay.ref": "Riferimento del servizio (facoltativo)",
    "pay.refHint": "Il riferimento per cui l'amministratore della comunità ha approvato un incentivo, se c'è.",
    "pay.preview": "Anteprima", "pay.fee": "Commissione alla tesoreria", "pay.toProvider": "Il fornitore riceve",
    "pay.toStructure": "Il proprietario della struttura riceve", "pay.incentive": "Incentivo della categoria (con approvazione)",
    "pay.incentiveThis": "Incentivo per questo servizio", "pay.submit": "Paga",
    "pay.noCategory": "Il tuo tipo di membro non può pagare servizi in questa comunità.",
    "form.badAmount": "\"{value}\" non è un importo maggiore di zero (per esempio 12,5).",
    "form.badShare": "\"{value}\" non è una quota tra 0 e 100 %.",
    "form.badProvider": "\"{value}\" non è un indirizzo: l'indirizzo del fornitore inizia con 0x e ha 40 cifre esadecimali.",
    "form.badStructure": "\"{value}\" non è un indirizzo: l'indirizzo del proprietario della struttura inizia con 0x e ha 40 cifre esadecimali.",
    "work.title": "Chiedi il pagamento di un lavoro per la comunità", "work.description": "Che cosa hai fatto",
    "work.submit": "Invia la richiesta", "work.noCategory": "Il tuo tipo di membro non può chiedere pagamenti per lavori.",
    "work.noDescription": "Scrivi che cosa hai fatto per la comunità.",
    "work.sent": "Richiesta numero {id} inviata: l'amministratore della comunità la approverà o la rifiuterà.",
    "rewards.title": "Premi per epoca", "rewards.empty": "Ancora nessun premio.", "rewards.epoch": "Epoca",
    "rewards.amount": "Premio", "rewards.state": "Stato", "rewards.model": "Modello", "rewards.actions": "Azioni",
    "rewards.claim": "Riscuoti", "rewards.takeout": "Scarica i miei dati", "rewards.paid": "pagato",
    "rewards.claimable": "da riscuotere", "rewards.unpaid": "non ancora pagabile", "rewards.skipped": "saltato",
    "rewards.debtDeducted": "{debt} a saldo di un debito (premio {reward})",
    "rewards.topUp": "revisione {revision}: +{topUp} (dati corretti, premio {reward})",
    "rewards.debt": "revisione {revision}: premio {reward}, {debt} detratti dai prossimi premi",
    "kpi.selfConsumption": "Autoconsumo", "kpi.selfSufficiency": "Autosufficienza", "kpi.peakBase": "Picco / base",
    "takeout.fetching": "Recupero dei tuoi dati dell'epoca {epoch}…", "takeout.saved": "Salvato come {file}.",
    "rewards.verify": "Verifica i miei dati", "takeout.verifying": "Verifica dei tuoi dati dell'epoca {epoch} sulla blockchain…",
    "takeout.passed": "I tuoi dati dell'epoca {epoch} corrispondono a quelli sulla blockchain ({checks} controlli superati).",
    "takeout.failed": "I tuoi dati dell'epoca {epoch} non corrispondono in \"{part}\": {why}.",
    "chart.title": "Consumo e produzione ogni 15 minuti", "chart.start": "Da", "chart.end": "A", "chart.show": "Mostra",
    "chart.badRange": "Scegli un inizio prima della fine (al massimo 31 giorni).",
    "chart.ownConsumption": "Il mio consumo", "chart.ownProduction": "La mia produzione",
    "chart.communityProduction": "Produzione della comunità", "chart.ownAxis": "miei (kWh ogni 15 min)",
    "chart.communityAxis": "comunità (kWh ogni 15 min)",
    "chart.summary": "{points} quarti d'ora: ho consumato {consumption} e prodotto {production}; la comunità ha prodotto {community}.",
    "history.title": "Movimenti del token", "history.empty": "Ancora nessun movimento.", "history.time": "Quando",
    "history.kind": "Cosa", "history.counterparty": "Con", "history.amount": "Importo", "history.fee": "Commissione",
    "history.more": "Mostra altri", "history.kind.transfer": "trasferimento", "history.kind.service": "pagamento di servizio",
    "history.kind.reward": "premio", "history.kind.welcome": "bonus di benvenuto", "history.kind.fee": "commissione",
    "history.kind.work": "lavoro per la comunità", "history.treasury": "tesoreria della comunità",
    "history.notary": "premi (notaio)",
  },
});

const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);
const HISTORY_PAGE = 20;
const MAX_CHART_DAYS = 31; // the API's longest series
const state = { me: null, token: null, community: null, standing: null, epochs: new Map(), rewards: [],
  history: [], historyPage: 0, historyTotal: 0, series: null, chart: null, preview: null };

// ------------------------------------------------------------------ helpers

function symbol() {
  return state.community?.symbol || "";
}

function tokens(baseUnits) {
  return formatTokens(baseUnits, symbol(), { decimals: state.community?.decimals ?? 18 });
}

function cell(text, { className, testid } = {}) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (testid) td.dataset.testid = testid;
  td.textContent = text;
  return td;
}

function button(testid, key, onClick) {
  const node = document.createElement("button");
  node.type = "button";
  node.dataset.testid = testid;
  node.dataset.i18n = key;
  node.textContent = t(key);
  node.addEventListener("click", onClick);
  return node;
}

function shortAddress(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "–";
}

function hideError(testid) {
  $(testid).hidden = true;
}

function say(testid, stateName, text) {
  const node = $(testid);
  node.hidden = false;
  node.dataset.state = stateName;
  node.textContent = text;
}

// ------------------------------------------------------------------ summary

function renderSummary() {
  const { community, standing } = state;
  $("community-name").textContent = community.name;
  $("member-kind").textContent = standing.member
    ? t("member.kindLine", { kind: t(`kind.${standing.kind}`), profile: t(`profile.${standing.profile}`) })
    : t("member.formerMember");
  const balance = $("balance");
  balance.dataset.baseUnits = standing.balance;
  balance.textContent = tokens(standing.balance);
  $("community-fee").textContent = formatPercent(bpsToPercent(community.feeBps), 2);
  const model = community.activeModel;
  $("community-model").textContent = model ? modelText(model) : t("member.noModel");
  for (const id of ["pay-symbol", "work-symbol"]) $(id).textContent = symbol();
}

function modelText(model) {
  const params = Object.entries(model.params || {})
    .map(([k, v]) => `${k} = ${formatNumber(Number(v), { maximumFractionDigits: 6 })}`);
  return t("member.modelLine", { id: model.id, version: model.version, params: params.join(", ") || "–" });
}

async function refreshBalance() {
  state.me = await loadMe();
  state.standing = state.me.communities.find((c) => c.token === state.token) || state.standing;
  renderSummary();
}

// ------------------------------------------------------------------ categories

function fillCategories(select, numbers) {
  const chosen = select.value;
  select.replaceChildren(...numbers.map((n) => {
    const option = document.createElement("option");
    option.value = String(n);
    option.textContent = `${n} — ${t(`category.${n}`)}`;
    return option;
  }));
  if (numbers.map(String).includes(chosen)) select.value = chosen;
}

function renderForms() {
  const kind = state.standing.kind;
  fillCategories($("pay-category"), state.standing.member ? SERVICE_CATEGORIES[kind] || [] : []);
  fillCategories($("work-category"), state.standing.member ? WORK_CATEGORIES[kind] || [] : []);
  $("pay-structure-fields").hidden = Number($("pay-category").value) !== WITH_STRUCTURE;
  $("work-structure-fields").hidden = Number($("work-category").value) !== WORK_WITH_STRUCTURE;
}

// ------------------------------------------------------------------ pay a service

function readAddress(testid, key) {
  const text = $(testid).value.trim();
  if (!ethers.isAddress(text)) throw userError(key, { value: text || "–" });
  return ethers.getAddress(text);
}

function readAmount(testid) {
  let amount;
  try {
    amount = toBaseUnits($(testid).value, state.community.decimals ?? 18);
  } catch {
    throw userError("form.badAmount", { value: $(testid).value || "–" });
  }
  if (amount <= 0n) throw userError("form.badAmount", { value: $(testid).value });
  return amount;
}

function readShareBps(testid) {
  const pct = Number(String($(testid).value || "0").replace(",", "."));
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw userError("form.badShare", { value: $(testid).value });
  return Math.round(pct * 100);
}

function readPayForm() {
  const category = Number($("pay-category").value);
  if (!category) throw userError("pay.noCategory");
  const provider = readAddress("pay-provider", "form.badProvider");
  const amount = readAmount("pay-amount");
  const withStructure = category === WITH_STRUCTURE;
  return { category, provider, amount, ref: $("pay-ref").value,
    structure: withStructure ? readAddress("pay-structure", "form.badStructure") : null,
    structureShareBps: withStructure ? readShareBps("pay-structure-share") : 0 };
}

function renderPreview() {
  const box = $("pay-preview-box");
  const preview = state.preview;
  box.hidden = !preview;
  if (!preview) return;
  const set = (testid, value) => {
    $(testid).textContent = tokens(value);
    $(testid).dataset.baseUnits = String(value);
  };
  set("pay-preview-fee", preview.fee);
  set("pay-preview-provider", preview.providerReceives);
  set("pay-preview-structure", preview.structureReceives);
  set("pay-preview-incentive", preview.incentive);
  set("pay-preview-incentive-this", preview.incentiveForThis);
  $("pay-preview-fee").textContent += ` (${formatPercent(bpsToPercent(preview.feeBps), 2)})`;
}

function forgetPreview() {
  state.preview = null;
  $("pay-submit").disabled = true;
  renderPreview();
}

async function onPreview() {
  hideError("pay-error");
  forgetPreview();
  try {
    const form = readPayForm();
    const quote = await previewService(state.token, form);
    state.preview = { ...quote, form };
    renderPreview();
    $("pay-submit").disabled = false;
  } catch (err) {
    showError(err, $("pay-error"));
  }
}

async function onPay(event) {
  event.preventDefault();
  if (!state.preview) return onPreview();
  hideError("pay-error");
  const { form, feeBps } = state.preview;
  $("pay-submit").disabled = true;
  try {
    await payService(state.token, { ...form, maxFeeBps: feeBps }, $("pay-status"));
    forgetPreview();
    await Promise.all([refreshBalance(), loadHistory(true)]);
  } catch {
    $("pay-submit").disabled = false; // the status line says why
  }
}

// ------------------------------------------------------------------ community work

function readWorkForm() {
  const category = Number($("work-category").value);
  if (!category) throw userError("work.noCategory");
  const description = $("work-description").value.trim();
  if (!description) throw userError("work.noDescription");
  const withStructure = category === WORK_WITH_STRUCTURE;
  return { category, amount: readAmount("work-amount"), description,
    structure: withStructure ? readAddress("work-structure", "form.badStructure") : null,
    structureShareBps: withStructure ? readShareBps("work-structure-share") : 0 };
}

async function onWork(event) {
  event.preventDefault();
  hideError("work-error");
  let form;
  try {
    form = readWorkForm();
  } catch (err) {
    return showError(err, $("work-error"));
  }
  $("work-submit").disabled = true;
  try {
    const { id } = await requestWork(state.token, form, $("work-status"));
    if (id !== null) say("work-status", "mined", t("work.sent", { id: id.toString() }));
  } catch {
    // the status line already says why
  } finally {
    $("work-submit").disabled = false;
  }
}

// ------------------------------------------------------------------ rewards

function rewardState(reward) {
  if (reward.paid) return "paid";
  if (reward.claimable) return "claimable";
  return reward.skipped ? "skipped" : "unpaid";
}

function kpiCells(kpis = {}) {
  const kw = (value) => formatNumber(value, { maximumFractionDigits: 2 });
  const known = kpis.peak_kw !== null && kpis.peak_kw !== undefined;
  const peak = known ? `${kw(kpis.peak_kw)} / ${kw(kpis.base_kw)} kW` : "–";
  return [cell(formatPercent(kpis.self_consumption_pct), { className: "num", testid: "kpi-self-consumption" }),
    cell(formatPercent(kpis.self_sufficiency_pct), { className: "num", testid: "kpi-self-sufficiency" }),
    cell(peak, { className: "num", testid: "kpi-peak-base" })];
}

function epochCell(number) {
  const epoch = state.epochs.get(Number(number));
  const td = cell(`${number}`);
  if (epoch?.period) {
    const small = document.createElement("div");
    small.className = "hint";
    const short = { dateStyle: "short", timeStyle: "short" };
    small.textContent = `${formatDate(epoch.period.start, short)} – ${formatDate(epoch.period.end, short)}`;
    td.append(small);
  }
  return td;
}

function rewardActions(reward, stateName) {
  const td = cell("");
  td.className = "actions";
  if (stateName === "claimable") {
    const claim = button("claim-reward", "rewards.claim", () => onClaim(reward.epoch, claim));
    claim.dataset.epoch = reward.epoch;
    td.append(claim);
  }
  const takeout = button("download-takeout", "rewards.takeout", () => onTakeout(reward.epoch));
  takeout.dataset.epoch = reward.epoch;
  const verify = button("verify-takeout", "rewards.verify", () => onVerify(reward.epoch));
  verify.dataset.epoch = reward.epoch;
  td.append(takeout, verify);
  return td;
}

// what corrections changed (`oracle epoch correct`): a debt this leaf paid off, and the epoch's revisions
function correctionHints(reward) {
  const hint = (key, values, testid) => {
    const div = document.createElement("div");
    div.className = "hint";
    div.dataset.testid = testid;
    div.textContent = t(key, values);
    return div;
  };
  const hints = [];
  if (BigInt(reward.debtDeducted ?? "0") > 0n) {
    const full = (BigInt(reward.amount) + BigInt(reward.debtDeducted)).toString();
    hints.push(hint("rewards.debtDeducted", { debt: tokens(reward.debtDeducted), reward: tokens(full) }, "reward-debt-deducted"));
  }
  for (const c of reward.corrections ?? []) {
    const values = { revision: c.revision, reward: tokens(c.reward), topUp: tokens(c.topUp), debt: tokens(c.debt) };
    hints.push(BigInt(c.debt) > 0n ? hint("rewards.debt", values, "reward-correction")
      : hint("rewards.topUp", values, "reward-correction"));
  }
  return hints;
}

function rewardRow(reward) {
  const row = document.createElement("tr");
  const stateName = rewardState(reward);
  row.dataset.testid = "reward-row";
  row.dataset.epoch = reward.epoch;
  row.dataset.state = stateName;
  const amount = cell(tokens(reward.amount), { className: "num", testid: "reward-amount" });
  amount.dataset.baseUnits = reward.amount;
  amount.append(...correctionHints(reward));
  const model = state.epochs.get(Number(reward.epoch))?.model;
  row.append(epochCell(reward.epoch), amount, cell(t(`rewards.${stateName}`), { testid: "reward-state" }),
    ...kpiCells(reward.kpis ?? {}), cell(model ? modelText(model) : "–", { testid: "reward-model" }),
    rewardActions(reward, stateName));
  return row;
}

function renderRewards() {
  const body = $("rewards-table").querySelector("tbody");
  body.replaceChildren(...state.rewards.map(rewardRow));
  $("rewards-empty").hidden = state.rewards.length > 0;
  $("rewards-table").hidden = state.rewards.length === 0;
}

async function loadRewards() {
  const base = `/api/communities/${state.token}`;
  const [epochs, rewards] = await Promise.all([api(withQuery(`${base}/epochs`, { per_page: 200 })),
    api(withQuery(`${base}/members/${state.me.address}/rewards`, { per_page: 200 }))]);
  state.epochs = new Map(epochs.items.map((e) => [Number(e.number), e]));
  state.rewards = rewards.items;
  renderRewards();
}

async function onClaim(epoch, claimButton) {
  claimButton.disabled = true;
  try {
    await claimReward(state.token, epoch, state.me.address, $("claim-status"));
    await Promise.all([refreshBalance(), loadRewards(), loadHistory(true)]);
  } catch {
    claimButton.disabled = false; // the status line says why
  }
}

async function onTakeout(epoch) {
  say("takeout-status", "waiting", t("takeout.fetching", { epoch }));
  try {
    const { blob, fileName } = await fetchTakeout(state.token, state.community.name, epoch, state.me.address);
    saveFile(blob, fileName);
    say("takeout-status", "done", t("takeout.saved", { file: fileName }));
  } catch (err) {
    say("takeout-status", "failed", showError(err, null));
  }
}

/** Verifies one's own take-out against the chain in the browser (the auditor's checks): pass, or the first part
 * that does not match. */
async function onVerify(epoch) {
  say("takeout-status", "waiting", t("takeout.verifying", { epoch }));
  try {
    const { takeout } = await fetchTakeout(state.token, state.community.name, epoch, state.me.address);
    const { provider } = readingProvider(state.platform, currentWallet());
    const result = await verifyTakeoutFile(takeout, { platform: state.platform, provider });
    const checks = result.lines.filter((l) => l.status === "ok").length;
    if (result.ok) say("takeout-status", "passed", t("takeout.passed", { epoch, checks }));
    else {
      say("takeout-status", "failed", t("takeout.failed", { epoch, part: result.failedPart,
        why: renderCheck(result.failure, currentLanguage()) }));
    }
  } catch (err) {
    say("takeout-status", "failed", showError(err, null));
  }
}

// ------------------------------------------------------------------ chart

function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function defaultRange() {
  const latest = [...state.epochs.values()].sort((a, b) => b.number - a.number)[0];
  if (latest?.period) return [new Date(latest.period.start), new Date(latest.period.end)];
  const end = new Date();
  end.setMinutes(end.getMinutes() - (end.getMinutes() % 15), 0, 0);
  return [new Date(end.getTime() - 24 * 3600 * 1000), end];
}

function readRange() {
  const start = new Date($("chart-start").value);
  const end = new Date($("chart-end").value);
  const valid = !Number.isNaN(start.getTime()) && !Number.isNaN(end.getTime()) && end > start;
  if (!valid || end - start > MAX_CHART_DAYS * 24 * 3600 * 1000) throw userError("chart.badRange");
  return [start, end];
}

async function loadChart(range) {
  hideError("chart-error");
  const [start, end] = range;
  const query = { start: start.toISOString(), end: end.toISOString() };
  const base = `/api/communities/${state.token}`;
  const [own, community] = await Promise.all([
    api(withQuery(`${base}/members/${state.me.address}/readings`, query)),
    api(withQuery(`${base}/production`, query))]);
  state.series = joinSeries(own.series, community.series);
  renderChart();
}

function joinSeries(own, community) {
  const byTs = new Map();
  const point = (ts) => {
    if (!byTs.has(ts)) byTs.set(ts, { ts, consumption: null, production: null, community: null });
    return byTs.get(ts);
  };
  for (const r of own) Object.assign(point(r.ts), { consumption: r.consumption_wh, production: r.production_wh });
  for (const r of community) point(r.ts).community = r.production_wh;
  return [...byTs.values()].sort((a, b) => new Date(a.ts) - new Date(b.ts));
}

function sum(values) {
  return values.reduce((total, v) => total + (v || 0), 0);
}

function chartData() {
  const kwh = (v) => (v === null ? null : v / 1000);
  const labels = state.series.map((p) => formatDate(p.ts, { dateStyle: "short", timeStyle: "short" }));
  return { labels, datasets: [
    { label: t("chart.ownConsumption"), data: state.series.map((p) => kwh(p.consumption)), borderColor: "#a4161a",
      backgroundColor: "#a4161a", yAxisID: "y", pointRadius: 0, borderWidth: 2 },
    { label: t("chart.ownProduction"), data: state.series.map((p) => kwh(p.production)), borderColor: "#0b6e4f",
      backgroundColor: "#0b6e4f", yAxisID: "y", pointRadius: 0, borderWidth: 2 },
    { label: t("chart.communityProduction"), data: state.series.map((p) => kwh(p.community)), borderColor: "#e0a100",
      backgroundColor: "#e0a100", yAxisID: "y1", pointRadius: 0, borderWidth: 2, borderDash: [6, 4] }] };
}

function chartOptions() {
  const axisTitle = (key) => ({ display: true, text: t(key) });
  return { responsive: true, maintainAspectRatio: false, animation: false,
    interaction: { mode: "index", intersect: false },
    scales: { y: { beginAtZero: true, title: axisTitle("chart.ownAxis") },
      y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
        title: axisTitle("chart.communityAxis") } },
    plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${formatKwh(c.parsed.y * 1000)}` } } } };
}

function renderChart() {
  if (!state.series) return;
  const s = state.series;
  $("chart-summary").textContent = t("chart.summary", { points: formatNumber(s.length),
    consumption: formatKwh(sum(s.map((p) => p.consumption))), production: formatKwh(sum(s.map((p) => p.production))),
    community: formatKwh(sum(s.map((p) => p.community))) });
  if (!window.Chart) return;
  if (state.chart) state.chart.destroy();
  state.chart = new window.Chart($("readings-chart"), { type: "line", data: chartData(), options: chartOptions() });
}

async function onChart(event) {
  event.preventDefault();
  try {
    await loadChart(readRange());
  } catch (err) {
    showError(err, $("chart-error"));
  }
}

// ------------------------------------------------------------------ history

/** The treasury (the token itself) and the notary by name, anyone else by a short address. */
function counterpartyName(address) {
  const known = { [state.token.toLowerCase()]: "history.treasury",
    [String(state.platform?.contracts?.ConsumptionNotary?.address).toLowerCase()]: "history.notary" };
  const key = known[(address || "").toLowerCase()];
  return key ? t(key) : shortAddress(address);
}

function historyRow(move) {
  const me = state.me.address.toLowerCase();
  const outgoing = (move.from || "").toLowerCase() === me;
  const row = document.createElement("tr");
  row.dataset.testid = "history-row";
  row.dataset.kind = move.kind;
  row.dataset.tx = move.tx;
  const signed = (outgoing ? "-" : "") + move.amount;
  const amount = cell(`${outgoing ? "−" : "+"}${tokens(move.amount)}`,
    { className: "num", testid: "history-amount" });
  amount.dataset.baseUnits = signed;
  const other = outgoing ? move.to : move.from;
  const counterparty = cell(counterpartyName(other), { testid: "history-counterparty" });
  counterparty.title = other || "";
  const fee = move.fee && move.fee !== "0" ? tokens(move.fee) : "–";
  row.append(cell(formatDate(move.time)), cell(t(`history.kind.${move.kind}`)), counterparty, amount,
    cell(fee, { className: "num", testid: "history-fee" }));
  return row;
}

function renderHistory() {
  $("history-table").querySelector("tbody").replaceChildren(...state.history.map(historyRow));
  $("history-empty").hidden = state.history.length > 0;
  $("history-table").hidden = state.history.length === 0;
  $("history-more").hidden = state.history.length >= state.historyTotal;
}

async function loadHistory(reset = false) {
  hideError("history-error");
  const page = reset ? 1 : state.historyPage + 1;
  try {
    const answer = await api(withQuery(`/api/communities/${state.token}/members/${state.me.address}/history`,
      { page, per_page: HISTORY_PAGE }));
    state.history = reset ? answer.items : [...state.history, ...answer.items];
    state.historyPage = page;
    state.historyTotal = answer.total;
    renderHistory();
  } catch (err) {
    showError(err, $("history-error"));
  }
}

// ------------------------------------------------------------------ wallet helpers

async function onWalletAction(action, doneKey) {
  try {
    say("wallet-action-status", "waiting", t("member.walletWaiting"));
    await action();
    say("wallet-action-status", "done", t(doneKey, { symbol: symbol() }));
  } catch (err) {
    say("wallet-action-status", "failed", showError(err, null));
  }
}

// ------------------------------------------------------------------ start

function chooseToken(me) {
  const mine = me.communities.filter((c) => c.kind);
  const wanted = new URLSearchParams(window.location.search).get("token");
  const chosen = mine.find((c) => wanted && c.token.toLowerCase() === wanted.toLowerCase())
    || mine.find((c) => c.member) || mine[0];
  const select = $("community-select");
  select.replaceChildren(...mine.map((c) => new Option(c.name, c.token)));
  $("community-choice").hidden = mine.length < 2;
  if (chosen) select.value = chosen.token;
  return chosen;
}

async function showCommunity(token) {
  state.token = token;
  state.standing = state.me.communities.find((c) => c.token === token);
  state.community = await api(`/api/communities/${token}`);
  forgetPreview();
  renderSummary();
  renderForms();
  for (const id of ["member-summary", "member-sections", "rewards-section", "chart-section", "history-section"]) {
    $(id).hidden = false;
  }
  const results = await Promise.allSettled([loadRewards().catch((err) => showError(err, $("member-error"))),
    loadHistory(true), showMyData(token, state.me.address)]);
  const range = defaultRange();
  $("chart-start").value = toLocalInput(range[0]);
  $("chart-end").value = toLocalInput(range[1]);
  await loadChart(range).catch((err) => showError(err, $("chart-error")));
  return results;
}

function rerender() {
  if (!state.community) return;
  renderSummary();
  renderForms();
  renderPreview();
  renderRewards();
  renderHistory();
  renderChart();
}

function wire() {
  $("community-select").addEventListener("change", (e) => {
    const url = new URL(window.location.href);
    url.searchParams.set("token", e.target.value);
    window.history.replaceState(null, "", url);
    showCommunity(e.target.value).catch((err) => showError(err, $("member-error")));
  });
  $("add-network").addEventListener("click", () => onWalletAction(addNetwork, "member.networkAdded"));
  $("watch-token").addEventListener("click", () => onWalletAction(() => watchCommunityToken(state.community),
    "member.tokenWatched"));
  $("pay-preview").addEventListener("click", onPreview);
  $("pay-form").addEventListener("submit", onPay);
  $("pay-form").addEventListener("keydown", (e) => { // Enter in a field previews while Pay is still disabled
    if (e.key === "Enter" && e.target.tagName === "INPUT" && $("pay-submit").disabled) {
      e.preventDefault();
      onPreview();
    }
  });
  $("pay-form").addEventListener("input", (e) => { if (e.target.dataset.testid !== "pay-submit") forgetPreview(); });
  $("pay-category").addEventListener("change", renderForms);
  $("work-category").addEventListener("change", renderForms);
  $("work-form").addEventListener("submit", onWork);
  $("chart-form").addEventListener("submit", onChart);
  $("history-more").addEventListener("click", () => loadHistory(false));
  window.addEventListener("lec:language", rerender);
}

async function main() {
  const { me, platform } = await startPage({ page: "member" });
  state.me = me;
  state.platform = platform;
  wire();
  const chosen = chooseToken(me);
  if (!chosen) {
    $("not-a-member").hidden = false;
    return;
  }
  try {
    await showCommunity(chosen.token);
  } catch (err) {
    showError(err, $("member-error"));
  }
}

main();
