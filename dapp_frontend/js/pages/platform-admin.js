// Platform Admin page: create a community with the factory, grant and revoke roles on the platform's contracts
// and on community tokens, grant and revoke auditors.
//
// data-testid: page-status,
//   create-form, create-name, create-symbol, create-community-admin, create-token-admin, create-welcome-citizen,
//   create-welcome-stakeholder, create-fee, create-submit, create-error, create-tx, create-result (data-token),
//   role-form, role-contract, role-token-row, role-token, role-name, role-account, role-check, role-grant,
//   role-revoke, role-id, role-holds (data-holds="true|false"), role-error, role-tx,
//   auditors-list, auditor-row-<address>, auditor-revoke-<address>, auditors-empty, auditor-form, auditor-address,
//   auditor-grant, auditor-error, auditor-status
import { ethers } from "../../vendor/ethers.min.js";
import { api, withQuery } from "../lib/api.js";
import { t, registerMessages, applyTranslations, formatDate, formatNumber } from "../lib/i18n.js";
import { contractFor, tokenContract } from "../lib/platform.js";
import { currentWallet } from "../lib/wallet.js";
import { startPage } from "../lib/layout.js";
import { showError } from "../lib/errors.js";
import { checkNewCommunity, createCommunity } from "../actions/create-community.js";
import { ROLE_NAMES, roleId, mayAdminister, grantRole, revokeRole } from "../actions/grant-role.js";
import { listAuditors, grantAuditor, revokeAuditor } from "../actions/grant-auditor.js";

const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);
const PLATFORM_CONTRACTS = ["CommunityFactory", "ModelRegistry", "ConsumptionNotary", "LightingCertification"];
const TOKEN = "CommunityToken";
const state = { me: null, platform: null, communities: [] };

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

function signer() {
  return currentWallet()?.signer ?? state.wallet?.signer;
}

function reader() {
  return chainReader();
}

let rpcReader = null;

/** Reads go through the wallet (as MetaMask reads); without a connected wallet, through the platform's RPC. */
function chainReader() {
  const wallet = currentWallet() ?? state.wallet;
  if (wallet?.browserProvider) return wallet.browserProvider;
  rpcReader ??= new ethers.JsonRpcProvider(state.platform.rpcUrl, Number(state.platform.chainId), { staticNetwork: true });
  return rpcReader;
}


function say(element, result) {
  const vars = Object.fromEntries(Object.entries(result?.vars ?? {})
    .map(([k, v]) => [k, typeof v === "number" ? formatNumber(v) : v]));
  element.textContent = result ? t(result.key, vars) : "";
}

function settled(status) {
  return ["failed", "cancelled"].includes(status.dataset.state);
}

// ------------------------------------------------------------------ create a community

async function onCreate(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = $("create-error");
  const checked = checkNewCommunity({ name: form.name.value, symbol: form.symbol.value,
    communityAdmin: form.communityAdmin.value, tokenAdmin: form.tokenAdmin.value,
    welcomeCitizen: form.welcomeCitizen.value, welcomeStakeholder: form.welcomeStakeholder.value, fee: form.fee.value });
  say(error, checked.ok ? null : checked);
  if (!checked.ok) return form[checked.field]?.focus();
  const status = $("create-tx");
  delete status.dataset.state;
  try {
    const taken = await contractFor("CommunityFactory", reader()).communityByName(checked.values.name);
    if (taken !== ethers.ZeroAddress) {
      say(error, { key: "pa.nameTaken", vars: { name: checked.values.name, token: taken } });
      return form.name.focus();
    }
    const token = await createCommunity(contractFor("CommunityFactory", signer()), checked.values, status);
    const result = $("create-result");
    result.textContent = t("pa.created", { name: checked.values.name, symbol: checked.values.symbol, token });
    result.dataset.token = token;
    result.hidden = false;
  } catch (err) {
    if (!settled(status)) showError(err, status);
  }
}

// ------------------------------------------------------------------ roles

function fillContracts() {
  const contracts = $("role-contract");
  const chosen = contracts.value;
  contracts.replaceChildren(...[...PLATFORM_CONTRACTS, TOKEN].map((name) =>
    el("option", { value: name, text: t(`pa.contract.${name}`) })));
  if (chosen) contracts.value = chosen;
}

function fillRoleForm() {
  fillContracts();
  const roles = $("role-name");
  roles.replaceChildren(...ROLE_NAMES.map((name) => el("option", { value: name, text: name })));
  const list = el("datalist", { id: "community-tokens" },
    ...state.communities.map((c) => el("option", { value: c.token, text: `${c.name} (${c.symbol})` })));
  $("role-token").setAttribute("list", "community-tokens");
  $("role-token").after(list);
  showRoleId();
}

