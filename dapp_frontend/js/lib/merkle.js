// OpenZeppelin StandardMerkleTree leaves and proofs on ethers 6 (same as oracle/merkle.py and the npm package
// @openzeppelin/merkle-tree): leaf = keccak256(bytes.concat(keccak256(abi.encode(types, values)))),
// pairs hashed sorted: keccak256(min(a, b) ++ max(a, b)).
import { ethers } from "../../vendor/ethers.min.js";

/** ConsumptionNotary's leaf (v2): (index, member, amount in base units, data hash). */
export const REWARD_LEAF_ENCODING = ["uint256", "address", "uint256", "bytes32"];
/** The first notary's leaf (v1 take-out files): (member, amount, data hash). */
export const REWARD_LEAF_ENCODING_V1 = ["address", "uint256", "bytes32"];

const coder = ethers.AbiCoder.defaultAbiCoder();

/** keccak256(keccak256(abi.encode(values))) as 0x-hex; throws when a value does not fit its type. */
export function leafHash(values, encoding) {
  if (values.length !== encoding.length) {
    throw new Error(`${values.length} values for the ${encoding.length} types ${encoding.join(", ")}`);
  }
  return ethers.keccak256(ethers.keccak256(coder.encode(encoding, values)));
}

/** keccak256 of the two 32-byte nodes, the smaller first (OpenZeppelin's commutative hash). */
export function hashPair(a, b) {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return ethers.keccak256(ethers.concat(x < y ? [x, y] : [y, x]));
}

/** The root `proof` leads to from `leaf` (MerkleProof.processProof). */
export function processProof(leaf, proof) {
  return proof.reduce((node, sibling) => hashPair(node, sibling), leaf.toLowerCase());
}

/** True when `value` is a leaf under `root` with `proof` (StandardMerkleTree.verify). */
export function verifyLeaf(root, encoding, value, proof) {
  return processProof(leafHash(value, encoding), proof) === root.toLowerCase();
}
