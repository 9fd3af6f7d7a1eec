// What an auditor does: reads a take-out file (fetched from the platform or uploaded) and verifies it in the
// browser against the chain, through the wallet's provider or the platform's RPC. No DOM here.
import { ethers } from "../../vendor/ethers.min.js";
import { verifyTakeoutDocument } from "../lib/takeout-check.js";

export const MAX_FILE_BYTES = 50 * 1024 * 1024; // a month of quarter-hours of many devices is a few MB

/** The first (v1) notary's interface, as far as v1 take-out files need it (oracle/chain/notary_v1.py). */
const COMMITMENT = "tuple(uint64 periodStart, uint64 periodEnd, bytes32 merkleRoot, bytes32 modelId, " +
  "uint32 modelVersion, bytes32 datasetHash, uint32 leafCount, uint256 totalReward)";
const V1_NOTARY_ABI = [
  `function getEpoch(address community, uint64 epoch) view returns (tuple(${COMMITMENT} commitment, ` +
    "uint64 committedAt, uint32 paidCount, bool released, uint256 paidTotal))",
  "function verifyTakeout(address community, uint64 epoch, address member, uint256 amount, bytes32 dataHash, " +
    "bytes32[] proof) view returns (bool)",
];
const UNKNOWN_EPOCH = ethers.id("UnknownEpoch(address,uint64)").slice(0, 10);
const PACKED_LEAF_BYTES = 67; // uint24 index ‖ address ‖ uint96 amount ‖ bytes32

/** Text of a chosen or dropped file → the take-out document; a file that is not JSON is an Error whose
 *  `key` names a message of the auditor page ("au.notJson", "au.tooBig") and `detail` the reason. */
export function readTakeoutText(text) {
  if (text.length > MAX_FILE_BYTES) throw Object.assign(new Error("too big"), { key: "au.tooBig" });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw Object.assign(new Error(err.message), { key: "au.notJson", detail: err.message });
  }
}

/** The provider the chain is read through: the connected wallet's, else a JsonRpcProvider on the platform's
 *  rpcUrl. Returns {provider, through: "wallet" | "rpc"}. */
export function readingProvider(platform, wallet) {
  if (wallet && wallet.browserProvider) return { provider: wallet.browserProvider, through: "wallet" };
  return { provider: new ethers.JsonRpcProvider(platform.rpcUrl, undefined, { staticNetwork: true }), through: "rpc" };
}

/** The chain reads the checks need (see lib/takeout-check.js), on the platform's contracts and ABIs. */
export function chainReader(platform, provider) {
  const c = platform.contracts;
  const notary = new ethers.Contract(c.ConsumptionNotary.address, c.ConsumptionNotary.abi, provider);
  const factory = new ethers.Contract(c.CommunityFactory.address, c.CommunityFactory.abi, provider);
  const registry = new ethers.Contract(c.ModelRegistry.address, c.ModelRegistry.abi, provider);
  const v1 = (address) => new ethers.Contract(address, V1_NOTARY_ABI, provider);
  return {
    notaryAddress: ethers.getAddress(c.ConsumptionNotary.address),
    factoryAddress: ethers.getAddress(c.CommunityFactory.address),
    chainId: async () => BigInt(await provider.send("eth_chainId", [])),
    isCommunity: (token) => factory.isCommunity(token),
    rewardDistributor: (token) => new ethers.Contract(token, platform.communityToken.abi, provider).rewardDistributor(),
    communityByName: (name) => factory.communityByName(name),
    epochCount: (token) => notary.epochCount(token),
    getEpoch: (token, number) => notary.getEpoch(token, number),
    getVersion: (token, modelKey, version) => registry.getVersion(token, modelKey, version),
    carriedLeaves: (token, number, revision = null) => carriedLeaves(notary, provider, token, number,
      Number(c.ConsumptionNotary.blockNumber || 0), revision),
    verifyTakeout: (...args) => notary.verifyTakeout(...args),
    revisionCount: (token, number) => notary.revisionCount(token, number),
    getRevision: (token, number, revision) => notary.getRevision(token, number, revision),
    revisionCommitment: (token, number, revision) => revisionCommitment(notary, token, number, revision,
      Number(c.ConsumptionNotary.blockNumber || 0)),
    verifyRevisionTakeout: (...args) => notary.verifyRevisionTakeout(...args),
    v1Epoch: async (address, token, number) => {
      const raw = await v1Call(() => v1(address).getEpoch(token, number));
      return { merkleRoot: String(raw[0][2]).toLowerCase(), committedAt: Number(raw[1]), released: raw[3] };
    },
    v1VerifyTakeout: (address, ...args) => v1Call(() => v1(address).verifyTakeout(...args)),
  };
}

