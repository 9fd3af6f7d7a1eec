// Public lighting: the monthly trend of CERTIFIED consumption (monthly certifications only) of a municipality
// (?municipality=<ISTAT code>) or of a region (?region=<name>: the sum of its municipalities' certified figures
// per month, naming the municipalities without a certified figure that month), as a Chart.js bar chart and a table.
// data-testid: lighting-trend, lighting-trend-subject, lighting-trend-chart, lighting-trend-caption,
//   lighting-trend-empty, lighting-trend-head, lighting-trend-rows, lighting-trend-row (data-month),
//   lighting-trend-missing
import { api, withQuery } from "../lib/api.js";
import { $, el, t, locale, formatDate, formatKwhText, formatMonth, shortHash, showError, startLightingPage,
  renderOnLanguage } from "../lib/lighting.js";

const state = { towns: [], subject: null, trend: null, chart: null };

async function allMunicipalities() {
  const page = await api(withQuery("/api/lighting/municipalities", { per_page: 200 }));
  return page.items;
}

function subjectFromUrl() {
  const params = new URLSearchParams(window.location.search);
  if (params.get("municipality")) return { kind: "municipality", id: params.get("municipality") };
  if (params.get("region")) return { kind: "region", id: params.get("region") };
  const first = state.towns[0];
  return first ? { kind: "region", id: first.region } : null;
}

function renderSubjects() {
  const select = $("lighting-trend-subject");
  const regions = [...new Set(state.towns.map((m) => m.region))].sort();
  select.replaceChildren(
    el("optgroup", { label: t("lighting.regions") }, ...regions.map((region) => el("option", {
      value: `region:${region}`, text: t("lighting.regionOption", { region }) }))),
    el("optgroup", { label: t("lighting.municipalities") }, ...state.towns.map((m) => el("option", {
      value: `municipality:${m.code}`, text: `${m.name} (${m.province})` }))));
  if (state.subject) select.value = `${state.subject.kind}:${state.subject.id}`;
}

function drawChart(labels, values, label) {
  state.chart?.destroy();
  state.chart = null;
  if (typeof window.Chart !== "function" || !labels.length) return;
  state.chart = new window.Chart($("lighting-trend-chart"), {
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: "#0b6e4f" }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false, locale: locale(),
      scales: { y: { beginAtZero: true, title: { display: true, text: "kWh" } } } },
  });
}

function townName(code) {
  return state.towns.find((m) => m.code === code)?.name ?? code;
}

function municipalityTable(months) {
  $("lighting-trend-head").replaceChildren(el("tr", {}, el("th", { text: t("lighting.month") }),
    el("th", { class: "num", text: t("lighting.kwh") }), el("th", { text: t("lighting.tx") }),
    el("th", { text: t("lighting.certifiedOn") })));
  return months.map((m) => el("tr", { testid: "lighting-trend-row", "data-month": m.month },
    el("td", { text: formatMonth(m.month) }), el("td", { class: "num", text: formatKwhText(m.consumptionKwh) }),
    el("td", {}, el("code", { title: m.txHash, text: `${m.certificationId} · ${shortHash(m.txHash)}` })),
    el("td", { text: formatDate(m.certifiedAt) })));
}

function regionTable(months) {
  $("lighting-trend-head").replaceChildren(el("tr", {}, el("th", { text: t("lighting.month") }),
    el("th", { class: "num", text: t("lighting.kwh") }), el("th", { class: "num", text: t("lighting.certifiedTowns") }),
    el("th", { text: t("lighting.missing") })));
  return months.map((m) => el("tr", { testid: "lighting-trend-row", "data-month": m.month },
    el("td", { text: formatMonth(m.month) }), el("td", { class: "num", text: formatKwhText(m.consumptionKwh) }),
    el("td", { class: "num", text: String(m.certified.length) }),
    el("td", { class: "missing", testid: "lighting-trend-missing", text: m.missing.map(townName).join(", ") || "–" })));
}

function render() {
  renderSubjects();
  const trend = state.trend;
  if (!trend) return;
  const region = state.subject.kind === "region";
  const name = region ? trend.region : trend.name;
  const labels = trend.months.map((m) => formatMonth(m.month));
  drawChart(labels, trend.months.map((m) => Number(m.consumptionKwh)), `${name} (kWh)`);
  $("lighting-trend-caption").textContent = region
    ? t("lighting.regionCaption", { name, count: trend.municipalities.length }) : t("lighting.trendCaption", { name });
  $("lighting-trend-empty").hidden = trend.months.length > 0;
  $("lighting-trend-rows").replaceChildren(...(region ? regionTable : municipalityTable)(trend.months));
}

async function load() {
  const { kind, id } = state.subject;
  state.trend = await api(kind === "region" ? `/api/lighting/regions/${encodeURIComponent(id)}/trend`
    : `/api/lighting/municipalities/${encodeURIComponent(id)}/trend`);
  render();
}

function choose(value) {
  const [kind, ...rest] = value.split(":");
  state.subject = { kind, id: rest.join(":") };
  window.history.replaceState(null, "", withQuery("/lighting-trend.html", { [kind]: state.subject.id }));
  return load();
}

async function main() {
  await startLightingPage("lighting-trend");
  try {
    state.towns = await allMunicipalities();
    state.subject = subjectFromUrl();
    renderSubjects();
    if (state.subject) await load();
    else $("lighting-trend-empty").hidden = false;
  } catch (err) {
    showError(err, $("page-error"));
  }
  $("lighting-trend-subject").addEventListener("change", (event) => choose(event.target.value)
    .catch((err) => showError(err, $("page-error"))));
  renderOnLanguage(render);
  document.body.dataset.ready = "true";
}

main();
