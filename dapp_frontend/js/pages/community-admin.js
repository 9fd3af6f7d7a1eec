// Community Admin page: members (add, remove, profile), community-work requests, service-incentive approvals,
// and for the Token Admin the fee, welcome bonuses and incentives; community KPIs and token volume as charts.
//
// data-testid: page-status, not-authorized, community-picker-row, community-select, my-roles,
//   members-table, members-rows, member-row-<wallet>, member-profile-<wallet>, member-profile-save-<wallet>,
//   member-remove-<wallet>, members-empty, members-pager, members-page-prev, members-page-next, members-tx,
//   add-members-form, new-member-rows, new-member-wallet-<i>, new-member-kind-<i>, new-member-profile-<i>,
//   new-member-remove-<i>, new-member-add-row, add-members-submit, add-members-error, add-members-tx,
//   work-status, work-requests, work-request-<id>, work-approve-<id>, work-reason-<id>, work-reject-<id>,
//   work-empty, work-tx,
//   approve-form, approve-ref, approve-payer, approve-provider, approve-category, approve-amount, approve-submit,
//   approve-error, approve-tx,
//   fee-form, fee-current, fee-input, fee-submit, fee-error, fee-tx,
//   welcome-form, welcome-current, welcome-kind, welcome-input, welcome-submit, welcome-error, welcome-tx,
//   incentive-form, incentives-rows, incentive-row-<category>, incentive-category, incentive-input,
//   incentive-recipient, incentive-submit, incentive-hint, incentive-error, incentive-tx,
//   kpi-chart, kpi-caption, activity-days, activity-chart, activity-caption
//   (+ the requests to be forgotten: see community-admin-erasures.js)
import { ethers } from "../../vendor/ethers.min.js";
import { api, withQuery } from "../lib/api.js";
import { t, registerMessages, applyTranslations, formatNumber, formatDate, formatTokens, formatPercent }
  from "../lib/i18n.js";
import { tokenContract } from "../lib/platform.js";
import { currentWallet } from "../lib/wallet.js";
import { startPage } from "../lib/layout.js";
import { showError } from "../lib/errors.js";
import { checkNewMembers, addMembers, KINDS, PROFILES } from "../actions/add-member.js";
import { removeMember } from "../actions/remove-member.js";
import { changeProfile } from "../actions/change-profile.js";
import { parseTokenAmount, setWelcomeBonus } from "../actions/set-welcome-bonus.js";
import { checkFee, setFee } from "../actions/set-fee.js";
import { checkIncentive, setIncentive, SERVICE_CATEGORIES } from "../actions/set-incentive.js";
import { checkApproval, approveServiceIncentive } from "../actions/approve-service-incentive.js";
import { approveWork, rejectWork } from "../actions/review-work-request.js";
import { showErasureRequests } from "./community-admin-erasures.js";
const ADMIN_ROLES = ["community_admin", "token_admin"];
const PER_PAGE = 50;
const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);
const state = { platform: null, me: null, community: null, token: null, roles: [], membersPage: 1, charts: {},
  reasons: {}, confirmRemove: null };

// ------------------------------------------------------------------ helpers

function signer() {
  return currentWallet()?.signer ?? state.wallet?.signer;
}

/** The token contract for a transaction, connected to the wallet's signer now (it changes with the chain). */
function writable() {
  return tokenContract(state.community.token, signer());
}

function readable() {
  return tokenContract(state.community.token, chainReader());
}

let rpcReader = null;

/** Reads go through the wallet (as MetaMask reads); without a connected wallet, through the platform's RPC. */
function chainReader() {
  const wallet = currentWallet() ?? state.wallet;
  if (wallet?.browserProvider) return wallet.browserProvider;
  rpcReader ??= new ethers.JsonRpcProvider(state.platform.rpcUrl, Number(state.platform.chainId), { staticNetwork: true });
  return rpcReader;
}


function tokens(baseUnits) {
  return formatTokens(String(baseUnits), state.community.symbol, { decimals: state.community.decimals ?? 18 });
}

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
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Numbers in a message's values in the reader's locale (20.5 → "20,5" in Italian). */
function localized(vars = {}) {
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === "number" ? formatNumber(v) : v]));
}

function sentence(element, result) {
  element.textContent = result ? t(result.key, localized(result.vars)) : "";
}

/** Runs a transaction action; the tx status element shows progress and failures (tx.js / errors.js). */
async function transact(statusElement, action, after) {
  delete statusElement.dataset.state;
  try {
    const result = await action();
    if (after) await after(result);
    return result;
  } catch (err) {
    // tx.js already said why in the status element; anything thrown before it (a check) is said here
    if (!["failed", "cancelled"].includes(statusElement.dataset.state)) showError(err, statusElement);
    return null;
  }
}

