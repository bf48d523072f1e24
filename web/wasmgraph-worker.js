// The worker that runs one share of a threaded WasmGraph module (docs/abi.md, threaded modules), in Node
// (worker_threads) and in browsers (a module Web Worker). wasmgraph.js starts one per thread and talks to it:
//   { type: 'init', module, memory }        → { type: 'ready' } or { type: 'failed', message }
//   { type: 'run', id, worker, workers }    → { type: 'done', id, status } or { type: 'trap', id, message }
// The worker instantiates the module against the shared memory once and calls wg_run_worker(worker, workers) for each
// run. After a trap its instance is in an unknown state (its stack pointer, say), so it instantiates a fresh one before
// answering; the memory's data segments were initialised once by the first instance and are not touched again.

const browser = typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;
const port = browser ? globalThis : (await import('node:worker_threads')).parentPort;
const reply = (message) => port.postMessage(message);

let module;
let memory;
let instance;

async function instantiate() {
  instance = await WebAssembly.instantiate(module, { env: { memory } });
}

async function handle(message) {
  if (message.type === 'init') {
    ({ module, memory } = message);
    try {
      await instantiate();
      reply({ type: 'ready' });
    } catch (e) {
      reply({ type: 'failed', message: `${e?.name}: ${e?.message}` });
    }
  } else if (message.type === 'run') {
    let status;
    try {
      status = instance.exports.wg_run_worker(message.worker, message.workers);
    } catch (e) {
      const trap = `${e?.name}: ${e?.message}`;
      try {
        await instantiate();
      } catch (again) {
        reply({ type: 'trap', id: message.id, message: `${trap} (and a fresh instance failed: ${again?.message})` });
        return;
      }
      reply({ type: 'trap', id: message.id, message: trap });
      return;
    }
    // i64, f32 or f64 results arrive as BigInts or fractions: not an i32 (docs/abi.md), so not a success either.
    if (!Number.isInteger(status)) reply({ type: 'trap', id: message.id, message: `wg_run_worker returned ${String(status)}, not an i32` });
    else reply({ type: 'done', id: message.id, status });
  }
}

if (browser) globalThis.addEventListener('message', (e) => handle(e.data));
else port.on('message', handle);
