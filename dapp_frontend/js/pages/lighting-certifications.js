// Public lighting: every certification transaction one may see, filtered by municipality, kind and period
// (kept in the address, so a filtered view can be shared), with two summary charts (certifications per month by
// kind; certified consumption per municipality), a paginated list and the CSV of the same filters.
// data-testid: lighting-dashboard, lighting-filters, lighting-filter-municipality, lighting-filter-kind,
//   lighting-filter-from, lighting-filter-to, lighting-filter-apply, lighting-filter-error, lighting-csv,
//   lighting-month-chart, lighting-month-caption, lighting-town-chart, lighting-town-caption,
//   lighting-certification-rows, lighting-certification-row (data-id), lighting-certifications-empty,
//   lighting-certification-pager
import { api, withQuery } from "../lib/api.js";
import { $, el, t, locale, formatDate, formatKwhText, formatMonth, shortHash, pager, showError, startLightingPage,
  renderOnLanguage } from "../lib/lighting.js";
import { prepareCsvLink } from "../actions/lighting-export-csv.js";

const PER_PAGE = 20;
const FILTERS = ["municipality", "kind", "from", "to"];
const state = { towns: [], filters: {}, list: null, summary: null, charts: {} };

function filtersFromUrl() {
  const params = new URLSearchParams(window.location.search);
  return Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || ""]));
}

function fillForm() {
  const select = $("lighting-filter-municipality");
  select.replaceChildren(el("option", { value: "", text: t("lighting.all") }),
    ...state.towns.map((m) => el("option", { value: m.code, text: `${m.name} (${m.province})` })));
  for (const name of FILTERS) $("lighting-filters").elements[name].value = state.filters[name];
}

function drawChart(name, canvas, config) {
  state.charts[name]?.destroy();
  delete state.charts[name];
  if (typeof window.Chart !== "function") return;
  state.charts[name] = new window.Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false,
    animation: false, locale: locale(), ...config.options } });
}

function renderCharts() {
  const { perMonth, perMunicipality } = state.summary;
  drawChart("months", $("lighting-month-chart"), { type: "bar",
    data: { labels: perMonth.map((m) => formatMonth(m.month)), datasets: [
      { label: t("lighting.kind.static"), data: perMonth.map((m) => m.static), backgroundColor: "#1f6feb" },
      { label: t("lighting.kind.monthly"), data: perMonth.map((m) => m.monthly), backgroundColor: "#0b6e4f" }] },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } });
  const sum = (key) => perMonth.reduce((total, m) => total + m[key], 0);
  $("lighting-month-caption").textContent = t("lighting.perMonthCaption", { static: sum("static"),
    monthly: sum("monthly"), months: perMonth.length });
  drawChart("towns", $("lighting-town-chart"), { type: "bar",
    data: { labels: perMunicipality.map((m) => m.name), datasets: [{ label: "kWh",
      data: perMunicipality.map((m) => Number(m.consumptionKwh)), backgroundColor: "#0b6e4f" }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true } } } });
  $("lighting-town-caption").textContent = t("lighting.perMunicipalityCaption", { count: perMunicipality.length });
}

function itemText(c) {
  return c.kind === "static" ? c.plant : formatMonth(c.month);
}

function certificationRow(c) {
  return el("tr", { testid: "lighting-certification-row", "data-id": String(c.id), "data-kind": c.kind },
    el("td", { class: "num", text: String(c.id) }), el("td", { text: t(`lighting.kind.${c.kind}`) }),
    el("td", { text: c.municipalityName }), el("td", { text: itemText(c) }),
    el("td", { class: "num", text: c.consumptionKwh === null ? "–" : formatKwhText(c.consumptionKwh) }),
    el("td", {}, el("code", { title: c.txHash, text: shortHash(c.txHash) })),
    el("td", { class: "num", text: String(c.blockNumber) }), el("td", { text: formatDate(c.certifiedAt) }));
}

function renderList() {
  const { list } = state;
  $("lighting-certification-rows").replaceChildren(...list.items.map(certificationRow));
  $("lighting-certifications-empty").hidden = list.items.length > 0;
  $("lighting-certification-pager-box").replaceChildren(pager("lighting-certification-pager", list, loadList));
}

function render() {
  fillForm();
  if (state.summary) renderCharts();
  if (state.list) renderList();
}

/** The filters set (an empty field filters nothing and is not sent). */
function activeFilters() {
  return Object.fromEntries(Object.entries(state.filters).filter(([, value]) => value));
}

async function loadList(page = 1) {
  state.list = await api(withQuery("/api/lighting/certifications", { ...activeFilters(), page, per_page: PER_PAGE }));
  renderList();
}

async function loadAll() {
  const query = activeFilters();
  prepareCsvLink($("lighting-csv"), query);
  const [summary] = await Promise.all([api(withQuery("/api/lighting/certifications/summary", query)), loadList(1)]);
  state.summary = summary;
  renderCharts();
}

async function apply(event) {
  event.preventDefault();
  const form = $("lighting-filters");
  state.filters = Object.fromEntries(FILTERS.map((name) => [name, form.elements[name].value]));
  window.history.replaceState(null, "", withQuery("/lighting-certifications.html", activeFilters()));
  $("lighting-filter-error").hidden = true;
  try {
    await loadAll();
  } catch (err) {
    showError(err, $("lighting-filter-error"));
  }
}

async function main() {
  await startLightingPage("lighting-certifications");
  state.filters = filtersFromUrl();
  $("lighting-filters").addEventListener("submit", apply);
  try {
    state.towns = (await api(withQuery("/api/lighting/municipalities", { per_page: 200 }))).items;
    fillForm();
    await loadAll();
  } catch (err) {
    showError(err, $("page-error"));
  }
  renderOnLanguage(render);
  document.body.dataset.ready = "true";
}

main();