async function load(what, element) {
  try {
    return await what();
  } catch (err) {
    showError(err, element ?? $("page-status"));
    return null;
  }
}

// ------------------------------------------------------------------ community and roles

function refuse(key, vars = {}) {
  const refusal = $("not-authorized");
  refusal.textContent = t(key, vars);
  refusal.hidden = false;
  for (const section of document.querySelectorAll("section[data-role]")) section.hidden = true;
}

function communityChoice(adminOf) {
  const wanted = new URLSearchParams(location.search).get("token");
  if (!wanted) return adminOf[0].token;
  return wanted;
}

async function chooseCommunity(tokenAddress) {
  const mine = state.me.communities.find((c) => c.token.toLowerCase() === tokenAddress.toLowerCase());
  state.roles = (mine?.roles ?? []).filter((r) => ADMIN_ROLES.includes(r));
  if (state.roles.length === 0) {
    refuse("ca.notAdmin", { community: mine?.name ?? tokenAddress });
    return;
  }
  $("not-authorized").hidden = true;
  const detail = await load(() => api(`/api/communities/${mine.token}`));
  state.community = { decimals: 18, ...mine, ...(detail ?? {}), token: mine.token };
  if (!detail) state.community.symbol = await readable().symbol().catch(() => "");
  $("my-roles").textContent = state.roles.map((r) => t(`ca.role.${r}`)).join(" · ");
  for (const section of document.querySelectorAll("section[data-role]")) {
    const role = section.dataset.role;
    section.hidden = !(role === "any" || state.roles.includes(role));
  }
  state.membersPage = 1;
  await refreshAll();
}

async function refreshAll() {
  const jobs = [refreshCharts()];
  if (state.roles.includes("community_admin")) {
    jobs.push(refreshMembers(), refreshWork(), prepareApproval(), showErasureRequests(state.community.token,
      { afterErasure: refreshMembers }));
  }
  if (state.roles.includes("token_admin")) jobs.push(refreshTokenSettings());
  await Promise.all(jobs);
}

// ------------------------------------------------------------------ members

const KIND_NAMES = Object.keys(KINDS);
const PROFILE_NAMES = Object.keys(PROFILES);

function options(select, names, prefix, selected) {
  select.replaceChildren(...names.map((name) => el("option", { value: name, text: t(`${prefix}.${name}`) })));
  if (selected) select.value = selected;
  return select;
}

async function refreshMembers() {
  const path = withQuery(`/api/communities/${state.community.token}/members`,
    { page: state.membersPage, per_page: PER_PAGE });
  const page = await load(() => api(path), $("members-tx"));
  if (!page) return;
  $("members-rows").replaceChildren(...page.items.map(memberRow));
  $("members-empty").hidden = page.items.length > 0;
  renderPager(page);
}

function memberRow(member) {
  const w = member.wallet;
  const profile = options(el("select", { "data-testid": `member-profile-${w}`, "aria-label": t("ca.profileOf", { wallet: w }) }),
    PROFILE_NAMES, "profile", member.profile);
  const save = el("button", { type: "button", "data-testid": `member-profile-save-${w}`, text: t("ca.changeProfile"),
    onclick: () => onChangeProfile(w, profile.value) });
  const remove = el("button", { type: "button", class: "danger", "data-testid": `member-remove-${w}`,
    text: t(state.confirmRemove === w ? "ca.removeConfirm" : "ca.remove"),
    onclick: (event) => onRemove(w, event.currentTarget) });
  const who = el("td", {}, el("code", { title: w, text: shortAddress(w) }), member.name ? ` ${member.name}` : "");
  const actions = member.active ? el("td", { class: "row-actions" }, profile, save, remove)
    : el("td", { text: t("ca.removed") });
  return el("tr", { "data-testid": `member-row-${w}`, class: member.active ? "" : "inactive" },
    who, el("td", { text: t(`kind.${member.kind}`) }), el("td", { text: t(`profile.${member.profile}`) }),
    el("td", { class: "num", text: tokens(member.balance) }), actions);
}

function renderPager(page) {
  const pages = Math.max(1, Math.ceil(page.total / page.per_page));
  const pager = $("members-pager");
  pager.replaceChildren();
  if (pages === 1) return;
  const go = (n) => { state.membersPage = n; refreshMembers(); };
  pager.append(
    el("button", { type: "button", "data-testid": "members-page-prev", text: t("ca.prev"),
      ...(page.page <= 1 ? { disabled: "" } : {}), onclick: () => go(page.page - 1) }),
    el("span", { text: t("ca.pageOf", { page: page.page, pages }) }),
    el("button", { type: "button", "data-testid": "members-page-next", text: t("ca.next"),
      ...(page.page >= pages ? { disabled: "" } : {}), onclick: () => go(page.page + 1) }));
}

