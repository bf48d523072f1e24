// Threaded modules in the JS loader on Node worker_threads (docs/abi.md; `compile --threads N`), run with `node --test`.
//
// The module under test comes from one function, threadedModule(): the hand-written fixture
// fixtures/threaded-centre.wat by default (compiled maximum 4 workers), or the file $WASMGRAPH_TEST_MODULE, a module the
// CLI compiled from the same function
//   m = ReduceMean(x, keepdims=0),  y = x - m,  x: float32[4096]
// with --threads 4 --deterministic (tests/Web.Tests/ThreadedLoaderTests). The misbehaving variants (a worker that traps,
// one that hangs) and hostile metadata exist only as fixtures; those tests are skipped on a compiled module.
// A run on K workers must equal the run on the calling thread exactly (the fixture sums its blocks in a fixed order;
// a compiled module does with --deterministic); the reference in float64 is met within 1e-5 × max|reference|.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { WasmGraphError, WasmGraphModel, readMetadata } from '../wasmgraph.js';
import { THREADED_LENGTH, threadedCentreFixture, threadedCentreMetadata } from './fixtures.mjs';
import { assemble, fixtureText } from './wat.mjs';

const compiledModule = process.env.WASMGRAPH_TEST_MODULE;
const fixtureOnly = { skip: compiledModule ? 'needs a misbehaving fixture' : false };

/** The module under test (see the file header). */
async function threadedModule() {
  return compiledModule ? readFile(compiledModule) : threadedCentreFixture();
}

function values(count, seed) {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 4 - 1;
  });
}

function assertSame(actual, expected, what) {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = new Uint32Array(actual.data.buffer, actual.data.byteOffset, actual.data.length);
  const b = new Uint32Array(expected.data.buffer, expected.data.byteOffset, expected.data.length);
  const first = a.findIndex((bits, i) => bits !== b[i]);
  assert.ok(a.length === b.length && first < 0, `${what}: differs first at ${first}: ${actual.data[first]} vs ${expected.data[first]}`);
}

const x = values(THREADED_LENGTH, 3);
const poisoned = x.slice();
poisoned[0] = -Infinity; // makes the fixture's worker 1 misbehave

test('a run on 2, 3 and 4 workers equals the run on the calling thread, and the reference', async () => {
  const bytes = await threadedModule();
  const single = await WasmGraphModel.load(bytes, { threads: 1 });
  assert.equal(single.threads, 1);
  const expected = single.run({ x });
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  assert.ok(Math.abs(expected.m.data[0] - mean) <= 1e-5 * Math.max(...x.map(Math.abs)), `m = ${expected.m.data[0]}, expected ${mean}`);
  expected.y.data.forEach((v, i) => assert.ok(Math.abs(v - (x[i] - mean)) <= 1e-5 * 3, `y[${i}]`));
  for (const threads of [2, 3, 4]) {
    const model = await WasmGraphModel.load(bytes, { threads });
    try {
      assert.equal(model.threads, threads);
      assert.equal(model.warning, undefined);
      for (let repeat = 0; repeat < 3; repeat++) {
        const out = await model.runAsync({ x });
        assertSame(out.y, expected.y, `y on ${threads} workers, run ${repeat + 1}`);
        assertSame(out.m, expected.m, `m on ${threads} workers, run ${repeat + 1}`);
      }
    } finally {
      model.close();
    }
  }
});

test('by default a threaded module uses min(cores, its compiled maximum) workers', async () => {
  const bytes = await threadedModule();
  const model = await WasmGraphModel.load(bytes);
  try {
    assert.equal(model.threads, Math.min(availableParallelism(), readMetadata(bytes).threads));
  } finally {
    model.close();
  }
});

test('run() on a model with workers points at runAsync; runs of one model take turns', async () => {
  const model = await WasmGraphModel.load(await threadedModule(), { threads: 2 });
  try {
    assert.throws(() => model.run({ x }), { message: 'this model runs on 2 worker threads; use await model.runAsync(inputs) (or load it with { threads: 1 })' });
    const other = values(THREADED_LENGTH, 5);
    const [a, b] = await Promise.all([model.runAsync({ x }), model.runAsync({ x: other })]);
    const single = await WasmGraphModel.load(await threadedModule(), { threads: 1 });
    assertSame(a.y, single.run({ x }).y, 'first of two concurrent runs');
    assertSame(b.y, single.run({ x: other }).y, 'second of two concurrent runs');
  } finally {
    model.close();
  }
});

test('a worker count outside 1..N is refused', async () => {
  const bytes = await threadedModule();
  const n = readMetadata(bytes).threads;
  for (const threads of [0, n + 1, 1.5, '2']) {
    await assert.rejects(WasmGraphModel.load(bytes, { threads }),
      { message: `threads: ${JSON.stringify(threads)} is not a worker count from 1 to ${n} (the module was compiled with --threads ${n})` });
  }
});

