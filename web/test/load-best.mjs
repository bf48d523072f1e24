// Loads the module set `wasmgraph compile --target all -o MODEL.wasm` wrote (targetSet), lets the loader pick the
// fastest profile this engine runs (WasmGraphModel.loadBest), runs it on one .npy input per model input, writes each
// output as OUT_DIR/<name>.npy and prints { target, supported } as JSON. Used by tests/Web.Tests (TargetSelectionTests):
//   node [--experimental-wasm-relaxed-simd] web/test/load-best.mjs MODEL.wasm OUT_DIR [NAME=FILE.npy]...
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WasmGraphModel, targetSet, supportedTargets } from '../wasmgraph.js';
import { parseNpy, formatNpy } from '../npy.js';

const [modelPath, outDir, ...inputArgs] = process.argv.slice(2);
// Only the files that exist are offered, each read only if chosen.
const set = Object.fromEntries(Object.entries(targetSet(modelPath))
  .filter(([, file]) => existsSync(file))
  .map(([target, file]) => [target, () => readFile(file)]));
const model = await WasmGraphModel.loadBest(set);
const inputs = {};
for (const arg of inputArgs) {
  const eq = arg.indexOf('=');
  // A copy into a plain Uint8Array: a Node Buffer may be a view into a shared pool, and npy.js's typedArrayOf copies
  // with slice(), which on a Buffer is another view into that pool.
  inputs[arg.slice(0, eq)] = parseNpy(new Uint8Array(await readFile(arg.slice(eq + 1))), arg.slice(eq + 1));
}
const outputs = model.run(inputs);
await mkdir(outDir, { recursive: true });
for (const [name, tensor] of Object.entries(outputs)) {
  await writeFile(path.join(outDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`), formatNpy(tensor.data, tensor.dtype, tensor.shape));
}
console.log(JSON.stringify({ target: model.target, supported: supportedTargets() }));