async function onChangeProfile(wallet, profileName) {
  const status = $("members-tx");
  await transact(status, () => changeProfile(writable(), wallet, profileName, status), refreshMembers);
}

async function onRemove(wallet, button) {
  if (state.confirmRemove !== wallet) { // a second press confirms: keyboard friendly, no modal dialog
    state.confirmRemove = wallet; // kept in the state: the table may be drawn again between the two presses
    button.textContent = t("ca.removeConfirm");
    return;
  }
  state.confirmRemove = null;
  const status = $("members-tx");
  await transact(status, () => removeMember(writable(), wallet, status), refreshMembers);
}

// ------------------------------------------------------------------ adding members

function addNewMemberRow() {
  const rows = $("new-member-rows");
  const i = rows.children.length;
  const wallet = el("input", { "data-testid": `new-member-wallet-${i}`, name: "wallet", autocomplete: "off",
    placeholder: "0x…", "aria-label": t("ca.wallet"), spellcheck: "false" });
  const kind = options(el("select", { "data-testid": `new-member-kind-${i}`, name: "kind", "aria-label": t("ca.kind") }),
    KIND_NAMES, "kind");
  const profile = options(el("select", { "data-testid": `new-member-profile-${i}`, name: "profile",
    "aria-label": t("ca.profile") }), PROFILE_NAMES, "profile");
  const drop = el("button", { type: "button", "data-testid": `new-member-remove-${i}`, text: "×",
    "aria-label": t("ca.dropRow"), onclick: () => { row.remove(); if (!rows.children.length) addNewMemberRow(); } });
  const row = el("div", { class: "new-member-row" }, wallet, kind, profile, drop);
  rows.append(row);
  wallet.focus();
}

function typedNewMembers() {
  return [...$("new-member-rows").children].map((row) => ({
    wallet: row.querySelector("[name=wallet]").value, kind: row.querySelector("[name=kind]").value,
    profile: row.querySelector("[name=profile]").value,
  })).filter((row, i, all) => row.wallet.trim() || all.length === 1);
}

/** Refusals the chain would give, said before the wallet opens: already a member, a treasury too small. */
async function chainProblems(rows) {
  const token = readable();
  const infos = await Promise.all(rows.map((r) => token.memberInfo(r.wallet)));
  const already = rows.find((r, i) => infos[i][2]);
  if (already) return { key: "ca.alreadyMember", vars: { wallet: already.wallet } };
  const bonuses = await Promise.all([1, 2].map((kind) => token.welcomeBonus(kind)));
  const needed = rows.reduce((sum, r, i) => sum + (infos[i][3] ? 0n : bonuses[r.kind - 1]), 0n);
  const available = await token.treasuryAvailable();
  if (available < needed) return { key: "ca.treasuryShort", vars: { available: tokens(available), needed: tokens(needed) } };
  return null;
}

async function onAddMembers(event) {
  event.preventDefault();
  const error = $("add-members-error");
  const checked = checkNewMembers(typedNewMembers());
  sentence(error, checked.ok ? null : checked);
  if (!checked.ok) return;
  const problem = await load(() => chainProblems(checked.rows), error);
  sentence(error, problem);
  if (problem) return;
  const status = $("add-members-tx");
  await transact(status, () => addMembers(writable(), checked.rows, status), async () => {
    $("new-member-rows").replaceChildren();
    addNewMemberRow();
    await Promise.all([refreshMembers(), refreshCharts()]);
  });
}

// ------------------------------------------------------------------ community work

async function refreshWork() {
  const status = $("work-status").value;
  const path = withQuery(`/api/communities/${state.community.token}/work-requests`, { status, per_page: 200 });
  const page = await load(() => api(path), $("work-tx"));
  if (!page) return;
  $("work-requests").replaceChildren(...page.items.map(workItem));
  $("work-empty").hidden = page.items.length > 0;
}

function workItem(request) {
  const id = request.id;
  const text = t("ca.workLine", { id, member: shortAddress(request.member), amount: tokens(request.amount),
    ref: request.description ?? request.ref ?? "" });
  const item = el("li", { "data-testid": `work-request-${id}` }, el("span", { text }));
  if (request.status !== "pending") {
    item.append(el("span", { class: "badge", text: t(`ca.status.${request.status}`) }));
    return item;
  }
  // what is typed is kept in the state: the list may be drawn again (after another transaction) meanwhile
  const reason = el("input", { "data-testid": `work-reason-${id}`, "aria-label": t("ca.rejectReason"),
    placeholder: t("ca.rejectReason"), value: state.reasons[id] ?? "",
    oninput: (event) => { state.reasons[id] = event.currentTarget.value; } });
  const status = $("work-tx");
  item.append(el("span", { class: "row-actions" },
    el("button", { type: "button", "data-testid": `work-approve-${id}`, text: t("ca.approve"),
      onclick: () => transact(status, () => approveWork(writable(), id, status), refreshAfterWork) }),
    reason,
    el("button", { type: "button", class: "danger", "data-testid": `work-reject-${id}`, text: t("ca.reject"),
      onclick: () => transact(status, () => rejectWork(writable(), id, state.reasons[id] ?? "", status),
        refreshAfterWork) })));
  return item;
}