test('a trapping worker fails the run naming it, the others stop at the abort flag, and the next run works', fixtureOnly, async () => {
  const bytes = await threadedCentreFixture({ variant: 'trap' });
  const expected = (await WasmGraphModel.load(bytes, { threads: 1 })).run({ x });
  const model = await WasmGraphModel.load(bytes, { threads: 3 });
  try {
    // Many rounds: an aborted run leaves the barrier as it found it, and a lost local across memory.atomic.wait32
    // (V8 11.3's Liftoff, see the fixture's $wait_1ms) showed up as a wrong run after a trap within a few rounds.
    for (let attempt = 0; attempt < 25; attempt++) {
      await assert.rejects(model.runAsync({ x: poisoned }), (e) => e instanceof WasmGraphError && e.message === 'run failed: worker 1 of 3 trapped: RuntimeError: unreachable');
      const out = await model.runAsync({ x });
      assertSame(out.y, expected.y, `y after trap ${attempt + 1}`);
    }
  } finally {
    model.close();
  }
});

test('a worker stuck past the time limit fails the run, is replaced, and the next run works', fixtureOnly, async () => {
  const bytes = await threadedCentreFixture({ variant: 'hang' });
  const expected = (await WasmGraphModel.load(bytes, { threads: 1 })).run({ x });
  const model = await WasmGraphModel.load(bytes, { threads: 2, timeoutMs: 300 });
  try {
    await assert.rejects(model.runAsync({ x: poisoned }), { message: 'run failed: the run took longer than 300 ms and was aborted' });
    assertSame((await model.runAsync({ x })).y, expected.y, 'y after the time-out');
  } finally {
    model.close();
  }
});

test('a threaded module must import exactly a shared env.memory of the metadata\'s size', fixtureOnly, async () => {
  const cases = [
    ['(import "env" "memory" (memory 1 1))', 'threaded module imports an unshared memory of 1..1 pages; expected one import, env.memory: a shared memory of 1..1 pages (metadata \'shared_memory\')'],
    ['(import "env" "memory" (memory 2 2 shared))', 'threaded module imports a shared memory of 2..2 pages; expected one import, env.memory: a shared memory of 1..1 pages (metadata \'shared_memory\')'],
    ['(import "js" "mem" (memory 1 1 shared))', 'threaded module imports 1 item (js.mem (memory)); expected one import, env.memory: a shared memory of 1..1 pages (metadata \'shared_memory\')'],
    ['(import "env" "memory" (memory 1 1 shared)) (import "env" "clock" (func))', 'threaded module imports 2 items (env.memory (memory), env.clock (function)); expected one import, env.memory: a shared memory of 1..1 pages (metadata \'shared_memory\')'],
  ];
  for (const [memory, message] of cases) {
    await assert.rejects(WasmGraphModel.load(await threadedCentreFixture({ memory })), { message });
  }
});

test('threaded metadata is checked: threads 2..64 with a shared_memory of 1..65536 pages', fixtureOnly, async () => {
  const cases = [
    [{ threads: 1 }, "model metadata: 'threads' is 1, expected an integer from 2 to 64"],
    [{ threads: 65 }, "model metadata: 'threads' is 65, expected an integer from 2 to 64"],
    [{ shared_memory: undefined }, 'model metadata: a threaded module needs \'shared_memory\' {"initial_pages": P, "maximum_pages": Q} with 1 ≤ P ≤ Q ≤ 65536, got undefined'],
    [{ shared_memory: { initial_pages: 2, maximum_pages: 1 } }, 'model metadata: a threaded module needs \'shared_memory\' {"initial_pages": P, "maximum_pages": Q} with 1 ≤ P ≤ Q ≤ 65536, got {"initial_pages":2,"maximum_pages":1}'],
    [{ shared_memory: { initial_pages: 1, maximum_pages: 65537 } }, 'model metadata: a threaded module needs \'shared_memory\' {"initial_pages": P, "maximum_pages": Q} with 1 ≤ P ≤ Q ≤ 65536, got {"initial_pages":1,"maximum_pages":65537}'],
  ];
  for (const [change, message] of cases) {
    const metadata = { ...threadedCentreMetadata(), ...change };
    await assert.rejects(WasmGraphModel.load(await threadedCentreFixture({ metadata })), { message });
  }
  // The same code with its own memory and without the threaded keys is an ordinary module: it runs on the calling thread.
  const single = await fixtureText('threaded-centre', { memory: '(memory (export "memory") 1)' });
  const { threads, shared_memory, ...unthreaded } = threadedCentreMetadata();
  const model = await WasmGraphModel.load(await assemble(single, unthreaded));
  assert.equal(model.threads, 1);
  const expected = (await WasmGraphModel.load(await threadedCentreFixture(), { threads: 1 })).run({ x });
  assertSame(model.run({ x }).y, expected.y, 'y of the unthreaded build');
});
