// Bounded dynamic inputs in the JS loader (docs/abi.md; `compile --input-shape x=2,1..8`), run with `node --test`.
//
// The module under test comes from one function, dynamicModule(): the hand-written fixture fixtures/dynamic-softmax.wat
// by default, or the file $WASMGRAPH_TEST_MODULE, a module the CLI compiled from the same function
//   y = Softmax(x, axis=1) * mask,  x, mask: float32[2, sequence]
// with --input-shape x=2,1..8 --input-shape mask=2,1..8 (tests/Web.Tests/DynamicInputLoaderTests). Tests that read
// the fixture's own metadata are skipped on a compiled module. Reference values are computed here in float64;
// tolerance 1e-5 × max|reference| (a float32 softmax over at most 8 terms).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { WasmGraphError, WasmGraphModel } from '../wasmgraph.js';
import { DYNAMIC_SOFTMAX_METADATA, dynamicSoftmaxFixture } from './fixtures.mjs';

const compiledModule = process.env.WASMGRAPH_TEST_MODULE;
const fixtureOnly = { skip: compiledModule ? 'checks the fixture\'s own metadata' : false };

/** The module under test (see the file header). */
async function dynamicModule() {
  return compiledModule ? readFile(compiledModule) : dynamicSoftmaxFixture();
}

/** Seeded values in [-2, 2), so a failure reproduces. */
function values(count, seed) {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 4 - 2;
  });
}

function tensor(data, shape) {
  return { data, dtype: 'float32', shape };
}

/** y of the graph above, in float64, for x and mask of shape [2, n]. */
function reference(x, mask, n) {
  const y = [];
  for (let r = 0; r < 2; r++) {
    const row = Array.from(x.subarray(r * n, (r + 1) * n));
    const max = Math.max(...row);
    const sum = row.reduce((a, v) => a + Math.exp(v - max), 0);
    row.forEach((v, j) => y.push((Math.exp(v - max) / sum) * mask[r * n + j]));
  }
  return { y };
}

function assertClose(actual, expected, what) {
  const scale = Math.max(1e-6, ...expected.map(Math.abs));
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-5 * scale, `${what}[${i}] = ${v}, expected ${expected[i]}`));
}

test('each length within the bounds runs at that length and returns outputs of that length', async () => {
  const model = await WasmGraphModel.load(await dynamicModule());
  for (const n of [1, 3, 8, 5]) {
    const x = values(2 * n, n);
    const mask = values(2 * n, 100 + n).map((v) => (v > -1 ? 1 : 0));
    const out = model.run({ x: tensor(x, [2, n]), mask: tensor(mask, [2, n]) });
    const expected = reference(x, mask, n);
    assert.deepEqual(out.y.shape, [2, n]);
    assertClose(out.y.data, expected.y, `y at n=${n}`);
  }
});

test('a bare typed array for an input with one dynamic axis has its extent taken from its length', async () => {
  const model = await WasmGraphModel.load(await dynamicModule());
  const x = values(2 * 5, 7);
  const mask = new Float32Array(2 * 5).fill(1);
  const out = model.run({ x, mask });
  assert.deepEqual(out.y.shape, [2, 5]);
  assertClose(out.y.data, reference(x, mask, 5).y, 'y');
});