async function refreshAfterWork() {
  await Promise.all([refreshWork(), refreshMembers(), refreshCharts()]);
}

// ------------------------------------------------------------------ service incentives (Community Admin)

function prepareApproval() {
  const section = document.getElementById("incentive-approval");
  const hasApproval = writable().interface.getFunction("approveServiceIncentive") !== null;
  section.hidden = !hasApproval;
  fillCategories($("approve-category"));
}

function fillCategories(select) {
  const current = select.value;
  select.replaceChildren(...SERVICE_CATEGORIES.map((c) => el("option", { value: String(c.id),
    text: `${c.id}. ${t(`category.${c.key}`)}` })));
  if (current) select.value = current;
}

async function onApprove(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = $("approve-error");
  const amount = parseTokenAmount(form.amount.value, state.community.decimals ?? 18);
  if (!amount.ok) return sentence(error, amount);
  const checked = checkApproval({ ref: form.ref.value, payer: form.payer.value, provider: form.provider.value,
    category: Number(form.category.value), maxAmount: amount.value });
  sentence(error, checked.ok ? null : checked);
  if (!checked.ok) return;
  const existing = await load(() => readable().incentiveApproval(checked.values.serviceRef), error);
  if (existing && existing.payer !== "0x0000000000000000000000000000000000000000") {
    return sentence(error, { key: "ca.refApproved", vars: { ref: form.ref.value.trim() } });
  }
  const status = $("approve-tx");
  await transact(status, () => approveServiceIncentive(writable(), checked.values, status), () => form.reset());
}

// ------------------------------------------------------------------ token settings (Token Admin)

async function refreshTokenSettings() {
  const token = readable();
  const [fee, maxFee, maxIncentive, citizen, stakeholder, ...incentives] = await Promise.all([
    token.feeBps(), token.MAX_FEE_BPS(), token.MAX_INCENTIVE_BPS().catch(() => 5000n),
    token.welcomeBonus(1), token.welcomeBonus(2),
    ...SERVICE_CATEGORIES.map((c) => token.categoryIncentive(c.id)),
  ]).catch((err) => { showError(err, $("fee-tx")); return []; });
  if (fee === undefined) return;
  Object.assign(state, { feeBps: Number(fee), maxFeeBps: Number(maxFee), maxIncentiveBps: Number(maxIncentive) });
  $("fee-current").textContent = t("ca.feeNow", { fee: formatPercent(Number(fee) / 100, 2), bps: Number(fee),
    max: formatPercent(Number(maxFee) / 100, 0) });
  $("welcome-current").textContent = t("ca.welcomeNow", { citizen: tokens(citizen), stakeholder: tokens(stakeholder) });
  $("incentives-rows").replaceChildren(...SERVICE_CATEGORIES.map((c, i) => el("tr",
    { "data-testid": `incentive-row-${c.id}` },
    el("td", { text: `${c.id}. ${t(`category.${c.key}`)}` }),
    el("td", { class: "num", text: formatPercent(Number(incentives[i][0]) / 100, 2) }),
    el("td", { text: t(Number(incentives[i][1]) === 0 ? "ca.payer" : "ca.provider") }))));
  fillCategories($("incentive-category"));
  $("incentive-hint").textContent = t("ca.incentiveHint", { max: formatPercent(Number(maxIncentive) / 100, 0),
    fee: formatPercent(Number(fee) / 100, 2) });
}

async function onSetFee(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const checked = checkFee(form.fee.value, state.maxFeeBps ?? 2000);
  sentence($("fee-error"), checked.ok ? null : checked);
  if (!checked.ok) return form.fee.focus();
  const status = $("fee-tx");
  await transact(status, () => setFee(writable(), checked.bps, status), () => { form.reset(); return refreshTokenSettings(); });
}

async function onSetWelcome(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const amount = parseTokenAmount(form.amount.value, state.community.decimals ?? 18);
  sentence($("welcome-error"), amount.ok ? null : amount);
  if (!amount.ok) return form.amount.focus();
  const status = $("welcome-tx");
  await transact(status, () => setWelcomeBonus(writable(), form.kind.value, amount.value, status),
    () => { form.amount.value = ""; return refreshTokenSettings(); });
}

