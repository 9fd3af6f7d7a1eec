// Pay another member for a service (categories 1–5): preview the split with quoteService, then payService.
import { ethers } from "../../vendor/ethers.min.js";
import { tokenContract } from "../lib/platform.js";
import { currentWallet } from "../lib/wallet.js";
import { sendTransaction, checkChain } from "../lib/tx.js";
import { userError } from "../lib/errors.js";
import { registerMessages } from "../lib/i18n.js";

registerMessages({ en: { "pay.label": "Paying the service" }, it: { "pay.label": "Pagamento del servizio" } });

/** Categories 1–5 a payer of `kind` may use (ServicePayments._serviceKinds). */
export const SERVICE_CATEGORIES = { citizen: [1, 2, 3], stakeholder: [4, 5] };
export const WITH_STRUCTURE = 2; // CitizenToCitizenWithStructure

/** A service reference as bytes32: a 0x hash as given, other text hashed (keccak256), nothing → zero. */
export function serviceRef(text) {
  const clean = (text || "").trim();
  if (!clean) return ethers.ZeroHash;
  return ethers.isHexString(clean, 32) ? clean : ethers.id(clean);
}

function wallet() {
  const current = currentWallet();
  if (!current) throw userError("error.walletNotConnected");
  return current;
}

/** {fee, providerReceives, structureReceives, incentive, incentiveForThis, feeBps} in base units (BigInt).
 * `incentive` is what an approval covering the whole amount adds; `incentiveForThis` what this very service gets. */
export async function previewService(token, { provider, amount, category, structureShareBps = 0, ref }) {
  const { signer, address } = wallet();
  await checkChain();
  const contract = tokenContract(token, signer);
  const [quote, feeBps, incentiveForThis] = await Promise.all([
    contract.quoteService(amount, category, structureShareBps),
    contract.feeBps(),
    ethers.isAddress(provider) ? contract.serviceIncentive(serviceRef(ref), address, provider, category, amount) : 0n,
  ]);
  return { fee: quote[0], providerReceives: quote[1], structureReceives: quote[2], incentive: quote[3],
    incentiveForThis, feeBps: Number(feeBps) };
}

/** Sends payService with the fee seen in the preview as the highest fee accepted (FeeAboveLimit otherwise). */
export function payService(token, { provider, amount, category, ref, structure, structureShareBps = 0, maxFeeBps },
  statusElement) {
  const withStructure = Number(category) === WITH_STRUCTURE;
  return sendTransaction("pay.label", () => tokenContract(token, wallet().signer).payService(provider, amount,
    category, serviceRef(ref), withStructure ? structure : ethers.ZeroAddress, withStructure ? structureShareBps : 0,
    maxFeeBps), statusElement);
}
