// A Platform Admin creates a community and its token with the factory (CommunityFactory.createCommunity).
import { ethers } from "../../vendor/ethers.min.js";
import { sendTransaction } from "../lib/tx.js";
import { parseTokenAmount } from "./set-welcome-bonus.js";
import { checkFee } from "./set-fee.js";

export const MAX_NAME_BYTES = 31; // CommunityFactory.MAX_NAME_BYTES
export const MAX_FEE_BPS = 2000; // CommunityTokenBase.MAX_FEE_BPS
export const TOKEN_DECIMALS = 18; // every community token (ERC-20 default)

/** Checks the form → {ok, values} or {ok:false, key, vars, field}. */
export function checkNewCommunity(form) {
  const name = form.name.trim();
  const nameBytes = ethers.toUtf8Bytes(name).length;
  if (nameBytes === 0) return { ok: false, key: "platform.create.emptyName", vars: {}, field: "name" };
  if (nameBytes > MAX_NAME_BYTES) return { ok: false, key: "platform.create.nameTooLong", vars: { bytes: nameBytes, max: MAX_NAME_BYTES }, field: "name" };
  const symbol = form.symbol.trim();
  if (!/^[A-Za-z0-9]{1,11}$/.test(symbol)) return { ok: false, key: "platform.create.badSymbol", vars: { symbol }, field: "symbol" };
  const admins = {};
  for (const field of ["communityAdmin", "tokenAdmin"]) {
    const typed = form[field].trim();
    if (!ethers.isAddress(typed) || /^0x0{40}$/i.test(typed)) return { ok: false, key: "admin.members.badWallet", vars: { wallet: typed }, field };
    admins[field] = ethers.getAddress(typed.toLowerCase());
  }
  const welcome = {};
  for (const field of ["welcomeCitizen", "welcomeStakeholder"]) {
    const amount = parseTokenAmount(form[field], TOKEN_DECIMALS);
    if (!amount.ok) return { ...amount, field };
    welcome[field] = amount.value;
  }
  const fee = checkFee(form.fee, MAX_FEE_BPS);
  if (!fee.ok) return { ...fee, field: "fee" };
  return { ok: true, values: { name, symbol, ...admins, ...welcome, feeBps: fee.bps } };
}

/** Sends createCommunity; resolves with the new token's address read from the CommunityCreated event. */
export async function createCommunity(factory, values, statusElement) {
  const { name, symbol, communityAdmin, tokenAdmin, welcomeCitizen, welcomeStakeholder, feeBps } = values;
  const receipt = await sendTransaction("platform.tx.create",
    () => factory.createCommunity(name, symbol, communityAdmin, tokenAdmin, welcomeCitizen, welcomeStakeholder, feeBps),
    statusElement);
  for (const log of receipt.logs) {
    const parsed = safeParse(factory.interface, log);
    if (parsed?.name === "CommunityCreated") return parsed.args.token;
  }
  return factory.communityByName(name);
}

function safeParse(iface, log) {
  try {
    return iface.parseLog(log);
  } catch {
    return null;
  }
}