async function onSetIncentive(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const checked = checkIncentive(form.bps.value, state.maxIncentiveBps ?? 5000);
  sentence($("incentive-error"), checked.ok ? null : checked);
  if (!checked.ok) return form.bps.focus();
  const status = $("incentive-tx");
  await transact(status, () => setIncentive(writable(), Number(form.category.value), checked.bps, form.recipient.value,
    status), () => { form.bps.value = ""; return refreshTokenSettings(); });
}

// ------------------------------------------------------------------ charts

// community KPIs of oracle/models/kpis.py: percentages on the left axis, kW on the right one
const KPI_AXES = { self_consumption_pct: "y", self_sufficiency_pct: "y", peak_kw: "y1", base_kw: "y1" };

function kpiSeries(epochs) {
  return Object.entries(KPI_AXES).map(([key, axis]) => ({ label: t(`kpi.${key}`), yAxisID: axis,
    data: epochs.map((e) => (typeof e.kpis?.[key] === "number" ? e.kpis[key] : null)) }));
}

function drawChart(name, canvas, config) {
  state.charts[name]?.destroy();
  if (typeof window.Chart !== "function") return;
  state.charts[name] = new window.Chart(canvas, config);
}

async function refreshCharts() {
  const token = state.community.token;
  const [epochs, activity] = await Promise.all([
    load(() => api(withQuery(`/api/communities/${token}/epochs`, { per_page: 200 })), $("kpi-caption")),
    load(() => api(withQuery(`/api/communities/${token}/activity`, { days: $("activity-days").value })),
      $("activity-caption")),
  ]);
  if (epochs) drawKpis([...epochs.items].reverse());
  if (activity) drawActivity(activity.days ?? []);
}

function drawKpis(epochs) {
  const caption = epochs.length === 1 ? "ca.kpiCaptionOne" : "ca.kpiCaption";
  $("kpi-caption").textContent = epochs.length ? t(caption, { count: epochs.length,
    from: formatDate(epochs[0].period?.start, { dateStyle: "medium" }),
    to: formatDate(epochs.at(-1).period?.end, { dateStyle: "medium" }) }) : t("ca.noEpochs");
  drawChart("kpi", $("kpi-chart"), { type: "line",
    data: { labels: epochs.map((e) => t("ca.epochLabel", { n: e.number })), datasets: kpiSeries(epochs) },
    options: { responsive: true, maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: "%" } },
        y1: { beginAtZero: true, position: "right", title: { display: true, text: "kW" },
          grid: { drawOnChartArea: false } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${formatNumber(c.parsed.y)}` } } } } });
}

function drawActivity(days) {
  const decimals = state.community.decimals ?? 18;
  const volume = days.map((d) => Number(BigInt(d.volume ?? "0") / 10n ** BigInt(Math.max(0, decimals - 6))) / 1e6);
  const total = days.reduce((sum, d) => sum + BigInt(d.volume ?? "0"), 0n);
  $("activity-caption").textContent = t("ca.activityCaption", { days: days.length, volume: tokens(total),
    transfers: formatNumber(days.reduce((sum, d) => sum + (d.transfers ?? 0), 0)) });
  drawChart("activity", $("activity-chart"), { type: "bar",
    data: { labels: days.map((d) => formatDate(`${d.date}T00:00:00Z`, { dateStyle: "short", timeZone: "UTC" })),
      datasets: [{ label: t("ca.volume", { symbol: state.community.symbol }), data: volume, yAxisID: "y" },
        { label: t("ca.transfers"), data: days.map((d) => d.transfers ?? 0), type: "line", yAxisID: "y1" }] },
    options: { responsive: true, maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, position: "left" }, y1: { beginAtZero: true, position: "right",
        grid: { drawOnChartArea: false } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${formatNumber(c.parsed.y)}` } } } } });
}

// ------------------------------------------------------------------ start

/** Another language: what the page wrote itself is written again (data-i18n elements are done by i18n.js). */
function onLanguage() {
  for (const select of $("new-member-rows").querySelectorAll("select")) {
    options(select, select.name === "kind" ? KIND_NAMES : PROFILE_NAMES, select.name, select.value);
  }
  if (state.community) {
    $("my-roles").textContent = state.roles.map((r) => t(`ca.role.${r}`)).join(" · ");
    refreshAll();
  }
}

function wire() {
  $("add-members-form").addEventListener("submit", onAddMembers);
  $("new-member-add-row").addEventListener("click", addNewMemberRow);
  $("work-status").addEventListener("change", refreshWork);
  $("approve-form").addEventListener("submit", onApprove);
  $("fee-form").addEventListener("submit", onSetFee);
  $("welcome-form").addEventListener("submit", onSetWelcome);
  $("incentive-form").addEventListener("submit", onSetIncentive);
  $("activity-days").addEventListener("change", refreshCharts);
  $("community-select").addEventListener("change", (e) => {
    history.replaceState(null, "", withQuery(location.pathname, { token: e.target.value }));
    chooseCommunity(e.target.value);
  });
  window.addEventListener("lec:language", onLanguage);
}

