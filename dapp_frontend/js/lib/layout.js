// The frame of every page: header (nav by role, language switch, wallet and sign-in), then the page once signed in.
// data-testid: nav-<page>, language-select, wallet-address, network-status, switch-network, sign-out,
//              sign-in-panel, sign-in, wallet-option (one per wallet, data-wallet=<name>), sign-in-status,
//              page-error, page-forbidden
import { t, registerMessages, applyTranslations, setLanguage, currentLanguage } from "./i18n.js";
import { loadPlatform } from "./platform.js";
import { loadMe } from "./session.js";
import { reconnectWallet, currentWallet, walletChainId, connectWallet, forgetWallet } from "./wallet.js";
import { showError, userError } from "./errors.js";
import { availableWallets } from "../actions/connect-wallet.js";
import { signInWith, signOutAndForget } from "../actions/sign-in.js";
import { addNetwork } from "../actions/add-network.js";

registerMessages({
  en: {
    "layout.skipToContent": "Skip to content", "layout.brand": "LEC platform", "layout.nav": "Pages", "nav.index": "Home", "nav.member": "Member",
    "nav.community-admin": "Community admin", "nav.oracle-admin": "Oracle admin",
    "nav.platform-admin": "Platform admin", "nav.auditor": "Auditor", "layout.language": "Language",
    "layout.signOut": "Sign out", "layout.signIn": "Sign in with your wallet",
    "layout.signInIntro": "Sign in with your Ethereum wallet: it signs a message, no transaction and no fee.",
    "layout.chooseWallet": "Choose a wallet:", "layout.networkOk": "Network: {name}",
    "layout.networkWrong": "Wallet on chain {chain}, not {name}", "layout.switchNetwork": "Switch network",
    "layout.noWalletConnected": "Wallet not connected", "layout.connectWallet": "Connect wallet",
    "layout.forbidden": "This page is for: {roles}. Your address does not hold any of these roles.",
    "role.platform_admin": "platform admin", "role.oracle_admin": "oracle admin",
    "role.community_admin": "community admin", "role.token_admin": "token admin", "role.auditor": "auditor",
    "role.member": "community member",
  },
  it: {
    "layout.skipToContent": "Vai al contenuto", "layout.brand": "Piattaforma CER", "layout.nav": "Pagine", "nav.index": "Inizio", "nav.member": "Membro",
    "nav.community-admin": "Amministrazione comunità", "nav.oracle-admin": "Amministrazione oracolo",
    "nav.platform-admin": "Amministrazione piattaforma", "nav.auditor": "Revisore", "layout.language": "Lingua",
    "layout.signOut": "Esci", "layout.signIn": "Accedi con il portafoglio",
    "layout.signInIntro": "Accedi con il tuo portafoglio Ethereum: firma un messaggio, nessuna transazione e nessun costo.",
    "layout.chooseWallet": "Scegli un portafoglio:", "layout.networkOk": "Rete: {name}",
    "layout.networkWrong": "Portafoglio sulla rete {chain}, non {name}", "layout.switchNetwork": "Cambia rete",
    "layout.noWalletConnected": "Portafoglio non collegato", "layout.connectWallet": "Collega il portafoglio",
    "layout.forbidden": "Questa pagina è per: {roles}. Il tuo indirizzo non ha nessuno di questi ruoli.",
    "role.platform_admin": "amministratore della piattaforma", "role.oracle_admin": "amministratore dell'oracolo",
    "role.community_admin": "amministratore della comunità", "role.token_admin": "amministratore del token",
    "role.auditor": "revisore", "role.member": "membro di una comunità",
  },
});

