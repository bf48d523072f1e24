// The script of dynamic.html: window.wasmgraphResult = { runs: [{ length, outputs: { name: { shape, data } } }] }.
// Input i at extent n has the bound's shape with every dynamic axis set to n; its values are the first elements of
// the i-th block of ?input= (each block as long as input i at the largest extent asked for).
import { WasmGraphModel } from '../wasmgraph.js';

const params = new URL(window.location.href).searchParams;
const status = document.getElementById('status');

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

const shapeAt = (info, n) => info.shape.map((d, axis) => (info.dynamic_dims?.includes(axis) ? n : d));
const count = (shape) => shape.reduce((a, b) => a * b, 1);

try {
  const model = await WasmGraphModel.load(await fetchBytes(params.get('model')));
  const lengths = params.get('lengths').split(',').map(Number);
  const values = new Float32Array(await fetchBytes(params.get('input')));
  const largest = Math.max(...lengths);
  const runs = [];
  for (const n of lengths) {
    let offset = 0;
    const inputs = {};
    for (const info of model.inputs) {
      const shape = shapeAt(info, n);
      inputs[info.name] = { data: values.slice(offset, offset + count(shape)), dtype: 'float32', shape };
      offset += count(shapeAt(info, largest));
    }
    const outputs = model.run(inputs);
    runs.push({ length: n, outputs: Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, { shape: t.shape, data: Array.from(t.data) }])) });
  }
  window.wasmgraphResult = { runs };
  status.textContent = `ran at lengths ${lengths.join(', ')}`;
  document.body.dataset.state = 'done';
} catch (e) {
  window.wasmgraphResult = { error: `${e?.name}: ${e?.message}` };
  status.textContent = `error: ${e?.message}`;
  document.body.dataset.state = 'error';
}
