#!/usr/bin/env node
// Copies the ABI and creation bytecode of every contract the Rust side deploys or calls from
// forge's out/ into crates/vigil-chain/artifacts/, where alloy's sol! macro reads them. The copies
// are committed so that cargo builds without forge; `--check` fails if they are stale.
//
//   node script/export-artifacts.mjs          # after `forge build`
//   node script/export-artifacts.mjs --check  # CI
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out");
const dest = join(here, "..", "..", "crates", "vigil-chain", "artifacts");
const names = [
  // Production: Vigil's contracts and the proxies they are deployed behind (src/).
  "EmptyContract", "ProxyAdmin", "TransparentUpgradeableProxy",
  "VigilServiceManager", "VigilRegistrar", "VigilVerifier", "VigilBatchRoots", "VigilSlasher",
  // Local chains only (dev/, compiled because the forge tests import them): vigil-chain binds them
  // behind its `anvil` feature.
  "PauserRegistry", "Strategy", "TestToken",
];
const check = process.argv.includes("--check");

function find(name) {
  for (const dir of readdirSync(out)) {
    const p = join(out, dir, `${name}.json`);
    if (existsSync(p)) return p;
  }
  throw new Error(`no artifact for ${name} in ${out}: run forge build first`);
}

let stale = [];
if (!check) mkdirSync(dest, { recursive: true });
for (const name of names) {
  const art = JSON.parse(readFileSync(find(name), "utf8"));
  const text = JSON.stringify({ abi: art.abi, bytecode: { object: art.bytecode.object } }, null, 1) + "\n";
  const target = join(dest, `${name}.json`);
  if (check) {
    if (!existsSync(target) || readFileSync(target, "utf8") !== text) stale.push(name);
  } else {
    writeFileSync(target, text);
  }
}
if (stale.length) {
  console.error(`stale artifacts in crates/vigil-chain/artifacts: ${stale.join(", ")}\n` +
    "run: (cd contracts && node_modules/.bin/forge build && node script/export-artifacts.mjs)");
  process.exit(1);
}
console.log(check ? "artifacts are up to date" : `wrote ${names.length} artifacts to ${dest}`);
