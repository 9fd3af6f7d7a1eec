#!/usr/bin/env node
// Thin CLI over OpenZeppelin's own @openzeppelin/merkle-tree, used by test_merkle_interop.py to check
// that the Python port (oracle/merkle.py) and the on-chain ConsumptionNotary agree with the reference
// JS implementation. Reads one JSON document on stdin, writes one JSON document on stdout.
//
//   node merkle_node.js build   {"leafEncoding": [...], "values": [[...], ...], "sortLeaves": bool (default true)}
//       -> {"root": "0x..", "dump": <standard-v1 dump>, "proofs": [{"value": [...], "proof": [...]}, ...]}
//          (proofs[i] belongs to values[i]: input order, as tree.entries() yields it)
//   node merkle_node.js verify  {"dump": <standard-v1 dump>, "value": [...], "proof": [...]}
//       -> {"ok": bool, "root": "0x..", "treeVerify": bool, "staticVerify": bool}
//          or {"ok": false, "error": "..."} when the dump does not load/validate or the input is bad.
//       Batch form: {"dump": ..., "items": [{"value": [...], "proof": [...]}, ...]}
//       -> {"ok": <all ok>, "root": "0x..", "results": [{"ok": .., "treeVerify": .., "staticVerify": ..}, ...]}
//   node merkle_node.js leafhash {"leafEncoding": [...], "values": [[...], ...]} -> {"hashes": ["0x..", ...]}
//   node merkle_node.js multiproof {"dump": <standard-v1 dump>, "indexes": [i, ...]}
//       -> {"leaves": [[...], ...], "proof": ["0x..", ...], "proofFlags": [bool, ...]}
//          tree.getMultiProof(indexes): the values in the order the verifier consumes them
//          (or {"error": "..."} when the dump or an index is bad)
//   node merkle_node.js verifymulti {"root": "0x..", "leafEncoding": [...],
//                                    "leaves": [[...], ...], "proof": [...], "proofFlags": [...], "dump"?: ...}
//       -> {"ok": bool, "staticVerify": bool, "treeVerify"?: bool}
//          StandardMerkleTree.verifyMultiProof(root, leafEncoding, multiproof), and tree.verifyMultiProof
//          when a dump is given; {"ok": false, "error": "..."} when the multiproof is malformed.
//
// Numbers must be passed as decimal strings (JSON numbers above 2^53 lose precision in JS).
'use strict';

const fs = require('fs');
const path = require('path');

const { StandardMerkleTree } = require(path.resolve(__dirname, '../../node_modules/@openzeppelin/merkle-tree'));
const { standardLeafHash } = require(path.resolve(__dirname, '../../node_modules/@openzeppelin/merkle-tree/dist/hashes'));

function out(obj) {
  fs.writeSync(1, JSON.stringify(obj) + '\n');
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

function build(input) {
  const sortLeaves = input.sortLeaves === undefined ? true : Boolean(input.sortLeaves);
  const tree = StandardMerkleTree.of(input.values, input.leafEncoding, { sortLeaves });
  const proofs = [];
  for (const [i, value] of tree.entries()) {
    proofs.push({ value, proof: tree.getProof(i) });
  }
  return { root: tree.root, dump: tree.dump(), proofs };
}

function verifyOne(tree, value, proof) {
  try {
    const treeVerify = tree.verify(value, proof);
    const staticVerify = StandardMerkleTree.verify(tree.root, tree.leafEncoding, value, proof);
    return { ok: treeVerify && staticVerify, treeVerify, staticVerify };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

function loadValidated(dump) {
  const tree = StandardMerkleTree.load(dump); // load() validates too, in 1.0.8
  tree.validate(); // explicit: every value matches its leaf and every node the hash of its children
  return tree;
}

function verify(input) {
  let tree;
  try {
    tree = loadValidated(input.dump);
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
  if (Array.isArray(input.items)) {
    const results = input.items.map(item => verifyOne(tree, item.value, item.proof));
    return { ok: results.every(r => r.ok), root: tree.root, results };
  }
  return { root: tree.root, ...verifyOne(tree, input.value, input.proof) };
}

function leafhash(input) {
  return { hashes: input.values.map(v => standardLeafHash(input.leafEncoding, v)) };
}

function multiproof(input) {
  try {
    const tree = loadValidated(input.dump);
    return tree.getMultiProof(input.indexes.map(Number));
  } catch (e) {
    return { error: errorText(e) };
  }
}

function verifymulti(input) {
  const multi = { leaves: input.leaves, proof: input.proof, proofFlags: input.proofFlags };
  try {
    const staticVerify = StandardMerkleTree.verifyMultiProof(input.root, input.leafEncoding, multi);
    if (!input.dump) {
      return { ok: staticVerify, staticVerify };
    }
    const treeVerify = loadValidated(input.dump).verifyMultiProof(multi);
    return { ok: staticVerify && treeVerify, staticVerify, treeVerify };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

const commands = { build, verify, leafhash, multiproof, verifymulti };

function main() {
  const command = process.argv[2];
  if (!(command in commands)) {
    fs.writeSync(2, `usage: merkle_node.js ${Object.keys(commands).join('|')} < input.json\n`);
    process.exit(2);
  }
  let input;
  try {
    input = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (e) {
    out({ ok: false, error: `bad JSON input: ${errorText(e)}` });
    process.exit(1);
  }
  out(commands[command](input));
}

main();
