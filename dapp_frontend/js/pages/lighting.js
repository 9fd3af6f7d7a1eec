// Public lighting: the municipalities one may see, and a municipality's page (?municipality=<ISTAT code>):
// its plants with their data, the certification transaction of each plant's static record and a live check
// (certified / changed since certification / never certified).
// data-testid: lighting-municipalities, lighting-municipality-rows, lighting-municipality-row (data-code),
//   lighting-none, lighting-municipality-pager, lighting-municipality, lighting-municipality-name,
//   lighting-municipality-facts, lighting-municipality-trend, lighting-plant-rows, lighting-plant-row
//   (data-code), lighting-plant-check (data-state), lighting-plant-tx, lighting-plant-pager, lighting-not-found
import { api, withQuery, ApiError } from "../lib/api.js";
import { $, el, t, formatDate, formatDecimalText, shortHash, pager, showError, startLightingPage,
  renderOnLanguage } from "../lib/lighting.js";

const PER_PAGE = 50;
const PLANTS_PER_PAGE = 20; // each plant's live check reads the chain (about 25 ms a plant)
const state = { code: null, page: 1, data: null };

function badge(reserved) {
  return el("span", { class: `badge ${reserved ? "reserved" : "open"}`,
    text: t(reserved ? "lighting.reserved" : "lighting.open") });
}

function municipalityRow(m) {
  const link = el("a", { href: withQuery("/lighting.html", { municipality: m.code }), text: m.name });
  const row = el("tr", { testid: "lighting-municipality-row", "data-code": m.code },
    el("td", {}, link), el("td", { text: m.province }), el("td", { text: m.region }), el("td", {}, badge(m.reserved)),
    el("td", { class: "num", text: String(m.plants) }), el("td", { class: "num", text: `${formatDecimalText(m.installedKw, 3)} kW` }),
    el("td", { class: "num", text: m.ledSharePercent === null ? "–" : `${formatDecimalText(m.ledSharePercent)} %` }));
  return row;
}

function renderList() {
  const { data } = state;
  $("lighting-municipality-rows").replaceChildren(...data.items.map(municipalityRow));
  $("lighting-none").hidden = data.items.length > 0;
  $("lighting-municipality-pager-box").replaceChildren(pager("lighting-municipality-pager", data, loadList));
  $("lighting-municipalities").hidden = false;
}

async function loadList(page = 1) {
  state.page = page;
  state.data = await api(withQuery("/api/lighting/municipalities", { page, per_page: PER_PAGE }));
  renderList();
}

function facts(m) {
  const pairs = [["lighting.province", m.province], ["lighting.region", m.region],
    ["lighting.dataset", t(m.reserved ? "lighting.reserved" : "lighting.open")], ["lighting.plants", String(m.plants)],
    ["lighting.lamps", String(m.lamps)], ["lighting.installedKw", `${formatDecimalText(m.installedKw, 3)} kW`],
    ["lighting.ledShare", m.ledSharePercent === null ? "–" : `${formatDecimalText(m.ledSharePercent)} %`]];
  return pairs.flatMap(([key, value]) => [el("dt", { text: t(key) }), el("dd", { text: value })]);
}

function lampsList(lamps) {
  return el("ul", { class: "plain lamps" }, ...lamps.map((lamp) => el("li", { text: t("lighting.lampLine", {
    technology: lamp.technology, power: formatDecimalText(lamp.unitPowerW, 0), count: lamp.count }) })));
}

function certificationCell(ref) {
  if (!ref) return el("td", { text: "–" });
  return el("td", {}, el("span", { text: t("lighting.certRef", { id: ref.id, date: formatDate(ref.certifiedAt) }) }),
    el("br"), el("code", { testid: "lighting-plant-tx", title: ref.txHash, text: shortHash(ref.txHash) }));
}

function checkCell(check) {
  return el("td", {}, el("span", { class: "check", testid: "lighting-plant-check", "data-state": check.state,
    title: check.detail || "", text: t(`lighting.check.${check.state}`) }));
}

function plantRow(p) {
  return el("tr", { testid: "lighting-plant-row", "data-code": p.code },
    el("th", { scope: "row", text: p.code }), checkCell(p.check), certificationCell(p.certification),
    el("td", {}, el("code", { text: p.pod })),
    el("td", { text: `${p.latitude.toFixed(6)}, ${p.longitude.toFixed(6)}` }), el("td", { text: p.electricalPanel || "–" }),
    el("td", { text: p.controlSystem || t("lighting.noControl") }), el("td", {}, lampsList(p.lamps)),
    el("td", { class: "num", text: `${formatDecimalText(p.installedKw, 3)} kW` }),
    el("td", { class: "num", text: p.ledSharePercent === null ? "–" : `${formatDecimalText(p.ledSharePercent)} %` }));
}

function renderMunicipality() {
  const { municipality: m, plants } = state.data;
  document.title = `${m.name} · ${t("lighting.title")}`;
  $("lighting-municipality-name").textContent = m.name;
  $("lighting-municipality-facts").replaceChildren(...facts(m));
  $("lighting-municipality-trend").href = withQuery("/lighting-trend.html", { municipality: m.code });
  $("lighting-plant-rows").replaceChildren(...plants.items.map(plantRow));
  $("lighting-plant-pager-box").replaceChildren(pager("lighting-plant-pager", plants, loadMunicipality));
  $("lighting-municipality").hidden = false;
}

async function loadMunicipality(page = 1) {
  const base = `/api/lighting/municipalities/${encodeURIComponent(state.code)}`;
  try {
    const [municipality, plants] = await Promise.all([api(base),
      api(withQuery(`${base}/plants`, { page, per_page: PLANTS_PER_PAGE }))]);
    state.data = { municipality, plants };
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    const box = $("lighting-not-found");
    box.textContent = t("lighting.notFound", { code: state.code });
    box.hidden = false;
    return;
  }
  renderMunicipality();
}

async function main() {
  await startLightingPage("lighting");
  state.code = new URLSearchParams(window.location.search).get("municipality");
  try {
    if (state.code) await loadMunicipality();
    else await loadList();
  } catch (err) {
    showError(err, $("page-error"));
  }
  renderOnLanguage(() => { if (state.data) (state.code ? renderMunicipality : renderList)(); });
  document.body.dataset.ready = "true";
}

main();
