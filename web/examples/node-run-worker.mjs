// The thread node-run.mjs runs a module in. wasm on Node's main thread cannot be interrupted (a loop in wg_run would
// hold off timers and signal handlers for ever), so the main thread keeps the clock and the signals, and ends this
// worker with worker.terminate(), which V8 honours even inside a wasm loop.
//
// workerData: { compiled: { module, metadata } (from compileModule), inputs: { name: { data, dtype, shape } | null }, repeat,
// threads }. A threaded module's own workers are this worker's children, so terminating it ends them too.
// Messages to the main thread, in order: { phase: 'load' }, then { phase: 'run', index } before each run (each one
// restarts the time limit, as the .NET runtime's is per call), then { outputs, times } or { error, user }.

import { parentPort, workerData } from 'node:worker_threads';
import { WasmGraphModel, WasmGraphError } from '../wasmgraph.js';

try {
  parentPort.postMessage({ phase: 'load' });
  const model = await WasmGraphModel.instantiate(workerData.compiled, { threads: workerData.threads });
  const times = [];
  let outputs;
  for (let r = 0; r < workerData.repeat; r++) {
    parentPort.postMessage({ phase: 'run', index: r });
    const start = performance.now();
    outputs = await model.runAsync(workerData.inputs);
    times.push(performance.now() - start);
  }
  model.close();
  parentPort.postMessage({ outputs, times }, Object.values(outputs).map((o) => o.data.buffer));
} catch (e) {
  const user = e instanceof WasmGraphError;
  parentPort.postMessage({ error: user ? e.message : `${e?.name}: ${e?.message}`, stack: user ? undefined : e?.stack, user });
}
