#!/usr/bin/env node
// Writes a fixture module of web/test/fixtures.mjs to a file, for tests that drive a browser or another host with it:
//   node build-fixture.mjs dynamic-softmax|threaded-centre OUT.wasm
import { writeFile } from 'node:fs/promises';
import { dynamicSoftmaxFixture, threadedCentreFixture } from './fixtures.mjs';

const fixtures = { 'dynamic-softmax': dynamicSoftmaxFixture, 'threaded-centre': () => threadedCentreFixture() };
const [name, out] = process.argv.slice(2);
if (!Object.hasOwn(fixtures, name) || out === undefined) {
  process.stderr.write(`usage: node build-fixture.mjs ${Object.keys(fixtures).join('|')} OUT.wasm\n`);
  process.exit(2);
}
await writeFile(out, await fixtures[name]());
