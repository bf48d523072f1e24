#!/usr/bin/env node
// Runs a WasmGraph module in Node with web/wasmgraph.js: the same .wasm the .NET host runs in Wasmtime.
//
//   node web/examples/node-run.mjs MODULE.wasm [--input NAME=FILE.npy]... [--output-dir DIR] [--repeat N] [--timeout S]
//
// Inputs not given are zeros. Prints each output's shape and min/max/mean (as `wasmgraph run` does) and the median run
// time; with --output-dir writes DIR/<output>.npy, which tests compare with `wasmgraph run --output-dir`.
//
// It follows the CLI's rules (docs/reliability.md): bad input of any kind (arguments, module, .npy) is one `error:`
// line on stderr and exit 2, everything checked before the module runs; a bug of ours is `internal error:` and exit 1;
// never a stack trace. The module runs in a worker thread (node-run-worker.mjs) so that the time limit and SIGINT/SIGTERM
// can stop it: exit 2 for the time limit, 130 and 143 for the signals.

import { Worker } from 'node:worker_threads';
import v8 from 'node:v8';
import { join } from 'node:path';
import { MAX_THREADS, WasmGraphError, compileModule, isThreaded, typeOf } from '../wasmgraph.js';
import { formatNpy } from '../npy.js';
import { commitOutput, describeSystemError, isSystemError, prepareOutputDirectory, readNpyInput, readRegularFile, removeReservedOutputs, reserveOutput } from './node-files.mjs';

const USAGE = `usage: wasmgraph-run MODULE.wasm [options]   (from a checkout: node web/examples/node-run.mjs …)

Runs a module compiled by WasmGraph in Node (V8) and prints each output's dtype, shape, min, max and mean.

options:
  -i, --input NAME=FILE.npy  an input from a .npy file (repeatable); NAME= may be left out when the module has one
                             input; inputs not given are zeros
  --output-dir DIR           write each output to DIR/<output-name>.npy
  --repeat N                 run N times and report the median time (default 1)
  --timeout SECONDS          wall-clock limit for loading the module and for each run (default ${600})
  --threads K                workers for one run of a threaded module (compile --threads N; 1 ≤ K ≤ N, default 1)
  -h, --help                 show this help`;

const DEFAULT_TIMEOUT_SECONDS = 600;
/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
const MAX_REPEAT = 1_000_000;
/** V8 refuses larger modules (kV8MaxWasmModuleSize), so reading more would only cost memory. */
const MAX_MODULE_BYTES = 1024 ** 3;
const EXIT = { internal: 1, user: 2, sigint: 130, sigterm: 143 };
const OPTIONS = ['--input', '-i', '--output-dir', '--repeat', '--timeout', '--threads', '--help', '-h'];

/** Control characters (C0, DEL, C1) and bidirectional overrides shown as escapes: module strings reach a terminal. */
export function printable(text) {
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function fail(message) {
  throw new WasmGraphError(message);
}

/** Levenshtein distance, to name the known option closest to a mistyped one. */
function distance(a, b) {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

function parseSeconds(text) {
  const value = /^\s*[0-9]*\.?[0-9]+(e[-+]?[0-9]+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!(value > 0) || !Number.isFinite(value)) fail(`--timeout must be a positive number of seconds, got '${text}'`);
  if (value > MAX_TIMEOUT_SECONDS) fail(`--timeout must be at most ${MAX_TIMEOUT_SECONDS} seconds, got '${text}'`);
  return value;
}

function parseThreads(text) {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_THREADS) fail(`--threads must be a whole number from 1 to ${MAX_THREADS}, got '${text}'`);
  return Number(text);
}

function parseRepeat(text) {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_REPEAT) fail(`--repeat must be a whole number from 1 to ${MAX_REPEAT}, got '${text}'`);
  return Number(text);
}

