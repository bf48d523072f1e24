// The web tests' fixture modules (web/test/fixtures/*.wat), assembled with their metadata. Each models one part of
// the ABI exactly as docs/abi.md and /work specs define it; the tests that use them take the module from one function
// so that the same test can run on a module compiled by the CLI from the same function (see the tests' headers).

import { assemble, fixtureText } from './wat.mjs';

/** Metadata of fixtures/dynamic-softmax.wat: x and mask float32[2, 1..8] in, y float32[2, ≤8] out. */
export const DYNAMIC_SOFTMAX_METADATA = Object.freeze({
  abi_version: 1,
  name: 'dynamic-softmax',
  inputs: [
    { name: 'x', dtype: 'float32', shape: [2, 8], bytes: 64, dynamic_dims: [1], min_shape: [2, 1] },
    { name: 'mask', dtype: 'float32', shape: [2, 8], bytes: 64, dynamic_dims: [1], min_shape: [2, 1] },
  ],
  outputs: [{ name: 'y', dtype: 'float32', shape: [2, 8], bytes: 64, dynamic_dims: [1] }],
});

/** The bounded dynamic input fixture; `metadata` replaces its metadata (for hostile variants). */
export async function dynamicSoftmaxFixture(metadata = DYNAMIC_SOFTMAX_METADATA) {
  return assemble(await fixtureText('dynamic-softmax'), metadata, 'dynamic-softmax.wat');
}

/** The length of the threaded fixture's input and output. */
export const THREADED_LENGTH = 4096;

/** Metadata of fixtures/threaded-centre.wat: up to 4 workers, one 64 KiB page of shared memory. */
export function threadedCentreMetadata({ threads = 4, pages = 1 } = {}) {
  return {
    abi_version: 1,
    name: 'threaded-centre',
    threads,
    shared_memory: { initial_pages: pages, maximum_pages: pages },
    inputs: [{ name: 'x', dtype: 'float32', shape: [THREADED_LENGTH], bytes: 4 * THREADED_LENGTH }],
    outputs: [
      { name: 'y', dtype: 'float32', shape: [THREADED_LENGTH], bytes: 4 * THREADED_LENGTH },
      { name: 'm', dtype: 'float32', shape: [], bytes: 4 },
    ],
  };
}

/**
 * The threaded fixture. `variant`: 'trap' makes worker 1 trap (unreachable) when x[0] is -Infinity, 'hang' makes it
 * loop for ever without looking at the abort flag; other inputs run normally, so a test can check the next run.
 * `memory` replaces the text of its memory import (for hostile variants).
 */
export async function threadedCentreFixture({ variant, metadata = threadedCentreMetadata(), memory } = {}) {
  const misbehave = {
    trap: '(if (i32.and (i32.eq (local.get $worker) (i32.const 1)) (f32.eq (f32.load (i32.const 4096)) (f32.const -inf))) (then (unreachable)))',
    hang: '(if (i32.and (i32.eq (local.get $worker) (i32.const 1)) (f32.eq (f32.load (i32.const 4096)) (f32.const -inf))) (then (loop $forever (br $forever))))',
  }[variant] ?? '';
  const substitutions = { misbehave };
  if (memory !== undefined) substitutions.memory = memory;
  return assemble(await fixtureText('threaded-centre', { memory: '(import "env" "memory" (memory 1 1 shared))', ...substitutions }), metadata, 'threaded-centre.wat');
}
