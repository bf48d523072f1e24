#!/usr/bin/env node
// Seeded fuzzing of what web/wasmgraph.js and web/npy.js read from untrusted bytes: module section headers, the
// metadata JSON (field by field, then instantiated and run against a fixed, harmless module body), and .npy headers.
// Every case must either succeed or throw WasmGraphError; any other exception (TypeError, RangeError, …) is a bug,
// reported with its case number so it replays. Used by tests/Web.Tests (LoaderFuzzTests).
//
//   node fuzz-loader.mjs CODE.wasm METADATA.json GOOD.npy CASES SEED
//   → {"cases": N, "outcomes": {kind: {accepted, refused}}, "failures": [...], "failureCount": F} on stdout
//
// CODE.wasm has no metadata section; its code must not loop on zero inputs (instantiated cases run it).

import { readFile } from 'node:fs/promises';
import v8 from 'node:v8';
import { WasmGraphError, WasmGraphModel, compileModule, readMetadata } from '../wasmgraph.js';
import { parseNpy } from '../npy.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const [codePath, metadataPath, npyPath, casesText, seedText] = process.argv.slice(2);
const code = new Uint8Array(await readFile(codePath));
const metadataText = await readFile(metadataPath, 'utf8');
const npy = new Uint8Array(await readFile(npyPath));
const cases = Number(casesText);

/** mulberry32: small, seeded, good enough to pick mutations. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function withMetadata(text) {
  const name = new TextEncoder().encode('wasmgraph.meta');
  const body = [...leb(name.length), ...name, ...new TextEncoder().encode(text)];
  return new Uint8Array([...code, 0, ...leb(body.length), ...body]);
}

/** Flips, overwrites, inserts, deletes or truncates a few bytes, preferring the first `hot` bytes (the headers). */
function mutateBytes(bytes, next, hot) {
  let out = Array.from(bytes);
  const count = 1 + Math.floor(next() * 4);
  const interesting = [0x00, 0x7f, 0x80, 0xff, 0xfe, 0x3f, 0x40];
  for (let k = 0; k < count; k++) {
    const at = Math.floor(next() * Math.min(out.length, next() < 0.7 ? hot : out.length));
    const op = Math.floor(next() * 5);
    if (op === 0) out[at] ^= 1 << Math.floor(next() * 8);
    else if (op === 1) out[at] = interesting[Math.floor(next() * interesting.length)];
    else if (op === 2) out.splice(at, 0, Math.floor(next() * 256));
    else if (op === 3) out.splice(at, 1);
    else out = out.slice(0, at);
  }
  return new Uint8Array(out);
}

const VALUES = [null, -1, 0, 1, 2.5, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -0, '', 'x', 'float32', 'constructor', '__proto__', [], [-1], [2 ** 31, 2 ** 31], [0], {}, true];

/** Replaces one field anywhere in the metadata (a tensor's dim, dtype, bytes, name, a list…) by an odd value. */
function mutateMetadata(next) {
  const json = JSON.parse(metadataText);
  const paths = [];
  const walk = (value, path) => {
    paths.push(path);
    if (value && typeof value === 'object') for (const key of Object.keys(value)) walk(value[key], [...path, key]);
  };
  walk(json, []);
  const count = 1 + Math.floor(next() * 2);
  let root = json;
  for (let k = 0; k < count; k++) {
    const path = paths[1 + Math.floor(next() * (paths.length - 1))];
    const value = VALUES[Math.floor(next() * VALUES.length)];
    let parent = root;
    for (const key of path.slice(0, -1)) parent = parent?.[key];
    if (parent && typeof parent === 'object') parent[path.at(-1)] = structuredClone(value);
    else root = value;
  }
  return JSON.stringify(root);
}

const failures = [];
/** Per kind, how many cases were accepted and how many refused: a fuzzer that only ever hits one is not exploring. */
const outcomes = {};
async function check(kind, index, action) {
  outcomes[kind] ??= { accepted: 0, refused: 0 };
  try {
    await action();
    outcomes[kind].accepted++;
  } catch (e) {
    if (e instanceof WasmGraphError) outcomes[kind].refused++;
    else failures.push({ kind, index, error: `${e?.name}: ${e?.message}` });
  }
}

const seed = Number(seedText);
for (let i = 0; i < cases; i++) {
  const next = random(seed * 1_000_003 + i);
  const module = withMetadata(metadataText);
  await check('module bytes', i, async () => {
    const mutated = mutateBytes(module, next, 64);
    readMetadata(mutated);
    await compileModule(mutated);
  });
  await check('metadata', i, async () => {
    const model = await WasmGraphModel.load(withMetadata(mutateMetadata(next)));
    model.run(Object.fromEntries(model.inputs.map((t) => [t.name, null])));
  });
  await check('npy', i, () => {
    const parsed = parseNpy(mutateBytes(npy, next, 128), 'fuzz.npy');
    const count = parsed.shape.reduce((a, b) => a * b, 1);
    if (parsed.data.length !== count) throw new Error(`parsed ${parsed.data.length} elements for shape [${parsed.shape}]`);
  });
}
process.stdout.write(JSON.stringify({ cases, outcomes, failures: failures.slice(0, 20), failureCount: failures.length }) + '\n');