export function parseArguments(args) {
  const parsed = { inputs: [], outputDir: undefined, repeat: 1, timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, threads: undefined, help: false, module: undefined };
  let optionsEnded = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      if (parsed.module !== undefined) fail(`unexpected argument '${arg}' (the module is '${parsed.module}')`);
      parsed.module = arg;
      continue;
    }
    if (arg === '--') { optionsEnded = true; continue; }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const option = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= args.length) fail(`${option} needs a value`);
      return args[++i];
    };
    switch (option) {
      case '-h': case '--help': parsed.help = true; break;
      case '-i': case '--input': parsed.inputs.push(value()); break;
      case '--output-dir': parsed.outputDir = value(); break;
      case '--repeat': parsed.repeat = parseRepeat(value()); break;
      case '--timeout': parsed.timeoutSeconds = parseSeconds(value()); break;
      case '--threads': parsed.threads = parseThreads(value()); break;
      default: {
        const closest = OPTIONS.filter((o) => o.startsWith('--')).sort((a, b) => distance(option, a) - distance(option, b))[0];
        fail(`unknown option '${option}'; did you mean '${closest}'? (see --help)`);
      }
    }
  }
  if (!parsed.help && parsed.module === undefined) fail('no module given (see --help)');
  return parsed;
}

/** NAME=FILE as the CLI splits it (first '='), or FILE alone for a module with one input. */
function splitInput(spec, inputs) {
  const eq = spec.indexOf('=');
  if (eq > 0) return [spec.slice(0, eq), spec.slice(eq + 1)];
  if (inputs.length === 1) return [inputs[0].name, spec];
  return fail(`--input ${spec}: the module has ${inputs.length} inputs, so name one: NAME=FILE.npy (${inputs.map((i) => i.name).join(', ') || 'none'})`);
}

/** The .npy name of an output, as the CLI's TensorStats.SafeFileName makes it, shortened to stay a valid file name. */
function safeFileName(name) {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+|\.+$/g, '').slice(0, 200);
  return safe.length === 0 ? 'output' : safe;
}

/**
 * Reserves DIR/<output>.npy for each output before the run (see reserveOutput); two outputs whose names make the same
 * file name ('a:b' and 'a/b' are both a_b.npy) are refused rather than one silently replacing the other.
 */
function reserveOutputs(dir, outputs) {
  const byFile = new Map();
  for (const info of outputs) {
    const path = join(dir, `${safeFileName(info.name)}.npy`);
    if (byFile.has(path)) fail(`outputs '${byFile.get(path)}' and '${info.name}' would both be written to ${path}`);
    byFile.set(path, info.name);
  }
  return new Map([...byFile].map(([path, name]) => [name, reserveOutput(path)]));
}

function formatLimit(seconds) {
  return seconds < 1 ? `${+(seconds * 1000).toFixed(3)} ms` : `${+seconds.toFixed(3)} s`;
}

/**
 * Runs the compiled module in a worker, stopping it when a call exceeds the time limit. The clock starts when the
 * worker starts loading the module: starting a thread is our cost, not the module's, and takes seconds on a busy host.
 */
