// The script of threads.html: window.wasmgraphResult = { crossOriginIsolated, threads, warning, outputs, single },
// outputs and single each { name: [numbers] } (from the workers, and from one thread on this page's thread).
import { WasmGraphModel } from '../wasmgraph.js';

const params = new URL(window.location.href).searchParams;
const status = document.getElementById('status');

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const plain = (outputs) => Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, Array.from(t.data, Number)]));

try {
  const bytes = await fetchBytes(params.get('model'));
  const input = await fetchBytes(params.get('input'));
  const options = params.has('threads') ? { threads: Number(params.get('threads')) } : {};
  const model = await WasmGraphModel.load(bytes, options);
  // The loader's warning is also the page's: a user sees why the model runs on one thread.
  document.getElementById('warning').textContent = model.warning ?? '';
  const name = model.inputs[0].name;
  const outputs = await model.runAsync({ [name]: input });
  const single = await WasmGraphModel.load(bytes, { threads: 1 });
  window.wasmgraphResult = {
    crossOriginIsolated: window.crossOriginIsolated,
    threads: model.threads,
    warning: model.warning ?? null,
    shownWarning: document.getElementById('warning').textContent,
    outputs: plain(outputs),
    single: plain(single.run({ [name]: input })),
  };
  model.close();
  status.textContent = `ran on ${model.threads} thread${model.threads === 1 ? '' : 's'}`;
  document.body.dataset.state = 'done';
} catch (e) {
  window.wasmgraphResult = { error: `${e?.name}: ${e?.message}` };
  status.textContent = `error: ${e?.message}`;
  document.body.dataset.state = 'error';
}
