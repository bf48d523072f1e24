// The Node side of the sample "node" runtime (NodeRuntime.cs): loads one module with WasmGraph's JavaScript loader and
// answers run requests, one JSON object per line on stdin/stdout.
//   start:    node runner.mjs MODULE.wasm   → {"metadata": {...}, "memoryBytes": N}
//   request:  {"inputs": {"name": "<base64 raw little-endian bytes>"}}
//   reply:    {"outputs": {"name": "<base64>"}}   or   {"error": "message"}
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import { WasmGraphModel } from './wasmgraph.mjs';

// Modules use relaxed SIMD; Node 20 keeps it behind this flag (a no-op where it ships), set before compiling.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const reply = (message) => process.stdout.write(JSON.stringify(message) + '\n');

let model;
try {
  model = await WasmGraphModel.load(await readFile(process.argv[2]));
} catch (e) {
  reply({ error: String(e.message ?? e) });
  process.exit(1);
}
reply({ metadata: model.metadata, memoryBytes: model.exports.memory.buffer.byteLength });

for await (const line of createInterface({ input: process.stdin })) {
  try {
    const request = JSON.parse(line);
    const inputs = Object.fromEntries(Object.entries(request.inputs).map(([name, b64]) => [name, new Uint8Array(Buffer.from(b64, 'base64'))]));
    const outputs = model.run(inputs);
    reply({
      outputs: Object.fromEntries(Object.entries(outputs).map(([name, { data }]) =>
        [name, Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')])),
    });
  } catch (e) {
    reply({ error: String(e.message ?? e) });
  }
}
