// The platform's chain and contracts (GET /api/platform, loaded once) and ethers contracts over its ABIs.
import { ethers } from "../../vendor/ethers.min.js";
import { api } from "./api.js";

let loading = null;
let platform = null;

/** {chainId, chainName, rpcUrl, nativeCurrency, siwe, contracts: {Name: {address, abi}}, communityToken: {abi}}. */
export function loadPlatform() {
  if (!loading) {
    loading = api("/api/platform").then((data) => (platform = data)).catch((err) => {
      loading = null;
      throw err;
    });
  }
  return loading;
}

function loaded() {
  if (!platform) throw new Error("loadPlatform() must finish before contracts are made");
  return platform;
}

/** A platform contract ("CommunityFactory", "ModelRegistry", "ConsumptionNotary", "LightingCertification"). */
export function contractFor(name, runner) {
  const entry = loaded().contracts[name];
  if (!entry) throw new Error(`the platform has no contract named ${name}`);
  return new ethers.Contract(entry.address, entry.abi, runner);
}

/** A community token at `address`. */
export function tokenContract(address, runner) {
  return new ethers.Contract(address, loaded().communityToken.abi, runner);
}

/** Every ABI the platform uses, as ethers Interfaces (to decode custom errors); [] before loadPlatform(). */
export function platformInterfaces() {
  if (!platform) return [];
  const abis = [platform.communityToken?.abi, ...Object.values(platform.contracts || {}).map((c) => c.abi)];
  return abis.filter(Boolean).map((abi) => new ethers.Interface(abi));
}
