// The static demo page: load a module and a photo, run the module in the page with web/wasmgraph.js, and show the
// result. Query parameters make it scriptable for the end-to-end test: ?model=URL&image=URL runs at once, and
// &input=URL feeds raw bytes to input 0 instead of the photo (so the test can give the browser exactly the tensor
// Wasmtime got). The result is left in window.wasmgraphResult and document.body.dataset.state ('done' or 'error').

import { WasmGraphModel } from '../wasmgraph.js';
import { tensorFromRgba, preprocessingFromHints } from '../preprocessing.js';
import { detectFaces, letterbox, INPUT_SIZE } from '../blazeface.js';

const status = document.getElementById('status');
const view = document.getElementById('view');
const results = document.getElementById('results');
let model = null;
let photo = null;

function say(text, error = false) {
  status.textContent = text;
  status.className = error ? 'error' : '';
}

/** BlazeFace front has four outputs: scores [1,n,1] and regressors [1,n,16] for two anchor grids. */
function isBlazeFace(metadata) {
  const last = metadata.outputs.map((o) => o.shape[o.shape.length - 1]).sort().join(',');
  return metadata.outputs.length === 4 && last === '1,1,16,16' && metadata.inputs[0].shape.join(',') === `1,${INPUT_SIZE},${INPUT_SIZE},3`;
}

/** Draws `source` into a size x size canvas, letterboxed when `box` is given, and returns its RGBA pixels. */
function pixels(source, width, height, box) {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'black';
  ctx.fillRect(0, 0, width, height);
  if (box) {
    const scale = width / box.side;
    ctx.drawImage(source, box.padX * scale, box.padY * scale, source.width * scale, source.height * scale);
  } else {
    ctx.drawImage(source, 0, 0, width, height);
  }
  return ctx.getImageData(0, 0, width, height).data;
}

function imageInput(metadata) {
  const info = metadata.inputs[0];
  const options = preprocessingFromHints(metadata.hints);
  options.layout ??= info.shape[3] === 3 && info.shape[1] !== 3 ? 'NHWC' : 'NCHW';
  const [h, w] = options.layout === 'NHWC' ? [info.shape[1], info.shape[2]] : [info.shape[2], info.shape[3]];
  const box = isBlazeFace(metadata) ? letterbox(photo.width, photo.height) : null;
  return { tensor: tensorFromRgba(pixels(photo, w, h, box), w, h, options), box };
}

function drawFaces(faces) {
  view.width = photo.width;
  view.height = photo.height;
  const ctx = view.getContext('2d');
  ctx.drawImage(photo, 0, 0);
  const stroke = Math.max(2, Math.max(photo.width, photo.height) / 200);
  ctx.lineWidth = stroke;
  for (const f of faces) {
    ctx.strokeStyle = 'rgb(0,230,64)';
    ctx.strokeRect(f.xMin, f.yMin, f.xMax - f.xMin, f.yMax - f.yMin);
    ctx.fillStyle = 'rgb(255,64,64)';
    for (let k = 0; k < 6; k++) {
      ctx.beginPath();
      ctx.arc(f.keypoints[2 * k], f.keypoints[2 * k + 1], stroke * 1.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillStyle = 'rgb(0,230,64)';
    ctx.font = `${stroke * 8}px sans-serif`;
    ctx.fillText(f.score.toFixed(2), f.xMin, Math.max(stroke * 8, f.yMin - stroke * 2));
  }
}

/** A table built with textContent: output names come from the module, which must not be able to inject markup. */
function table(headers, rows) {
  const element = document.createElement('table');
  const addRow = (tag, values) => {
    const tr = element.appendChild(document.createElement('tr'));
    for (const v of values) tr.appendChild(document.createElement(tag)).textContent = String(v);
  };
  addRow('th', headers);
  rows.forEach((r) => addRow('td', r));
  return element;
}

/** min, max and mean without spreading the values into arguments (that overflows the stack on large outputs). */
function stats(values) {
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  return { min, max, mean: sum / values.length };
}

/** The loader's warning (a threaded module held to one thread), kept in view after every run. */
function warningNote() {
  return model?.warning ? ` (${model.warning})` : '';
}

async function run(rawInput) {
  if (!model || (!photo && !rawInput)) return;
  try {
    say('running…');
    const metadata = model.metadata;
    const { tensor, box } = rawInput ? { tensor: rawInput, box: photo ? letterbox(photo.width, photo.height) : null } : imageInput(metadata);
    const start = performance.now();
    const outputs = await model.runAsync([tensor]); // on workers for a threaded module, else on this thread
    const ms = performance.now() - start;
    const result = { ms, outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, Array.from(v.data, Number)])) };
    if (isBlazeFace(metadata) && box && photo) {
      const faces = detectFaces(outputs, box);
      result.faces = faces;
      drawFaces(faces);
      results.replaceChildren(table(['#', 'score', 'x0', 'y0', 'x1', 'y1'],
        faces.map((f, i) => [i + 1, f.score.toFixed(3), f.xMin.toFixed(1), f.yMin.toFixed(1), f.xMax.toFixed(1), f.yMax.toFixed(1)])));
      say(`${faces.length} face(s) in ${ms.toFixed(1)} ms${warningNote()}`);
    } else {
      if (photo) { view.width = photo.width; view.height = photo.height; view.getContext('2d').drawImage(photo, 0, 0); }
      results.replaceChildren(table(['output', 'shape', 'min', 'max', 'mean'], Object.entries(outputs).map(([name, o]) => {
        const { min, max, mean } = stats(Array.from(o.data, Number));
        return [name, `[${o.shape}]`, min.toPrecision(5), max.toPrecision(5), mean.toPrecision(5)];
      })));
      say(`ran ${metadata.name} in ${ms.toFixed(1)} ms${warningNote()}`);
    }
    window.wasmgraphResult = result;
    document.body.dataset.state = 'done';
  } catch (e) {
    say(`error: ${e.message}`, true);
    window.wasmgraphResult = { error: String(e.message ?? e) };
    document.body.dataset.state = 'error';
  }
}

async function loadModel(bytes) {
  model?.close();
  model = await WasmGraphModel.load(bytes);
  // A threaded module on a page without COOP/COEP runs on one thread; the loader says why, and so does the page.
  const threads = model.threads > 1 ? ` on ${model.threads} threads` : '';
  say(`loaded ${model.metadata.name}${threads}: ${model.inputs.map((i) => `${i.name} [${i.shape}]`).join(', ')}${warningNote()}`);
}

document.getElementById('model').addEventListener('change', async (e) => {
  try { await loadModel(await e.target.files[0].arrayBuffer()); await run(); } catch (err) { say(`error: ${err.message}`, true); }
});
document.getElementById('image').addEventListener('change', async (e) => {
  photo = await createImageBitmap(e.target.files[0]);
  await run();
});

const query = new URLSearchParams(location.search);
if (query.has('model')) {
  try {
    await loadModel(await fetch(query.get('model')).then((r) => r.arrayBuffer()));
    if (query.has('image')) photo = await createImageBitmap(await fetch(query.get('image')).then((r) => r.blob()));
    const raw = query.has('input') ? await fetch(query.get('input')).then((r) => r.arrayBuffer()) : null;
    await run(raw ? new Uint8Array(raw) : undefined);
  } catch (e) {
    say(`error: ${e.message}`, true);
    window.wasmgraphResult = { error: String(e.message ?? e) };
    document.body.dataset.state = 'error';
  }
}