const PAGES = [
  ["index", () => true],
  ["member", (me) => me.communities.some((c) => c.member || c.kind)],
  ["community-admin", (me) => me.roles.includes("community_admin") || me.roles.includes("token_admin")],
  ["oracle-admin", (me) => me.roles.includes("oracle_admin")],
  ["platform-admin", (me) => me.roles.includes("platform_admin")],
  ["auditor", (me) => me.roles.includes("auditor")],
];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "testid") node.dataset.testid = value;
    else if (key === "i18n") {
      node.dataset.i18n = value;
      node.textContent = t(value);
    }
    else if (key in node && key !== "list") node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function header() {
  let node = document.querySelector("header.site-header");
  if (!node) {
    node = el("header", { className: "site-header" });
    document.body.prepend(node);
  }
  node.replaceChildren();
  const skip = el("a", { href: "#main", className: "skip-link", i18n: "layout.skipToContent" });
  node.append(skip, el("a", { href: "/", className: "brand", i18n: "layout.brand" }));
  return node;
}

function languageSwitch() {
  const select = el("select", { id: "language-select", testid: "language-select" },
    el("option", { value: "it", textContent: "Italiano", lang: "it" }),
    el("option", { value: "en", textContent: "English", lang: "en" }));
  select.value = currentLanguage();
  select.addEventListener("change", () => setLanguage(select.value));
  return el("div", { className: "language" },
    el("label", { htmlFor: "language-select", i18n: "layout.language" }), select);
}

function nav(page, me) {
  const list = el("ul");
  for (const [name, allowed] of PAGES) {
    if (!me || !allowed(me)) continue;
    const href = name === "index" ? "/" : `/${name}.html`;
    const link = el("a", { href, testid: `nav-${name}`, i18n: `nav.${name}` });
    if (name === page) link.setAttribute("aria-current", "page");
    list.append(el("li", {}, link));
  }
  return el("nav", { "aria-label": "pages", "data-i18n-aria-label": "layout.nav" }, list);
}

async function networkStatus(platform, me, wallet) {
  const box = el("span", { className: "network", testid: "network-status" });
  if (!wallet) {
    box.dataset.state = "none";
    const button = el("button", { type: "button", testid: "connect-wallet", i18n: "layout.connectWallet" });
    button.addEventListener("click", () => connectSignedIn(me).then(() => window.location.reload())
      .catch((err) => showError(err, pageError())));
    box.append(el("span", { i18n: "layout.noWalletConnected" }), " ", button);
    return box;
  }
  const chain = await walletChainId(wallet).catch(() => null);
  const ok = chain === Number(platform.chainId);
  box.dataset.state = ok ? "ok" : "wrong";
  box.textContent = ok ? t("layout.networkOk", { name: platform.chainName })
    : t("layout.networkWrong", { chain, name: platform.chainName });
  if (!ok) {
    const button = el("button", { type: "button", testid: "switch-network", i18n: "layout.switchNetwork" });
    button.addEventListener("click", () => addNetwork().catch((err) => showError(err, pageError())));
    box.append(" ", button);
  }
  return box;
}

/** Connects a wallet for a session opened earlier (cookie): it must hold the signed-in address. */
async function connectSignedIn(me) {
  let other = null;
  for (const entry of await availableWallets()) {
    const wallet = await connectWallet(entry);
    if (wallet.address.toLowerCase() === me.address.toLowerCase()) return wallet;
    other = wallet.address;
    forgetWallet();
  }
  throw userError("error.wrongAccount", { wallet: other, me: me.address });
}

function pageError() {
  let box = document.querySelector("[data-testid=page-error]");
  if (!box) {
    box = el("p", { className: "error", testid: "page-error", hidden: true });
    (document.querySelector("main") || document.body).prepend(box);
  }
  return box;
}

async function renderHeader(page, platform, me, wallet) {
  const focused = document.activeElement?.closest(".site-header") ? document.activeElement.dataset.testid : null;
  const node = header();
  node.append(nav(page, me), languageSwitch());
  if (me) {
    const out = el("button", { type: "button", testid: "sign-out", i18n: "layout.signOut" });
    out.addEventListener("click", () => signOutAndForget().finally(() => window.location.assign("/")));
    node.append(el("div", { className: "account" },
      el("code", { testid: "wallet-address", title: me.address, textContent: me.address }),
      await networkStatus(platform, me, wallet), out));
  }
  applyTranslations(node);
  if (focused) node.querySelector(`[data-testid="${focused}"]`)?.focus(); // a keyboard user stays where they were
}