test('the data goes in the bound layout with zeroed padding, and the dims at wg_input_dims', async () => {
  const model = await WasmGraphModel.load(await dynamicModule());
  const ones = new Float32Array(2 * 8).fill(1);
  model.run({ x: tensor(ones, [2, 8]), mask: tensor(ones, [2, 8]) });
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  model.run({ x: tensor(x, [2, 3]), mask: tensor(new Float32Array(6).fill(1), [2, 3]) });
  const memory = model.memory.buffer;
  const written = new Float32Array(memory.slice(model.inputPointers[0], model.inputPointers[0] + 64));
  assert.deepEqual(Array.from(written), [1, 2, 3, 0, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
  const dims = new Int32Array(memory.slice(model.inputDimsPointers[0], model.inputDimsPointers[0] + 8));
  assert.deepEqual(Array.from(dims), [2, 3]);
});

test('a shape outside the bounds is refused with the input, the shape and the allowed shapes, and the next run works', async () => {
  const model = await WasmGraphModel.load(await dynamicModule());
  const mask = tensor(new Float32Array(6).fill(1), [2, 3]);
  const refused = [
    [{ x: tensor(new Float32Array(18), [2, 9]), mask }, "input 'x': shape [2,9] is outside [2,1..8]"],
    [{ x: tensor(new Float32Array(12), [3, 4]), mask }, "input 'x': shape [3,4] is outside [2,1..8]"],
    [{ x: tensor(new Float32Array(16), [16]), mask }, "input 'x': shape [16] is outside [2,1..8]"],
    [{ x: tensor(new Float32Array(0), [2, 0]), mask }, "input 'x': shape [2,0] is outside [2,1..8]"],
    [{ x: new Float32Array(18), mask }, "input 'x': shape [2,9] is outside [2,1..8]"],
    [{ x: new Float32Array(7), mask }, "input 'x' [2,1..8]: 28 bytes are no whole number of 8-byte slices along axis 1"],
    [{ x: tensor(new Float32Array(5), [2, 3]), mask }, "input 'x' needs 24 bytes (float32[2,3]), got 20"],
    [{ x: { data: new Int32Array(6), dtype: 'int32', shape: [2, 3] }, mask }, "input 'x': holds int32[2,3], but input 'x' is float32[2,1..8]"],
  ];
  for (const [inputs, message] of refused) {
    assert.throws(() => model.run(inputs), (e) => e instanceof WasmGraphError && e.message === message, message);
  }
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const out = model.run({ x: tensor(x, [2, 3]), mask });
  assert.deepEqual(out.y.shape, [2, 3]);
  assertClose(out.y.data, reference(x, mask.data, 3).y, 'y after refusals');
});

test('inputs that share an extent but disagree are refused by the module (status 2), with both shapes named', async () => {
  const model = await WasmGraphModel.load(await dynamicModule());
  assert.throws(() => model.run({ x: tensor(new Float32Array(6), [2, 3]), mask: tensor(new Float32Array(8), [2, 4]) }),
    (e) => e instanceof WasmGraphError &&
      e.message === "run failed: wg_run returned 2: the module refused the input dims ('x' [2,3] of [2,1..8], 'mask' [2,4] of [2,1..8]); inputs that share a dimension must have the same extent");
});

test('a module with dynamic inputs but no wg_input_dims export is refused', fixtureOnly, async () => {
  const wat = (await import('./wat.mjs'));
  const text = (await wat.fixtureText('dynamic-softmax')).replace('(export "wg_input_dims")', '');
  const bytes = await wat.assemble(text, DYNAMIC_SOFTMAX_METADATA);
  await assert.rejects(WasmGraphModel.load(bytes), { message: "module does not implement the WasmGraph ABI: missing export 'wg_input_dims' (a function; the module has dynamic inputs)" });
});

test('metadata whose min_shape is not between 1 and the bound is refused', fixtureOnly, async () => {
  for (const min of [[2, 0], [2, 9], [1, 1], [2], null]) {
    const metadata = structuredClone(DYNAMIC_SOFTMAX_METADATA);
    metadata.inputs[0].min_shape = min;
    await assert.rejects(WasmGraphModel.load(await dynamicSoftmaxFixture(metadata)),
      { message: `model metadata gives dynamic input 'x' min_shape ${JSON.stringify(min)}, which is not a shape between [2,1] and its bound [2,8]` });
  }
});

test('wg_input_dims pointing outside the memory is refused at load', fixtureOnly, async () => {
  const wat = (await import('./wat.mjs'));
  const text = (await wat.fixtureText('dynamic-softmax')).replace('(then (i32.add (i32.const 512) (i32.mul (local.get $i) (i32.const 16))))', '(then (i32.const 65532))');
  await assert.rejects(WasmGraphModel.load(await wat.assemble(text, DYNAMIC_SOFTMAX_METADATA)),
    { message: "wg_input_dims(0) returned 65532, which is not an address of 2 dims in the module's memory" });
});