function showRoleId() {
  $("role-token-row").hidden = $("role-contract").value !== TOKEN;
  const name = $("role-name").value;
  $("role-id").textContent = t("pa.roleId", { name, id: roleId(name) });
  $("role-holds").textContent = "";
}

/** The chosen contract and role, and the account, checked → {contract, label, role, account} or {error, field}. */
function roleTarget(runner) {
  const form = $("role-form");
  const account = form.account.value.trim();
  if (!ethers.isAddress(account)) return { error: { key: "pa.badAddress", vars: { value: account } }, field: "account" };
  let contract;
  let label = form.contract.value;
  if (label === TOKEN) {
    const token = form.token.value.trim();
    if (!ethers.isAddress(token)) return { error: { key: "pa.badAddress", vars: { value: token } }, field: "token" };
    contract = tokenContract(token, runner);
    label = state.communities.find((c) => c.token.toLowerCase() === token.toLowerCase())?.name ?? token;
  } else {
    contract = contractFor(label, runner);
  }
  return { contract, label, roleName: form.role.value, role: roleId(form.role.value),
    account: ethers.getAddress(account.toLowerCase()) };
}

async function holds(target) {
  return target.contract.hasRole(target.role, target.account);
}

async function onCheck() {
  const target = roleTarget(reader());
  say($("role-error"), target.error);
  if (target.error) return $("role-form")[target.field].focus();
  try {
    const held = await holds(target);
    const out = $("role-holds");
    out.dataset.holds = String(held);
    out.textContent = t(held ? "pa.holds" : "pa.holdsNot", { account: target.account, role: target.roleName,
      contract: target.label });
  } catch (err) {
    showError(err, $("role-error"));
  }
}

/** Says, before the wallet opens, why the contract would refuse: not the role's admin, nothing to change. */
async function roleProblem(target, granting) {
  const me = await signer().getAddress();
  if (!(await mayAdminister(target.contract, target.role, me))) {
    return { key: "pa.notRoleAdmin", vars: { role: target.roleName, contract: target.label } };
  }
  const held = await holds(target);
  if (granting && held) return { key: "pa.alreadyHolds", vars: { account: target.account, role: target.roleName, contract: target.label } };
  if (!granting && !held) return { key: "pa.holdsNot", vars: { account: target.account, role: target.roleName, contract: target.label } };
  return null;
}

async function changeRole(granting) {
  const target = roleTarget(reader());
  const error = $("role-error");
  say(error, target.error);
  if (target.error) return $("role-form")[target.field].focus();
  const status = $("role-tx");
  delete status.dataset.state;
  try {
    const problem = await roleProblem(target, granting);
    say(error, problem);
    if (problem) return;
    const writable = roleTarget(signer());
    await (granting ? grantRole : revokeRole)(writable.contract, writable.role, writable.account, status);
    await onCheck();
  } catch (err) {
    if (!settled(status)) showError(err, status);
  }
}

// ------------------------------------------------------------------ auditors

async function refreshAuditors() {
  let page;
  try {
    page = await listAuditors();
  } catch (err) {
    return showError(err, $("auditor-status"));
  }
  const items = page.items ?? page.auditors ?? [];
  $("auditors-list").replaceChildren(...items.map((a) => el("li", { "data-testid": `auditor-row-${a.address}` },
    el("code", { text: a.address }),
    el("span", { class: "admin-hint", text: t("pa.grantedAt", { time: formatDate(a.grantedAt) }) }),
    el("button", { type: "button", class: "danger", "data-testid": `auditor-revoke-${a.address}`, text: t("pa.revoke"),
      onclick: () => onRevokeAuditor(a.address) }))));
  $("auditors-empty").hidden = items.length > 0;
}

async function onGrantAuditor(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const address = form.address.value.trim();
  const error = $("auditor-error");
  if (!ethers.isAddress(address)) {
    say(error, { key: "pa.badAddress", vars: { value: address } });
    return form.address.focus();
  }
  say(error, null);
  const checksummed = ethers.getAddress(address.toLowerCase());
  try {
    await grantAuditor(checksummed);
    $("auditor-status").dataset.state = "done";
    say($("auditor-status"), { key: "pa.auditorGranted", vars: { address: checksummed } });
    form.reset();
    await refreshAuditors();
  } catch (err) {
    showError(err, error);
  }
}

