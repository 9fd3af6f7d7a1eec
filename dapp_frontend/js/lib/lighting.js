// What the three public-lighting pages share: their messages (Italian and English), the frame (open to
// everyone: a visitor not signed in sees the open datasets and may sign in to see reserved ones), the tabs
// between the views, and numbers as the API writes them (kWh as decimal strings) in the reader's locale.
// data-testid: lighting-sign-in (not signed in), lighting-tabs, lighting-tab-<page>
import { t, registerMessages, applyTranslations, setLanguage, currentLanguage, formatNumber, formatDate, locale } from "./i18n.js";
import { loadMe } from "./session.js";
import { startPage } from "./layout.js";
import { showError } from "./errors.js";

registerMessages({
  en: {
    "lighting.title": "Public lighting (PELL-IP)", "lighting.tabs": "Public lighting views",
    "lighting.tab.lighting": "Municipalities", "lighting.tab.lighting-trend": "Consumption trend",
    "lighting.tab.lighting-certifications": "Certifications",
    "lighting.signIn": "Sign in (reserved datasets)",
    "lighting.intro": "Static data and consumption of the municipalities' public lighting, certified on the blockchain. Open datasets are public; a reserved one is shown to its municipality's accounts and its region's administrator once they sign in.",
    "lighting.municipalities": "Municipalities", "lighting.name": "Municipality", "lighting.province": "Province",
    "lighting.region": "Region", "lighting.plants": "Plants", "lighting.lamps": "Lamps",
    "lighting.installedKw": "Installed power", "lighting.ledShare": "LED share", "lighting.reserved": "reserved",
    "lighting.open": "open", "lighting.dataset": "Dataset", "lighting.none": "No municipality to show.",
    "lighting.notFound": "There is no municipality with code {code}, or its dataset is reserved: sign in with an account allowed to see it.",
    "lighting.back": "All municipalities", "lighting.seeTrend": "Certified consumption trend",
    "lighting.plant": "Plant", "lighting.pod": "POD", "lighting.location": "Location (WGS84)",
    "lighting.panel": "Electrical panel", "lighting.control": "Control system", "lighting.noControl": "none",
    "lighting.lampsByTechnology": "Lamps", "lighting.lampLine": "{technology} {power} W × {count}",
    "lighting.certification": "Certification", "lighting.check": "Check now",
    "lighting.check.certified": "certified", "lighting.check.changed": "changed since certification",
    "lighting.check.never certified": "never certified", "lighting.certRef": "no. {id}, {date}",
    "lighting.previous": "Previous", "lighting.next": "Next", "lighting.pageOf": "page {page} of {pages} ({total})",
    "lighting.trend": "Monthly certified consumption", "lighting.show": "Show",
    "lighting.regions": "Regions", "lighting.regionOption": "{region} (region)",
    "lighting.trendNote": "Only figures certified on the blockchain (monthly certifications); a month without a certification has no figure.",
    "lighting.month": "Month", "lighting.kwh": "Consumption (kWh)", "lighting.tx": "Transaction",
    "lighting.certifiedOn": "Certified on", "lighting.certifiedTowns": "Municipalities summed",
    "lighting.missing": "Missing (not certified)", "lighting.noMonths": "No certified month yet.",
    "lighting.trendCaption": "{name}: certified consumption per month, kWh.",
    "lighting.regionCaption": "{name}: sum of the certified consumption of {count} municipalities per month, kWh.",
    "lighting.dashboard": "Certification transactions", "lighting.filters": "Filters",
    "lighting.all": "all", "lighting.kind": "Kind", "lighting.kind.static": "static data",
    "lighting.kind.monthly": "monthly consumption", "lighting.from": "Certified from", "lighting.to": "to",
    "lighting.apply": "Apply", "lighting.csv": "Download CSV", "lighting.perMonth": "Certifications per month",
    "lighting.perMunicipality": "Certified consumption per municipality (kWh)", "lighting.id": "No.",
    "lighting.item": "Plant / month", "lighting.block": "Block", "lighting.noCertifications": "No certification matches.",
    "lighting.perMonthCaption": "{static} static and {monthly} monthly certifications in {months} months.",
    "lighting.perMunicipalityCaption": "{count} municipalities.",
  },
  it: {
    "lighting.title": "Illuminazione pubblica (PELL-IP)", "lighting.tabs": "Viste dell'illuminazione pubblica",
    "lighting.tab.lighting": "Comuni", "lighting.tab.lighting-trend": "Andamento dei consumi",
    "lighting.tab.lighting-certifications": "Certificazioni",
    "lighting.signIn": "Accedi (dataset riservati)",
    "lighting.intro": "Dati statici e consumi dell'illuminazione pubblica dei comuni, certificati sulla blockchain. I dataset aperti sono pubblici; uno riservato è visibile agli account del suo comune e all'amministratore della sua regione dopo l'accesso.",
    "lighting.municipalities": "Comuni", "lighting.name": "Comune", "lighting.province": "Provincia",
    "lighting.region": "Regione", "lighting.plants": "Impianti", "lighting.lamps": "Lampade",
    "lighting.installedKw": "Potenza installata", "lighting.ledShare": "Quota LED", "lighting.reserved": "riservato",
    "lighting.open": "aperto", "lighting.dataset": "Dataset", "lighting.none": "Nessun comune da mostrare.",
    "lighting.notFound": "Non esiste un comune con codice {code}, oppure il suo dataset è riservato: accedi con un account autorizzato.",
    "lighting.back": "Tutti i comuni", "lighting.seeTrend": "Andamento dei consumi certificati",
    "lighting.plant": "Impianto", "lighting.pod": "POD", "lighting.location": "Posizione (WGS84)",
    "lighting.panel": "Quadro elettrico", "lighting.control": "Sistema di regolazione", "lighting.noControl": "nessuno",
    "lighting.lampsByTechnology": "Lampade", "lighting.lampLine": "{technology} {power} W × {count}",
    "lighting.certification": "Certificazione", "lighting.check": "Verifica ora",
    "lighting.check.certified": "certificato", "lighting.check.changed": "modificato dopo la certificazione",
    "lighting.check.never certified": "mai certificato", "lighting.certRef": "n. {id}, {date}",
    "lighting.previous": "Precedente", "lighting.next": "Successiva", "lighting.pageOf": "pagina {page} di {pages} ({total})",
    "lighting.trend": "Consumi mensili certificati", "lighting.show": "Mostra",
    "lighting.regions": "Regioni", "lighting.regionOption": "{region} (regione)",
    "lighting.trendNote": "Solo valori certificati sulla blockchain (certificazioni mensili); un mese senza certificazione non ha valore.",
    "lighting.month": "Mese", "lighting.kwh": "Consumo (kWh)", "lighting.tx": "Transazione",
    "lighting.certifiedOn": "Certificato il", "lighting.certifiedTowns": "Comuni sommati",
    "lighting.missing": "Mancanti (non certificati)", "lighting.noMonths": "Ancora nessun mese certificato.",
    "lighting.trendCaption": "{name}: consumo certificato per mese, kWh.",
    "lighting.regionCaption": "{name}: somma dei consumi certificati di {count} comuni per mese, kWh.",
    "lighting.dashboard": "Transazioni di certificazione", "lighting.filters": "Filtri",
    "lighting.all": "tutti", "lighting.kind": "Tipo", "lighting.kind.static": "dati statici",
    "lighting.kind.monthly": "consumo mensile", "lighting.from": "Certificate dal", "lighting.to": "al",
    "lighting.apply": "Applica", "lighting.csv": "Scarica CSV", "lighting.perMonth": "Certificazioni per mese",
    "lighting.perMunicipality": "Consumo certificato per comune (kWh)", "lighting.id": "N.",
    "lighting.item": "Impianto / mese", "lighting.block": "Blocco", "lighting.noCertifications": "Nessuna certificazione corrisponde.",
    "lighting.perMonthCaption": "{static} certificazioni statiche e {monthly} mensili in {months} mesi.",
    "lighting.perMunicipalityCaption": "{count} comuni.",
  },
});