async function v1Call(call) {
  try {
    return await call();
  } catch (err) {
    const data = err && (err.data || (err.info && err.info.error && err.info.error.data));
    if (typeof data === "string" && data.slice(0, 10).toLowerCase() === UNKNOWN_EPOCH) err.unknownEpoch = true;
    throw err;
  }
}

/** A revision's RevisionCommitment as its RevisionCommitted event carried it ({datasetHash, reasonHash, …}), or
 *  null (oracle.takeout_verify.revision_commitment). */
export async function revisionCommitment(notary, token, number, revision, since = 0) {
  const logs = await notary.queryFilter(notary.filters.RevisionCommitted(token, number, revision), since);
  if (!logs.length) return null;
  const c = logs[logs.length - 1].args.commitment;
  return { merkleRoot: c[0], datasetHash: c[1], leafCount: c[2], extraReward: c[3], totalReward: c[4],
    reasonHash: c[5] };
}

/** Every leaf of an epoch the chain carried to the notary: in the calldata of mined claims and pushRewards
 *  (found by their RewardClaimed / RewardsPushed events), as oracle.takeout_verify.leaves_on_chain reads them;
 *  of its revision `revision`, claimRevision and pushRevisionRewards (RevisionRewardClaimed / …Pushed). */
export async function carriedLeaves(notary, provider, token, number, since = 0, revision = null) {
  const epochOnly = revision === null;
  const [claim, push] = epochOnly ? ["claim", "pushRewards"] : ["claimRevision", "pushRevisionRewards"];
  const filters = epochOnly
    ? [notary.filters.RewardsPushed(token, number), notary.filters.RewardClaimed(token, number)]
    : [notary.filters.RevisionRewardsPushed(token, number, revision),
      notary.filters.RevisionRewardClaimed(token, number, revision)];
  const logs = [];
  for (const filter of filters) logs.push(...(await notary.queryFilter(filter, since)));
  const hashes = [...new Set(logs.map((log) => log.transactionHash.toLowerCase()))].sort();
  const notaryAddress = ethers.getAddress(await notary.getAddress());
  const leaves = [];
  for (const hash of hashes) {
    const tx = await provider.getTransaction(hash);
    if (!tx || !tx.to || ethers.getAddress(tx.to) !== notaryAddress) continue;
    const call = notary.interface.parseTransaction({ data: tx.data });
    if (!call || ethers.getAddress(call.args.community) !== token) continue;
    if (BigInt(call.args.epoch) !== BigInt(number)) continue;
    if (!epochOnly && (call.name === claim || call.name === push) && BigInt(call.args.revision) !== BigInt(revision)) {
      continue;
    }
    if (call.name === claim) {
      const a = call.args;
      leaves.push({ index: BigInt(a.index), member: ethers.getAddress(a.member), amount: BigInt(a.amount),
        dataHash: String(a.dataHash).toLowerCase(), carrier: claim, txHash: hash });
    } else if (call.name === push) {
      leaves.push(...unpackLeaves(call.args.leaves, hash, push));
    }
  }
  return leaves;
}

/** pushRewards' packed leaves: uint24 index ‖ address ‖ uint96 amount ‖ bytes32 data hash, 67 bytes each. */
export function unpackLeaves(packed, txHash, carrier = "pushRewards") {
  const bytes = ethers.getBytes(packed);
  const out = [];
  for (let at = 0; at + PACKED_LEAF_BYTES <= bytes.length; at += PACKED_LEAF_BYTES) {
    const leaf = bytes.slice(at, at + PACKED_LEAF_BYTES);
    out.push({
      index: ethers.toBigInt(leaf.slice(0, 3)), member: ethers.getAddress(ethers.hexlify(leaf.slice(3, 23))),
      amount: ethers.toBigInt(leaf.slice(23, 35)), dataHash: ethers.hexlify(leaf.slice(35)),
      carrier, txHash,
    });
  }
  return out;
}

/** Verifies a take-out document against the chain: {ok, failedPart, failure, lines} (lib/takeout-check.js). */
export function verifyTakeoutFile(doc, { platform, provider }) {
  return verifyTakeoutDocument(doc, chainReader(platform, provider));
}