async function onRevokeAuditor(address) {
  try {
    await revokeAuditor(address);
    $("auditor-status").dataset.state = "done";
    say($("auditor-status"), { key: "pa.auditorRevoked", vars: { address } });
    await refreshAuditors();
  } catch (err) {
    showError(err, $("auditor-error"));
  }
}

// ------------------------------------------------------------------ start

function wire() {
  $("create-form").addEventListener("submit", onCreate);
  $("role-contract").addEventListener("change", showRoleId);
  $("role-name").addEventListener("change", showRoleId);
  $("role-check").addEventListener("click", onCheck);
  $("role-form").addEventListener("submit", (e) => { e.preventDefault(); changeRole(true); });
  $("role-revoke").addEventListener("click", () => changeRole(false));
  $("auditor-form").addEventListener("submit", onGrantAuditor);
  window.addEventListener("lec:language", () => { fillContracts(); showRoleId(); refreshAuditors(); });
}

async function main() {
  applyTranslations(document);
  const started = await startPage({ page: "platform-admin", roles: ["platform_admin"] });
  Object.assign(state, { me: started.me, platform: started.platform, wallet: started.wallet });
  const page = await api(withQuery("/api/communities", { per_page: 200 })).catch(() => null);
  state.communities = page?.items ?? [];
  fillRoleForm();
  wire();
  await refreshAuditors();
  document.body.dataset.ready = "true";
}

// ------------------------------------------------------------------ messages (it + en)

const CONTRACT_NAMES_EN = { CommunityFactory: "Community factory", ModelRegistry: "Model registry",
  ConsumptionNotary: "Consumption notary", LightingCertification: "Lighting certification",
  CommunityToken: "A community token" };
const CONTRACT_NAMES_IT = { CommunityFactory: "Fabbrica delle comunità", ModelRegistry: "Registro dei modelli",
  ConsumptionNotary: "Notaio dei consumi", LightingCertification: "Certificazione dell'illuminazione",
  CommunityToken: "Il token di una comunità" };
const prefixed = (names) => Object.fromEntries(Object.entries(names).map(([k, v]) => [`pa.contract.${k}`, v]));

