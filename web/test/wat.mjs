// Assembles the web tests' fixture modules: WebAssembly text (npm wabt, web/package.json's devDependency, installed by
// scripts/install-wabt.sh into .cache/wabt) plus a `wasmgraph.meta` custom section holding the metadata JSON.
// Fixtures are hand-written models of the ABI of docs/abi.md, so the loader can be tested on modules no compiler in
// this tree emits yet, and on hostile ones no compiler would emit.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** node_modules holding wabt: $WASMGRAPH_WABT, else the one scripts/install-wabt.sh fills. */
const wabtModules = process.env.WASMGRAPH_WABT ?? join(here, '..', '..', '.cache', 'wabt', 'node_modules');

let wabt;

/** The binary of `wat` (threads and the other post-MVP features on), with `metadata` (an object or JSON text) as its wasmgraph.meta section. */
export async function assemble(wat, metadata, fileName = 'fixture.wat') {
  if (wabt === undefined) {
    let factory;
    try {
      factory = createRequire(join(wabtModules, 'wabt', 'package.json'))('wabt');
    } catch (e) {
      throw new Error(`npm wabt is not installed in ${wabtModules}; run scripts/install-wabt.sh (${e.message})`);
    }
    wabt = await factory();
  }
  const parsed = wabt.parseWat(fileName, wat, { threads: true, bulk_memory: true, mutable_globals: true, sat_float_to_int: true });
  try {
    // wabt's validate() ignores the features given to parseWat (it refuses any shared memory), so validation is left
    // to the engine, which compiles every fixture before it runs.
    parsed.resolveNames();
    const { buffer } = parsed.toBinary({});
    return metadata === undefined ? buffer : withCustomSection(buffer, 'wasmgraph.meta', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
  } finally {
    parsed.destroy();
  }
}

/** The text of web/test/fixtures/NAME.wat with each `{{key}}` replaced by `substitutions[key]` (absent keys: empty). */
export async function fixtureText(name, substitutions = {}) {
  const text = await readFile(join(here, 'fixtures', `${name}.wat`), 'utf8');
  return text.replace(/\{\{(\w+)\}\}/g, (_, key) => substitutions[key] ?? '');
}

/** `bytes` with a custom section `name` holding `content` (a string, UTF-8) appended. */
export function withCustomSection(bytes, name, content) {
  const encoder = new TextEncoder();
  const nameBytes = encoder.encode(name);
  const contentBytes = encoder.encode(content);
  const payload = [...leb128(nameBytes.length), ...nameBytes, ...contentBytes];
  const section = new Uint8Array([0, ...leb128(payload.length), ...payload]);
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes);
  out.set(section, bytes.length);
  return out;
}

function leb128(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
