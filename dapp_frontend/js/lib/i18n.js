// Messages in Italian and English, and numbers, dates, energy and tokens in the reader's locale.
// Each page registers its own messages (registerMessages), so no dictionary is shared between pages.
import { splitBaseUnits, TOKEN_DECIMALS } from "./units.js";

const LANGUAGES = ["it", "en"];
const STORAGE_KEY = "lec.language";
const messages = { it: {}, en: {} };
let language = initialLanguage();

function initialLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE_KEY); } catch { /* storage may be disabled */ }
  if (LANGUAGES.includes(stored)) return stored;
  return (globalThis.navigator?.language || "en").toLowerCase().startsWith("it") ? "it" : "en";
}

/** Adds messages: {en: {key: "text with {var}"}, it: {...}}; later registrations win for the same key. */
export function registerMessages(dictionary) {
  for (const lang of LANGUAGES) Object.assign(messages[lang], dictionary[lang] || {});
}

/** The message `key` in the current language (English, then the key itself, as fallbacks), {vars} filled in. */
export function t(key, vars = {}) {
  const text = messages[language][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

export function currentLanguage() {
  return language;
}

/** Switches language, remembers it, re-translates the document and tells pages ("lec:language" on window). */
export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) throw new RangeError(`unknown language ${lang}`);
  language = lang;
  try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* storage may be disabled */ }
  document.documentElement.lang = lang;
  applyTranslations(document);
  window.dispatchEvent(new CustomEvent("lec:language", { detail: { language: lang } }));
}

/** Fills elements with data-i18n (text), data-i18n-placeholder, data-i18n-aria-label and data-i18n-title. */
export function applyTranslations(root = document) {
  document.documentElement.lang = language;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

/** The Intl locale of the reader: the browser's own when it is of the chosen language, else it-IT / en-GB. */
export function locale() {
  const browser = globalThis.navigator?.language || "";
  if (browser.toLowerCase().startsWith(language)) return browser;
  return language === "it" ? "it-IT" : "en-GB";
}

export function formatNumber(x, opts = {}) {
  if (x === null || x === undefined || (typeof x === "number" && !Number.isFinite(x))) return "–";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2, ...opts }).format(x);
}

export function formatPercent(pct, digits = 1) {
  if (pct === null || pct === undefined) return "–";
  return `${formatNumber(pct, { minimumFractionDigits: digits, maximumFractionDigits: digits })} %`;
}

export function formatDate(iso, opts = { dateStyle: "medium", timeStyle: "short" }) {
  if (!iso) return "–";
  const moment = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  return new Intl.DateTimeFormat(locale(), opts).format(moment);
}

/** Watt-hours → "1,25 kWh" / "1.25 kWh". */
export function formatKwh(wh, opts = {}) {
  if (wh === null || wh === undefined) return "–";
  return `${formatNumber(Number(wh) / 1000, { maximumFractionDigits: 3, ...opts })} kWh`;
}

/** Base units (decimal string or BigInt) → "1.234,5 LEC" in the reader's locale, exact, at most
 * `maxFraction` decimals (cut, not rounded, so a balance is never shown larger than it is). */
export function formatTokens(baseUnits, symbol = "", { decimals = TOKEN_DECIMALS, maxFraction = 6 } = {}) {
  if (baseUnits === null || baseUnits === undefined || baseUnits === "") return "–";
  const { negative, whole, fraction } = splitBaseUnits(baseUnits, decimals);
  const nf = new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 });
  const separator = new Intl.NumberFormat(locale()).formatToParts(1.5).find((p) => p.type === "decimal").value;
  const shown = fraction.slice(0, maxFraction).replace(/0+$/, "");
  const text = `${negative ? "−" : ""}${nf.format(whole)}${shown ? separator + shown : ""}`;
  return symbol ? `${text} ${symbol}` : text;
}

// The home page's link to the public-lighting views (open to everyone, so it is not in any role's navigation)
registerMessages({
  en: { "home.lighting": "Public lighting (PELL-IP): municipalities, certified consumption and certifications, open to everyone" },
  it: { "home.lighting": "Illuminazione pubblica (PELL-IP): comuni, consumi certificati e certificazioni, aperti a tutti" },
});