const MESSAGES = {
  en: {
    ...prefixed(CONTRACT_NAMES_EN),
    "pa.title": "Platform administration", "pa.create": "Create a community", "pa.name": "Name (at most 31 bytes)",
    "pa.symbol": "Token symbol", "pa.communityAdmin": "Community Admin", "pa.tokenAdmin": "Token Admin",
    "pa.welcomeCitizen": "Welcome bonus, citizen", "pa.welcomeStakeholder": "Welcome bonus, stakeholder",
    "pa.fee": "Transfer fee (%, at most 20)", "pa.createSubmit": "Create", "pa.roles": "Roles", "pa.contract": "Contract",
    "pa.tokenAddress": "Community token address", "pa.role": "Role", "pa.account": "Account", "pa.check": "Check",
    "pa.grant": "Grant", "pa.revoke": "Revoke", "pa.auditors": "Auditors", "pa.noAuditors": "No auditors yet.",
    "pa.auditorAddress": "Auditor's address", "pa.grantedAt": "since {time}", "pa.grantAuditor": "Grant the auditor role",
    "pa.nameTaken": "A community named “{name}” exists already (token {token}): choose another name.",
    "pa.created": "Created {name} ({symbol}): its token is {token}.",
    "pa.roleId": "{name} = {id}",
    "pa.badAddress": "“{value}” is not an address (0x followed by 40 hexadecimal digits).",
    "pa.holds": "{account} holds {role} on {contract}.", "pa.holdsNot": "{account} does not hold {role} on {contract}.",
    "pa.alreadyHolds": "{account} already holds {role} on {contract}: nothing to grant.",
    "pa.notRoleAdmin": "Your address does not hold the admin role of {role} on {contract}, so the contract would refuse.",
    "pa.auditorGranted": "{address} is now an auditor.", "pa.auditorRevoked": "{address} is no longer an auditor.",
    "platform.create.emptyName": "Write the community's name.",
    "platform.create.nameTooLong": "The name is {bytes} bytes long; at most {max} fit the token.",
    "platform.create.badSymbol": "“{symbol}” is not a token symbol: 1 to 11 letters or digits.",
    "platform.tx.create": "Creating the community", "platform.tx.grantRole": "Granting the role",
    "platform.tx.revokeRole": "Revoking the role",
    "admin.members.badWallet": "“{wallet}” is not a wallet address (0x followed by 40 hexadecimal digits).",
    "admin.amount.notNumber": "“{value}” is not an amount: write digits with an optional decimal part, like 100 or 2.5.",
    "admin.amount.tooManyDecimals": "“{value}” has more than {decimals} decimals.",
    "admin.fee.notPercent": "“{value}” is not a percentage: write a number like 1 or 1.5 (at most two decimals).",
    "admin.fee.aboveCap": "A fee of {value} % is above the highest the token allows, {max} %.",
    // the CommunityFactory's custom errors (errors.js knows the token's and the notary's)
    "error.EmptyName": "the community needs a name",
    "error.NameTooLong": "the name is longer than {maxBytes} bytes",
    "error.CommunityNameTaken": "a community named “{name}” exists already ({existing})",
    "error.RewardDistributorNotSet": "the factory has no reward contract yet",
  },
  it: {
    ...prefixed(CONTRACT_NAMES_IT),
    "pa.title": "Amministrazione della piattaforma", "pa.create": "Crea una comunità", "pa.name": "Nome (al massimo 31 byte)",
    "pa.symbol": "Simbolo del token", "pa.communityAdmin": "Community Admin", "pa.tokenAdmin": "Token Admin",
    "pa.welcomeCitizen": "Bonus di benvenuto, cittadino", "pa.welcomeStakeholder": "Bonus di benvenuto, stakeholder",
    "pa.fee": "Commissione sui trasferimenti (%, al massimo 20)", "pa.createSubmit": "Crea", "pa.roles": "Ruoli",
    "pa.contract": "Contratto", "pa.tokenAddress": "Indirizzo del token della comunità", "pa.role": "Ruolo",
    "pa.account": "Indirizzo", "pa.check": "Verifica", "pa.grant": "Concedi", "pa.revoke": "Revoca",
    "pa.auditors": "Revisori", "pa.noAuditors": "Ancora nessun revisore.", "pa.auditorAddress": "Indirizzo del revisore",
    "pa.grantedAt": "dal {time}", "pa.grantAuditor": "Concedi il ruolo di revisore",
    "pa.nameTaken": "Esiste già una comunità chiamata “{name}” (token {token}): scegli un altro nome.",
    "pa.created": "Creata {name} ({symbol}): il suo token è {token}.",
    "pa.roleId": "{name} = {id}",
    "pa.badAddress": "“{value}” non è un indirizzo (0x seguito da 40 cifre esadecimali).",
    "pa.holds": "{account} ha il ruolo {role} su {contract}.", "pa.holdsNot": "{account} non ha il ruolo {role} su {contract}.",
    "pa.alreadyHolds": "{account} ha già il ruolo {role} su {contract}: niente da concedere.",
    "pa.notRoleAdmin": "Il tuo indirizzo non ha il ruolo che amministra {role} su {contract}: il contratto rifiuterebbe.",
    "pa.auditorGranted": "{address} ora è un revisore.", "pa.auditorRevoked": "{address} non è più un revisore.",
    "platform.create.emptyName": "Scrivi il nome della comunità.",
    "platform.create.nameTooLong": "Il nome è lungo {bytes} byte; nel token ne stanno al massimo {max}.",
    "platform.create.badSymbol": "“{symbol}” non è un simbolo di token: da 1 a 11 lettere o cifre.",
    "platform.tx.create": "Creazione della comunità", "platform.tx.grantRole": "Concessione del ruolo",
    "platform.tx.revokeRole": "Revoca del ruolo",
    "admin.members.badWallet": "“{wallet}” non è un indirizzo di portafoglio (0x seguito da 40 cifre esadecimali).",
    "admin.amount.notNumber": "“{value}” non è un importo: scrivi cifre con una parte decimale facoltativa, come 100 o 2,5.",
    "admin.amount.tooManyDecimals": "“{value}” ha più di {decimals} decimali.",
    "admin.fee.notPercent": "“{value}” non è una percentuale: scrivi un numero come 1 o 1,5 (al massimo due decimali).",
    "admin.fee.aboveCap": "Una commissione del {value} % supera il massimo consentito dal token, {max} %.",
    "error.EmptyName": "la comunità ha bisogno di un nome",
    "error.NameTooLong": "il nome supera {maxBytes} byte",
    "error.CommunityNameTaken": "esiste già una comunità chiamata “{name}” ({existing})",
    "error.RewardDistributorNotSet": "la fabbrica non ha ancora un contratto delle ricompense",
  },
};

registerMessages(MESSAGES);
main().catch((err) => showError(err, $("page-status")));