function runInWorker(compiled, inputs, repeat, timeoutSeconds, threads) {
  return new Promise((resolve, reject) => {
    const transfer = Object.values(inputs).filter((v) => v !== null).map((v) => v.data.buffer);
    const worker = new Worker(new URL('./node-run-worker.mjs', import.meta.url), { workerData: { compiled, inputs, repeat, threads }, transferList: transfer });
    let timer;
    let settled = false;
    const finish = (action) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.terminate().finally(action);
    };
    const arm = (what) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(() => reject(new WasmGraphError(`${what} exceeded the time limit of ${formatLimit(timeoutSeconds)}`))), timeoutSeconds * 1000);
    };
    worker.on('message', (message) => {
      if (message.phase === 'load') arm('loading the module');
      else if (message.phase === 'run') arm('run');
      else if (message.error !== undefined) finish(() => reject(message.user ? new WasmGraphError(message.error) : Object.assign(new Error(message.error), { workerStack: message.stack })));
      else finish(() => resolve(message));
    });
    worker.on('error', (e) => finish(() => reject(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new WasmGraphError(`the run ran out of memory: ${e.message}`) : e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the worker exited with code ${code} before reporting`))));
  });
}

function printOutputs(outputs) {
  for (const [name, { data, shape, dtype }] of Object.entries(outputs)) {
    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of data) { const x = Number(v); min = Math.min(min, x); max = Math.max(max, x); sum += x; }
    console.log(`${printable(name)}\t${dtype}\t[${shape.join(',')}]\tmin ${min.toPrecision(6)}\tmax ${max.toPrecision(6)}\tmean ${(sum / data.length).toPrecision(6)}`);
  }
}

async function main(args) {
  const options = parseArguments(args);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  // Modules use relaxed SIMD (f32x4.relaxed_madd). Node 22+ has it on; Node 20's V8 keeps it behind a flag, which
  // must be set before the first wasm compilation (a no-op where the feature is already shipped). The module is
  // compiled here and posted, compiled, to the worker.
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

  const bytes = readRegularFile(options.module, 'the module', MAX_MODULE_BYTES, 'the largest module V8 compiles');
  const loadStart = performance.now();
  let compiled;
  try {
    compiled = await compileModule(bytes);
  } catch (e) {
    throw e instanceof WasmGraphError ? new WasmGraphError(`${options.module}: ${e.message}`) : e;
  }
  const loadMs = performance.now() - loadStart;
  const { metadata } = compiled;

  // Every argument is checked before the module runs: inputs, then where the outputs go.
  const inputs = Object.fromEntries(metadata.inputs.map((info) => [info.name, null])); // null: zeros
  for (const spec of options.inputs) {
    const [name, file] = splitInput(spec, metadata.inputs);
    const info = metadata.inputs.find((i) => i.name === name)
      ?? fail(`--input ${spec}: the module has no input '${name}'; inputs: ${metadata.inputs.map((i) => `${i.name} ${typeOf(i)}`).join(', ') || 'none'}`);
    inputs[name] = readNpyInput(file, info);
  }
  let files;
  if (options.outputDir !== undefined) {
    prepareOutputDirectory(options.outputDir);
    files = reserveOutputs(options.outputDir, metadata.outputs);
  }

  // Like `wasmgraph run`, one thread unless --threads asks for more (the loader's own default is every core).
  const threads = options.threads ?? 1;
  if (threads > 1 && !isThreaded(metadata)) fail(`--threads ${threads}: ${options.module} is not a threaded module (compile it with --threads N)`);
  if (isThreaded(metadata) && threads > metadata.threads) fail(`--threads ${threads}: ${options.module} was compiled for at most ${metadata.threads} threads`);
  const { outputs, times } = await runInWorker(compiled, inputs, options.repeat, options.timeoutSeconds, threads);

  printOutputs(outputs);
  if (files) {
    for (const [name, { data, shape, dtype }] of Object.entries(outputs)) commitOutput(files.get(name), formatNpy(data, dtype, shape));
  }
  const first = times[0];
  times.sort((a, b) => a - b);
  console.log(`node ${process.version}: load ${loadMs.toFixed(1)} ms, first run ${first.toFixed(2)} ms, median of ${options.repeat} ${times[Math.floor(options.repeat / 2)].toFixed(2)} ms`);
  return 0;
}

/** One line on stderr and an exit code for anything main throws (the ErrorReporter of the .NET CLI). */
function report(e) {
  removeReservedOutputs();
  if (e instanceof WasmGraphError) {
    console.error(`error: ${printable(e.message)}`);
    return EXIT.user;
  }
  if (isSystemError(e)) {
    console.error(`error: ${printable(describeSystemError(e, e.path ?? e.syscall))}`);
    return EXIT.user;
  }
  console.error(`internal error: ${printable(`${e?.name ?? 'Error'}: ${e?.message ?? e}`)}`);
  if (process.env.WASMGRAPH_DEBUG === '1') console.error(e?.workerStack ?? e?.stack);
  return EXIT.internal;
}

// A signal handler runs between event-loop turns, never inside the synchronous writes of the outputs, so stopping
// here leaves no half-written file; process.exit also ends the worker, even inside a wasm loop.
for (const [signal, code] of [['SIGINT', EXIT.sigint], ['SIGTERM', EXIT.sigterm]]) {
  process.on(signal, () => {
    removeReservedOutputs();
    console.error('interrupted: stopped before finishing; no output was written');
    process.exit(code);
  });
}

let exitCode;
try {
  exitCode = await main(process.argv.slice(2));
} catch (e) {
  exitCode = report(e);
}
process.exitCode = exitCode;