export const VIEWS = ["lighting", "lighting-trend", "lighting-certifications"];

export const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);

/** An element: attrs {text, testid, on<event>, other attributes}; children appended. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (key === "text") node.textContent = value;
    else if (key === "testid") node.dataset.testid = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** "1234.567" (kWh, as the API writes it) → "1.234,567" / "1,234.567". */
export function formatKwhText(text) {
  if (text === null || text === undefined) return "–";
  return formatNumber(Number(text), { minimumFractionDigits: 3, maximumFractionDigits: 3 });
}

export function formatDecimalText(text, digits = 1) {
  if (text === null || text === undefined) return "–";
  return formatNumber(Number(text), { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "2026-01" → "Jan 2026" / "gen 2026" in the reader's locale. */
export function formatMonth(month) {
  return formatDate(`${month}-01T00:00:00Z`, { month: "short", year: "numeric", timeZone: "UTC" });
}

export function shortHash(hash) {
  return hash ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : "–";
}

function anonymousHeader(page) {
  const header = document.querySelector("header.site-header");
  const select = el("select", { id: "language-select", testid: "language-select" },
    el("option", { value: "it", lang: "it", text: "Italiano" }), el("option", { value: "en", lang: "en", text: "English" }));
  select.value = currentLanguage();
  select.addEventListener("change", () => setLanguage(select.value));
  const signIn = el("button", { type: "button", class: "primary", testid: "lighting-sign-in", "data-i18n": "lighting.signIn" });
  signIn.addEventListener("click", () => signInHere(page));
  header.replaceChildren(el("a", { href: "/", class: "brand", "data-i18n": "layout.brand", text: "LEC platform" }),
    el("div", { class: "language" }, el("label", { for: "language-select", "data-i18n": "layout.language" }), select),
    el("div", { class: "account" }, signIn));
  applyTranslations(header);
}

/** The layout's sign-in (wallet, SIWE); once signed in, the page reloads with the session's reserved datasets. */
async function signInHere(page) {
  try {
    await startPage({ page });
    window.location.reload();
  } catch (err) {
    showError(err, document.querySelector("[data-testid=page-error]"));
  }
}

function tabs(page) {
  const list = el("ul", {}, ...VIEWS.map((view) => el("li", {}, el("a", {
    href: `/${view}.html`, testid: `lighting-tab-${view}`, "data-i18n": `lighting.tab.${view}`,
    "aria-current": view === page ? "page" : null,
  }))));
  const nav = el("nav", { class: "lighting-tabs", testid: "lighting-tabs", "data-i18n-aria-label": "lighting.tabs" }, list);
  document.querySelector("main").prepend(nav);
}

/** Starts a lighting view for everyone: the layout's header when signed in, a language switch and a sign-in
 * button otherwise → the signed-in person (/api/me) or null. */
export async function startLightingPage(page) {
  applyTranslations(document);
  tabs(page);
  const me = await loadMe().catch(() => null);
  if (me) await startPage({ page });
  else anonymousHeader(page);
  applyTranslations(document);
  return me;
}

/** Calls `render` now and again whenever the reader switches language. */
export function renderOnLanguage(render) {
  window.addEventListener("lec:language", () => setTimeout(render));
}

/** Pagination buttons under a list: {page, per_page, total} → prev/next calling go(page). */
export function pager(testid, envelope, go) {
  const turn = (page) => Promise.resolve(go(page)).catch((err) => showError(err, $("page-error")));
  const pages = Math.max(1, Math.ceil(envelope.total / envelope.per_page));
  const prev = el("button", { type: "button", testid: `${testid}-prev`, text: t("lighting.previous"),
    onclick: () => turn(envelope.page - 1) });
  const next = el("button", { type: "button", testid: `${testid}-next`, text: t("lighting.next"),
    onclick: () => turn(envelope.page + 1) });
  prev.disabled = envelope.page <= 1;
  next.disabled = envelope.page >= pages;
  return el("div", { class: "actions pager", testid },
    prev, el("span", { text: t("lighting.pageOf", { page: envelope.page, pages, total: envelope.total }) }), next);
}

export { t, formatNumber, formatDate, locale, showError };
