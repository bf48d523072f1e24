// Times onnxruntime-web (WebAssembly, SIMD, 1 thread, or ORT_WEB_THREADS threads: its threaded build runs its pool on
// Node worker_threads) on one model under Node: the WebAssembly peer of `wasmgraph bench`.
// Usage: node ort-web-bench.mjs MODEL.onnx INPUTS.json REPEAT
// INPUTS.json: [{ "name": "...", "dtype": "float32" | "int64" | ..., "shape": [...], "file": "raw little-endian bytes" }]
// Prints one JSON line: { "median_ms": ..., "min_ms": ..., "runs": N, "outputs": { name: [first 8 values] } }.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ortPath = process.env.ORT_WEB_PATH;
const ort = ortPath ? await import(ortPath) : require('onnxruntime-web');

const [modelPath, inputsPath, repeatText] = process.argv.slice(2);
const repeat = Number(repeatText ?? 10);

ort.env.wasm.numThreads = Number(process.env.ORT_WEB_THREADS ?? 1);
ort.env.wasm.simd = true;
ort.env.wasm.proxy = false;
ort.env.logLevel = 'error';

const arrays = {
  float32: Float32Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array, int8: Int8Array, float64: Float64Array,
};

const session = await ort.InferenceSession.create(readFileSync(modelPath), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
const feeds = {};
for (const input of JSON.parse(readFileSync(inputsPath, 'utf8'))) {
  const bytes = readFileSync(input.file);
  const Array = arrays[input.dtype];
  const data = new Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / Array.BYTES_PER_ELEMENT);
  feeds[input.name] = new ort.Tensor(input.dtype, data, input.shape);
}

let outputs = await session.run(feeds); // warm-up
const times = [];
for (let i = 0; i < repeat; i++) {
  const start = process.hrtime.bigint();
  outputs = await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const preview = Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, Array.from(t.data.slice(0, 8), Number)]));
console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], runs: repeat, outputs: preview }));
