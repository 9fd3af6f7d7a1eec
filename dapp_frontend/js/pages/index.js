// Home: sign in, then the person's communities (balance, kind) and the pages their roles open.
// data-testid: home, home-communities, home-community (data-token), home-no-community, home-pages, home-page-link
//              (+ the layout's: sign-in, wallet-option, sign-in-status, sign-in-error, wallet-address, sign-out, ...)
import { startPage } from "../lib/layout.js";
import { registerMessages, t, formatTokens } from "../lib/i18n.js";
import { api } from "../lib/api.js";

registerMessages({
  en: { "home.pageTitle": "LEC platform", "home.title": "Your energy community",
    "home.intro": "What you can do here depends on your roles and communities.",
    "home.communities": "Your communities", "home.pages": "Your pages",
    "home.noCommunity": "Your address is not a member of any community yet.",
    "home.member": "{kind}, balance {balance}", "home.formerMember": "no longer a member, balance {balance}",
    "kind.citizen": "citizen", "kind.stakeholder": "stakeholder" },
  it: { "home.pageTitle": "Piattaforma CER", "home.title": "La tua comunità energetica",
    "home.intro": "Cosa puoi fare qui dipende dai tuoi ruoli e dalle tue comunità.",
    "home.communities": "Le tue comunità", "home.pages": "Le tue pagine",
    "home.noCommunity": "Il tuo indirizzo non è ancora membro di nessuna comunità.",
    "home.member": "{kind}, saldo {balance}", "home.formerMember": "non più membro, saldo {balance}",
    "kind.citizen": "cittadino", "kind.stakeholder": "stakeholder" },
});

let state = null;

function symbols(list) {
  return Object.fromEntries(list.map((c) => [c.token, c.symbol]));
}

function renderCommunities(me, symbolOf) {
  const list = document.querySelector("[data-testid=home-communities]");
  const mine = me.communities.filter((c) => c.kind);
  list.replaceChildren(...mine.map((c) => {
    const item = document.createElement("li");
    item.dataset.testid = "home-community";
    item.dataset.token = c.token;
    const link = document.createElement("a");
    link.href = `/member.html?token=${encodeURIComponent(c.token)}`;
    link.textContent = c.name;
    const balance = formatTokens(c.balance, symbolOf[c.token] || "");
    const text = c.member ? t("home.member", { kind: t(`kind.${c.kind}`), balance })
      : t("home.formerMember", { balance });
    item.append(link, ` — ${text}`);
    return item;
  }));
  document.querySelector("[data-testid=home-no-community]").hidden = mine.length > 0;
}

function renderPages() {
  const list = document.querySelector("[data-testid=home-pages]");
  const links = [...document.querySelectorAll("header nav a")].filter((a) => a.dataset.testid !== "nav-index");
  list.replaceChildren(...links.map((a) => {
    const item = document.createElement("li");
    const copy = a.cloneNode(true);
    copy.dataset.testid = "home-page-link";
    item.append(copy);
    return item;
  }));
}

function render() {
  renderCommunities(state.me, state.symbolOf);
  renderPages();
}

async function main() {
  const { me } = await startPage({ page: "index" });
  const communities = await api("/api/communities?per_page=200").then((page) => page.items).catch(() => []);
  state = { me, symbolOf: symbols(communities) };
  render();
  window.addEventListener("lec:language", () => setTimeout(render));
}

main();
