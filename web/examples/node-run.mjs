#!/usr/bin/env node
// Runs a WasmGraph module in Node with web/wasmgraph.js: the same .wasm the .NET host runs in Wasmtime.
//
//   node web/examples/node-run.mjs MODULE.wasm [--input NAME=FILE.npy]... [--output-dir DIR] [--repeat N]
//
// Inputs not given are zeros. Prints each output's shape and min/max/mean (as `wasmgraph run` does) and the median run
// time; with --output-dir writes DIR/<output>.npy, which tests compare with `wasmgraph run --output-dir`.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import v8 from 'node:v8';
import { join } from 'node:path';
import { WasmGraphModel, DTYPES } from '../wasmgraph.js';
import { parseNpy, formatNpy } from '../npy.js';

function usage(message) {
  if (message) console.error(`error: ${message}`);
  console.error('usage: node node-run.mjs MODULE.wasm [--input NAME=FILE.npy]... [--output-dir DIR] [--repeat N]');
  process.exit(2);
}

const args = process.argv.slice(2);
const files = {};
let modulePath;
let outputDir;
let repeat = 1;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--input') {
    const spec = args[++i] ?? usage('--input needs NAME=FILE.npy');
    const eq = spec.lastIndexOf('=');
    if (eq <= 0) usage(`--input '${spec}': expected NAME=FILE.npy`);
    files[spec.slice(0, eq)] = spec.slice(eq + 1);
  } else if (arg === '--output-dir') {
    outputDir = args[++i] ?? usage('--output-dir needs a folder');
  } else if (arg === '--repeat') {
    repeat = Number(args[++i]);
    if (!(repeat >= 1)) usage('--repeat must be at least 1');
  } else if (arg.startsWith('-')) {
    usage(`unknown option ${arg}`);
  } else if (!modulePath) {
    modulePath = arg;
  } else {
    usage(`unexpected argument ${arg}`);
  }
}
if (!modulePath) usage('no module given');

// Modules use relaxed SIMD (f32x4.relaxed_madd). Node 22+ has it on; Node 20's V8 keeps it behind a flag, which must be
// set before the first wasm compilation (a no-op where the feature is already shipped).
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const loadStart = performance.now();
const model = await WasmGraphModel.load(await readFile(modulePath));
const loadMs = performance.now() - loadStart;

const inputs = {};
for (const info of model.inputs) {
  if (files[info.name]) {
    const npy = parseNpy(await readFile(files[info.name]));
    if (npy.dtype !== info.dtype) usage(`${files[info.name]} is ${npy.dtype}, input '${info.name}' is ${info.dtype}`);
    inputs[info.name] = npy.data;
  } else {
    inputs[info.name] = new DTYPES[info.dtype](info.bytes / DTYPES[info.dtype].BYTES_PER_ELEMENT);
  }
}
for (const name of Object.keys(files)) {
  if (!model.inputs.some((i) => i.name === name)) usage(`the module has no input '${name}' (inputs: ${model.inputs.map((i) => i.name).join(', ')})`);
}

const times = [];
let outputs;
for (let r = 0; r < repeat; r++) {
  const start = performance.now();
  outputs = model.run(inputs);
  times.push(performance.now() - start);
}

for (const [name, { data, shape, dtype }] of Object.entries(outputs)) {
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of data) { const x = Number(v); min = Math.min(min, x); max = Math.max(max, x); sum += x; }
  console.log(`${name}\t${dtype}\t[${shape.join(',')}]\tmin ${min.toPrecision(6)}\tmax ${max.toPrecision(6)}\tmean ${(sum / data.length).toPrecision(6)}`);
  if (outputDir) {
    await mkdir(outputDir, { recursive: true });
    const file = join(outputDir, name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+|\.+$/g, '') + '.npy');
    await writeFile(file, formatNpy(data, dtype, shape));
  }
}
const first = times[0];
times.sort((a, b) => a - b);
console.log(`node ${process.version}: load ${loadMs.toFixed(1)} ms, first run ${first.toFixed(2)} ms, median of ${repeat} ${times[Math.floor(repeat / 2)].toFixed(2)} ms`);
