// Times one WasmGraph module under Node through web/wasmgraph.js, the loader a JavaScript user runs: the Node side of
// `wasmgraph bench`'s target-profile table. Usage: node [flags] wasmgraph-bench.mjs MODULE.wasm INPUTS.json REPEAT
// INPUTS.json as for ort-web-bench.mjs: [{ "name", "dtype", "shape", "file": raw little-endian bytes }].
// Prints one JSON line: { "median_ms": ..., "min_ms": ..., "runs": N, "target": the module's profile }.
import { readFileSync } from 'node:fs';
import { WasmGraphModel } from '../../web/wasmgraph.js';

const [modulePath, inputsPath, repeatText] = process.argv.slice(2);
const repeat = Number(repeatText ?? 10);

const model = await WasmGraphModel.load(readFileSync(modulePath));
const inputs = {};
for (const input of JSON.parse(readFileSync(inputsPath, 'utf8'))) {
  inputs[input.name] = new Uint8Array(readFileSync(input.file)); // raw bytes, as the ABI takes them
}

model.run(inputs); // warm-up
const times = [];
for (let i = 0; i < repeat; i++) {
  const start = process.hrtime.bigint();
  model.run(inputs);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], runs: repeat, target: model.metadata.target }));