/** Shows the sign-in panel in <main> (the page's own content hidden) until the person signs in → {me, wallet}. */
function signInPanel() {
  const main = document.querySelector("main") || document.body;
  const hidden = [...main.children].filter((c) => !c.hidden);
  hidden.forEach((c) => { c.hidden = true; });
  const status = el("p", { className: "status", testid: "sign-in-status", hidden: true, "aria-live": "polite" });
  const error = el("p", { className: "error", testid: "sign-in-error", hidden: true });
  const choices = el("div", { className: "wallet-choices" });
  const button = el("button", { type: "button", className: "primary", testid: "sign-in", i18n: "layout.signIn" });
  const panel = el("section", { className: "card sign-in", testid: "sign-in-panel" },
    el("h1", { i18n: "layout.signIn" }), el("p", { i18n: "layout.signInIntro" }), button, choices, status, error);
  main.prepend(panel);
  applyTranslations(panel);
  return new Promise((resolve) => {
    const attempt = async (entry) => {
      error.hidden = true;
      try {
        const result = await signInWith(entry, status);
        panel.remove();
        hidden.forEach((c) => { c.hidden = false; });
        main.focus(); // the page's content, not the vanished button
        resolve(result);
      } catch (err) {
        status.hidden = true;
        showError(err, error);
      }
    };
    button.addEventListener("click", async () => {
      error.hidden = true;
      try {
        const wallets = await availableWallets();
        if (wallets.length === 1) return attempt(wallets[0]);
        choices.replaceChildren(el("p", { i18n: "layout.chooseWallet" }), ...wallets.map((w) => {
          const option = el("button", { type: "button", testid: "wallet-option", textContent: w.info.name });
          option.dataset.wallet = w.info.name;
          option.addEventListener("click", () => attempt(w));
          return option;
        }));
        applyTranslations(choices);
        choices.querySelector("button").focus();
      } catch (err) {
        showError(err, error);
      }
    });
  });
}

/** Another account in the wallet ends the session; another chain only changes the header's network line
 * (a transaction switching the chain must not reload the page under it). */
function watchWallet(page, platform, me) {
  window.addEventListener("lec:wallet", (event) => {
    const [account] = event.detail.accounts || [];
    if (!account || account.toLowerCase() !== me.address.toLowerCase()) {
      signOutAndForget().finally(() => window.location.reload());
    }
  });
  window.addEventListener("lec:chain", () => renderHeader(page, platform, me, currentWallet()));
}

/** Starts a page: header, sign-in when needed → {platform, me, wallet}. `roles`: the page is for any of them
 * (empty: anyone signed in); otherwise the page says so and this never resolves. */
export async function startPage({ page, roles = [] }) {
  let platform = null;
  let me = null;
  applyTranslations(document);
  window.addEventListener("lec:language", () => renderHeader(page, platform, me, currentWallet()));
  header();
  try {
    platform = await loadPlatform();
    me = await loadMe();
  } catch (err) {
    showError(err, pageError());
    return new Promise(() => {});
  }
  let wallet = me ? await reconnectWallet(me.address).catch(() => null) : null;
  await renderHeader(page, platform, me, wallet);
  if (!me) ({ me, wallet } = await signInPanel());
  await renderHeader(page, platform, me, wallet);
  watchWallet(page, platform, me);
  if (roles.length && !roles.some((role) => me.roles.includes(role))) {
    showForbidden(roles);
    return new Promise(() => {});
  }
  return { platform, me, wallet };
}

/** The page's content hidden, a sentence naming the roles it is for (kept in the chosen language). */
function showForbidden(roles) {
  const main = document.querySelector("main") || document.body;
  [...main.children].forEach((c) => { c.hidden = true; });
  const notice = el("p", { className: "error", testid: "page-forbidden" });
  const say = () => {
    notice.textContent = t("layout.forbidden", { roles: roles.map((r) => t(`role.${r}`)).join(", ") });
  };
  say();
  main.prepend(notice);
  window.addEventListener("lec:language", say);
}