async function main() {
  applyTranslations(document);
  wire();
  addNewMemberRow();
  const started = await startPage({ page: "community-admin", roles: ADMIN_ROLES });
  Object.assign(state, { platform: started.platform, me: started.me, wallet: started.wallet });
  const adminOf = state.me.communities.filter((c) => (c.roles ?? []).some((r) => ADMIN_ROLES.includes(r)));
  if (adminOf.length === 0) return refuse("ca.notAdminAny");
  const picker = $("community-select");
  picker.replaceChildren(...adminOf.map((c) => el("option", { value: c.token, text: c.name })));
  $("community-picker-row").hidden = false;
  const chosen = communityChoice(adminOf);
  picker.value = chosen;
  await chooseCommunity(chosen);
  document.body.dataset.ready = "true";
}

// ------------------------------------------------------------------ messages (it + en)

const MESSAGES = {
  en: {
    "ca.title": "Community administration", "admin.community": "Community", "ca.members": "Members",
    "ca.member": "Member", "ca.kind": "Kind", "ca.profile": "Profile", "ca.balance": "Balance", "ca.actions": "Actions",
    "ca.noMembers": "No members yet.", "ca.addMembers": "Add members", "ca.addRow": "Another row",
    "ca.addSubmit": "Add to the community", "ca.work": "Community-work requests", "ca.workStatus": "Show",
    "ca.status.pending": "pending", "ca.status.approved": "approved", "ca.status.rejected": "rejected",
    "ca.noWork": "No requests.", "ca.approveIncentive": "Approve a service incentive",
    "ca.serviceRef": "Service reference", "ca.payer": "Payer", "ca.provider": "Provider", "ca.category": "Category",
    "ca.maxAmount": "Largest amount covered", "ca.approve": "Approve", "ca.tokenSettings": "Token settings",
    "ca.fee": "Transfer fee", "ca.current": "Now:", "ca.newFee": "New fee (%)", "ca.set": "Set",
    "ca.welcome": "Welcome bonuses", "ca.amount": "Amount", "ca.incentives": "Incentives per category",
    "ca.incentive": "Incentive", "ca.recipient": "Paid to", "ca.incentivePercent": "Incentive (%)",
    "ca.charts": "Community KPIs and token volume", "ca.days": "Days",
    "ca.notAdmin": "You are not a Community Admin or Token Admin of this community ({community}).",
    "ca.notAdminAny": "You are not a Community Admin or Token Admin of any community: this page is for them.",
    "ca.role.community_admin": "Community Admin", "ca.role.token_admin": "Token Admin",
    "kind.citizen": "citizen", "kind.stakeholder": "stakeholder",
    "profile.consumer": "consumer", "profile.prosumer": "prosumer", "profile.prostormer": "prostormer",
    "ca.profileOf": "Profile of {wallet}", "ca.changeProfile": "Change profile", "ca.remove": "Remove",
    "ca.removed": "removed", "ca.removeConfirm": "Press again to remove", "ca.prev": "Previous", "ca.next": "Next",
    "ca.pageOf": "page {page} of {pages}", "ca.wallet": "Wallet address", "ca.dropRow": "Drop this row",
    "ca.alreadyMember": "{wallet} is already a member of this community.",
    "ca.treasuryShort": "The treasury holds {available}, but the welcome bonuses need {needed}: fund the treasury first.",
    "ca.workLine": "#{id} · {member} · {amount} · {ref}", "ca.rejectReason": "Reason (optional)", "ca.reject": "Reject",
    "category.citizenToCitizen": "citizen → citizen",
    "category.citizenToCitizenWithStructure": "citizen → citizen, in a structure",
    "category.citizenToStakeholder": "citizen → stakeholder",
    "category.stakeholderToStakeholder": "stakeholder → stakeholder",
    "category.stakeholderToCitizen": "stakeholder → citizen",
    "ca.refApproved": "The service reference “{ref}” was already approved once; each reference is approved at most once.",
    "ca.feeNow": "{fee} ({bps} basis points); at most {max}", "ca.welcomeNow": "citizen {citizen} · stakeholder {stakeholder}",
    "ca.incentiveHint": "At most {max} of the approved amount. The fee is {fee}: an incentive up to the fee is a fee rebate; above it, only services you approve get it.",
    "kpi.self_consumption_pct": "Self-consumption %", "kpi.self_sufficiency_pct": "Self-sufficiency %",
    "kpi.peak_kw": "Peak (kW)", "kpi.base_kw": "Baseline (kW)",
    "ca.kpiCaption": "{count} epochs from {from} to {to}.", "ca.kpiCaptionOne": "One epoch, from {from} to {to}.", "ca.noEpochs": "No epochs yet.", "ca.epochLabel": "Epoch {n}",
    "ca.activityCaption": "Last {days} days: {volume} moved in {transfers} transfers.",
    "ca.volume": "Volume ({symbol})", "ca.transfers": "Transfers",
    "admin.members.batchSize": "Add between 1 and {max} members at a time.",
    "admin.members.badWallet": "“{wallet}” is not a wallet address (0x followed by 40 hexadecimal digits).",
    "admin.members.duplicate": "{wallet} is listed twice.",
    "admin.members.badKind": "Choose citizen or stakeholder.",
    "admin.members.badProfile": "Choose consumer, prosumer or prostormer.",
    "admin.amount.notNumber": "“{value}” is not an amount: write digits with an optional decimal part, like 100 or 2.5.",
    "admin.amount.tooManyDecimals": "“{value}” has more than {decimals} decimals.",
    "admin.fee.notPercent": "“{value}” is not a percentage: write a number like 1 or 1.5 (at most two decimals).",
    "admin.fee.aboveCap": "A fee of {value} % is above the highest the token allows, {max} %.",
    "admin.incentive.notPercent": "“{value}” is not a percentage: write a number like 1 or 0.5 (at most two decimals).",
    "admin.incentive.aboveCap": "An incentive of {value} % is above the highest the token allows, {max} %.",
    "admin.approve.badRef": "Write the service reference: a text of at most 32 bytes or 0x with 64 hexadecimal digits.",
    "admin.approve.samePerson": "Payer and provider must be two different members.",
    "admin.approve.badAmount": "The largest amount covered must be more than 0 (and fit 96 bits).",
    "admin.tx.addMember": "Adding the member", "admin.tx.addMembers": "Adding the members",
    "admin.tx.removeMember": "Removing the member", "admin.tx.changeProfile": "Changing the profile",
    "admin.tx.setWelcomeBonus": "Setting the welcome bonus", "admin.tx.setFee": "Setting the fee",
    "admin.tx.setIncentive": "Setting the incentive", "admin.tx.approveIncentive": "Approving the incentive",
    "admin.tx.approveWork": "Approving the work request", "admin.tx.rejectWork": "Rejecting the work request",
  },
  it: {
    "ca.title": "Amministrazione della comunità", "admin.community": "Comunità", "ca.members": "Membri",
    "ca.member": "Membro", "ca.kind": "Tipo", "ca.profile": "Profilo", "ca.balance": "Saldo", "ca.actions": "Azioni",
    "ca.noMembers": "Ancora nessun membro.", "ca.addMembers": "Aggiungi membri", "ca.addRow": "Un'altra riga",
    "ca.addSubmit": "Aggiungi alla comunità", "ca.work": "Richieste di lavoro per la comunità", "ca.workStatus": "Mostra",
    "ca.status.pending": "in attesa", "ca.status.approved": "approvate", "ca.status.rejected": "respinte",
    "ca.noWork": "Nessuna richiesta.", "ca.approveIncentive": "Approva un incentivo per un servizio",
    "ca.serviceRef": "Riferimento del servizio", "ca.payer": "Pagante", "ca.provider": "Fornitore",
    "ca.category": "Categoria", "ca.maxAmount": "Importo massimo coperto", "ca.approve": "Approva",
    "ca.tokenSettings": "Impostazioni del token", "ca.fee": "Commissione sui trasferimenti", "ca.current": "Ora:",
    "ca.newFee": "Nuova commissione (%)", "ca.set": "Imposta", "ca.welcome": "Bonus di benvenuto", "ca.amount": "Importo",
    "ca.incentives": "Incentivi per categoria", "ca.incentive": "Incentivo", "ca.recipient": "Pagato a",
    "ca.incentivePercent": "Incentivo (%)", "ca.charts": "Indicatori della comunità e volume del token",
    "ca.days": "Giorni",
    "ca.notAdmin": "Non sei Community Admin né Token Admin di questa comunità ({community}).",
    "ca.notAdminAny": "Non sei Community Admin né Token Admin di alcuna comunità: questa pagina è per loro.",
    "ca.role.community_admin": "Community Admin", "ca.role.token_admin": "Token Admin",
    "kind.citizen": "cittadino", "kind.stakeholder": "stakeholder",
    "profile.consumer": "consumatore", "profile.prosumer": "prosumer", "profile.prostormer": "prostormer",
    "ca.profileOf": "Profilo di {wallet}", "ca.changeProfile": "Cambia profilo", "ca.remove": "Rimuovi",
    "ca.removed": "rimosso", "ca.removeConfirm": "Premi di nuovo per rimuovere", "ca.prev": "Precedente",
    "ca.next": "Successiva", "ca.pageOf": "pagina {page} di {pages}", "ca.wallet": "Indirizzo del portafoglio",
    "ca.dropRow": "Togli questa riga",
    "ca.alreadyMember": "{wallet} è già membro di questa comunità.",
    "ca.treasuryShort": "La tesoreria ha {available}, ma i bonus di benvenuto richiedono {needed}: prima alimenta la tesoreria.",
    "ca.workLine": "n. {id} · {member} · {amount} · {ref}", "ca.rejectReason": "Motivo (facoltativo)", "ca.reject": "Respingi",
    "category.citizenToCitizen": "cittadino → cittadino",
    "category.citizenToCitizenWithStructure": "cittadino → cittadino, in una struttura",
    "category.citizenToStakeholder": "cittadino → stakeholder",
    "category.stakeholderToStakeholder": "stakeholder → stakeholder",
    "category.stakeholderToCitizen": "stakeholder → cittadino",
    "ca.refApproved": "Il riferimento “{ref}” è già stato approvato; ogni riferimento si approva una sola volta.",
    "ca.feeNow": "{fee} ({bps} punti base); al massimo {max}", "ca.welcomeNow": "cittadino {citizen} · stakeholder {stakeholder}",
    "ca.incentiveHint": "Al massimo {max} dell'importo approvato. La commissione è {fee}: un incentivo fino alla commissione è uno sconto sulla commissione; oltre, lo ricevono solo i servizi che approvi.",
    "kpi.self_consumption_pct": "Autoconsumo %", "kpi.self_sufficiency_pct": "Autosufficienza %",
    "kpi.peak_kw": "Picco (kW)", "kpi.base_kw": "Base (kW)",
    "ca.kpiCaption": "{count} epoche dal {from} al {to}.", "ca.kpiCaptionOne": "Un'epoca, dal {from} al {to}.", "ca.noEpochs": "Ancora nessuna epoca.", "ca.epochLabel": "Epoca {n}",
    "ca.activityCaption": "Ultimi {days} giorni: {volume} in {transfers} trasferimenti.",
    "ca.volume": "Volume ({symbol})", "ca.transfers": "Trasferimenti",
    "admin.members.batchSize": "Aggiungi da 1 a {max} membri alla volta.",
    "admin.members.badWallet": "“{wallet}” non è un indirizzo di portafoglio (0x seguito da 40 cifre esadecimali).",
    "admin.members.duplicate": "{wallet} compare due volte.",
    "admin.members.badKind": "Scegli cittadino o stakeholder.",
    "admin.members.badProfile": "Scegli consumatore, prosumer o prostormer.",
    "admin.amount.notNumber": "“{value}” non è un importo: scrivi cifre con una parte decimale facoltativa, come 100 o 2,5.",
    "admin.amount.tooManyDecimals": "“{value}” ha più di {decimals} decimali.",
    "admin.fee.notPercent": "“{value}” non è una percentuale: scrivi un numero come 1 o 1,5 (al massimo due decimali).",
    "admin.fee.aboveCap": "Una commissione del {value} % supera il massimo consentito dal token, {max} %.",
    "admin.incentive.notPercent": "“{value}” non è una percentuale: scrivi un numero come 1 o 0,5 (al massimo due decimali).",
    "admin.incentive.aboveCap": "Un incentivo del {value} % supera il massimo consentito dal token, {max} %.",
    "admin.approve.badRef": "Scrivi il riferimento del servizio: un testo di al massimo 32 byte o 0x con 64 cifre esadecimali.",
    "admin.approve.samePerson": "Pagante e fornitore devono essere due membri diversi.",
    "admin.approve.badAmount": "L'importo massimo coperto deve essere maggiore di 0 (e stare in 96 bit).",
    "admin.tx.addMember": "Aggiunta del membro", "admin.tx.addMembers": "Aggiunta dei membri",
    "admin.tx.removeMember": "Rimozione del membro", "admin.tx.changeProfile": "Cambio del profilo",
    "admin.tx.setWelcomeBonus": "Impostazione del bonus di benvenuto", "admin.tx.setFee": "Impostazione della commissione",
    "admin.tx.setIncentive": "Impostazione dell'incentivo", "admin.tx.approveIncentive": "Approvazione dell'incentivo",
    "admin.tx.approveWork": "Approvazione della richiesta", "admin.tx.rejectWork": "Rifiuto della richiesta",
  },
};

registerMessages(MESSAGES);
main().catch((err) => showError(err, $("page-status")));
