#!/usr/bin/env node
// A native-solc stand-in for py-solc-x / brownie / crytic-compile: answers `--version` and
// `--standard-json` (stdin -> stdout) with the npm `solc` package (WebAssembly), so nothing
// is ever downloaded. Imports resolve from the project root and its node_modules.
'use strict';
const fs = require('fs');
const path = require('path');

const projectRoot = path.resolve(__dirname, '..', '..');
const solc = require(path.join(projectRoot, 'node_modules', 'solc'));

function writeAll(text) {
  // process.stdout.write may truncate on a pipe when the process exits early; write synchronously.
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function findImport(importPath) {
  const candidates = [
    path.resolve(importPath),
    path.join(projectRoot, importPath),
    path.join(projectRoot, 'node_modules', importPath),
  ];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    }
  }
  return { error: `File not found: ${importPath}` };
}

const args = process.argv.slice(2);
if (args.includes('--version')) {
  writeAll(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solcjs-standard-json: only --version and --standard-json are supported\n');
  process.exit(2);
}
const input = fs.readFileSync(0, 'utf8');
writeAll(solc.compile(input, { import: findImport }));
