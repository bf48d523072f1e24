// WasmGraph module loader for JavaScript hosts (Node >= 20 and browsers), with no dependencies.
//
// A module compiled by WasmGraph needs no imports: this file reads its `wasmgraph.meta` custom section from the bytes,
// instantiates it with an empty import object and drives the ABI of docs/abi.md: write each input's raw little-endian
// bytes at wg_input_ptr(i), call wg_run(), read each output at wg_output_ptr(i). It is the same contract the .NET host's
// Wasmtime runtime follows, so the same .wasm gives the same numbers here (up to relaxed-SIMD rounding, see README).
// A bounded output (NonZero, NonMaxSuppression, Unique: its size depends on the data) comes back trimmed to the dims
// the module reports through wg_output_dims(i), with `shape` the actual dims.
// A bounded dynamic input (`compile --input-shape x=1,1..128`) takes any shape within its bounds: the data goes in the
// bound's layout with zeroed padding and the actual dims at wg_input_dims(i) (docs/abi.md).
// A threaded module (`compile --threads N`) imports one shared memory; it runs as K concurrent wg_run_worker(w, K)
// calls, one per Web Worker / worker_threads Worker (wasmgraph-worker.js), each on its own instance of the module.
//
// A module is untrusted input. Everything it declares is checked before it is used, with the same rules and messages
// as the .NET runtime (plugins/Runtimes.Wasmtime: WasmBinaryReader, MetadataSection, AbiExports, ModelInstance,
// InputCheck): section headers, imports, the metadata's shapes and byte sizes, the exports, and every address against
// the instance's memory, so a hostile module ends in one WasmGraphError and never in an allocation sized by a lie.
// The checks live here, not in the Node example, so that browsers get them too.
//
//   import { WasmGraphModel } from './wasmgraph.js';
//   const model = await WasmGraphModel.load(bytes);           // ArrayBuffer, Uint8Array or a fetch() Response
//   const out = model.run({ 'input:0': new Float32Array(1 * 128 * 128 * 3) });
//   out['Identity:0'].data                                     // Float32Array, with .shape and .dtype beside it

export const ABI_VERSION = 1;
export const METADATA_SECTION = 'wasmgraph.meta';

/** The largest tensor the ABI carries: the .NET runtime refuses larger ones too (ModelInstance). */
export const MAX_TENSOR_BYTES = 2 ** 31 - 1;

/**
 * The largest metadata section read: ResNet50's, kernels included, is under 100 KiB, and a string past V8's limit
 * (about 512 MiB) could not even be decoded.
 */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/**
 * Typed-array constructor for each dtype of the metadata (bool is one byte per element). float16 and bfloat16 have
 * no typed array in Node 20, so they come as Uint16Array holding the bits (docs/abi.md).
 */
export const DTYPES = Object.freeze({
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint64: BigUint64Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
  bool: Uint8Array,
});

/** True when `name` is a dtype of the ABI (an own key: 'constructor' or '__proto__' are not dtypes). */
export function isDtype(name) {
  return typeof name === 'string' && Object.hasOwn(DTYPES, name);
}

/** A problem with a module, its metadata or its inputs: the caller's input, not a bug of the loader. */
export class WasmGraphError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'WasmGraphError';
  }
}

const strictUtf8 = () => new TextDecoder('utf-8', { fatal: true });

/** `float32[1,3,224,224]`; a bounded axis prints as `≤bound` (`int64[≤6,3]`), as TensorType does in .NET. */
export function describeType(dtype, shape, dynamicDims) {
  const dynamic = new Set(dynamicDims ?? []);
  return `${dtype}[${shape.map((d, axis) => (dynamic.has(axis) ? `≤${d}` : `${d}`)).join(',')}]`;
}

/** The declared type of a metadata tensor, printed. */
export function typeOf(info) {
  return describeType(info.dtype, info.shape, info.dynamic_dims);
}

/**
 * dtype × shape in bytes as a BigInt, exact however large the dims (the metadata's are JSON numbers, and a product
 * of them must not silently round or overflow).
 */
export function byteSizeOf(dtype, shape) {
  return shape.reduce((n, d) => n * BigInt(d), BigInt(DTYPES[dtype].BYTES_PER_ELEMENT));
}

// ---------------------------------------------------------------------------------------------------------------------
// Section headers (core spec §5.5), read without trusting any length in them, before the engine compiles anything.

const CUSTOM_SECTION = 0;
const IMPORT_SECTION = 2;
const LAST_KNOWN_SECTION = 13; // tag

function invalidModule(why) {
  return new WasmGraphError(`not a valid WebAssembly module: ${why}`);
}

/** Unsigned LEB128 of at most 5 bytes with the unused bits of the fifth zero; `end` bounds the read. Returns [value, next]. */
function readU32(bytes, at, end, what) {
  const start = at;
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= end) throw invalidModule(`the ${what} at offset ${start} is a truncated LEB128 number`);
    const byte = bytes[at++];
    if (shift === 28) {
      if (byte & 0x80) throw invalidModule(`the ${what} at offset ${start} is longer than 5 bytes`);
      if (byte & 0x70) throw invalidModule(`the ${what} at offset ${start} does not fit in 32 bits`);
    }
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

/**
 * The custom sections ({ name, content }, content a view into `source`) and the number of imports of a WebAssembly
 * binary, like the .NET WasmBinaryReader: a damaged or foreign file gets a message in our terms, not a compiler's.
 */
export function readModuleInfo(source) {
  const bytes = toBytes(source);
  if (bytes.length < 8) throw invalidModule(`it is ${bytes.length} bytes long, shorter than the 8-byte header`);
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw invalidModule('it does not start with the magic number \\0asm');
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
  if (version !== 1) {
    // Components share the magic number and put their layer number (1) in the upper half of the version.
    throw invalidModule(version >>> 16 === 1 ? 'it is a WebAssembly component, not a core module' : `binary format version ${version} is not supported (expected 1)`);
  }
  const customSections = [];
  const imports = [];
  let importCount = 0;
  let at = 8;
  while (at < bytes.length) {
    const sectionStart = at;
    const id = bytes[at++];
    let size;
    [size, at] = readU32(bytes, at, bytes.length, 'section size');
    if (size > bytes.length - at) {
      throw invalidModule(`section ${id} at offset ${sectionStart} declares ${size} bytes but only ${bytes.length - at} remain`);
    }
    const end = at + size;
    if (id === CUSTOM_SECTION) {
      const [nameLength, nameStart] = readU32(bytes, at, end, 'custom section name length');
      if (nameLength > end - nameStart) throw invalidModule(`the custom section name at offset ${at} runs past the end of its section`);
      let name;
      try {
        name = strictUtf8().decode(bytes.subarray(nameStart, nameStart + nameLength));
      } catch {
        throw invalidModule(`the custom section name at offset ${at} is not valid UTF-8`);
      }
      customSections.push({ name, content: bytes.subarray(nameStart + nameLength, end) });
    } else if (id === IMPORT_SECTION) {
      const found = readImports(bytes, at, end);
      importCount += found.count;
      imports.push(...found.imports);
    } else if (id > LAST_KNOWN_SECTION) {
      throw invalidModule(`unknown section id ${id} at offset ${sectionStart}`);
    }
    at = end;
  }
  return { customSections, importCount, imports };
}

const IMPORT_KINDS = ['function', 'table', 'memory', 'global', 'tag'];

/**
 * The entries of an import section: { module, name, kind } and, for a memory, { initial, maximum, shared } in pages.
 * Reading stops (the list is then shorter than the count) at the first entry this loader would refuse anyway and
 * cannot size without more of the binary format (a 64-bit memory), since nothing after it is needed.
 */
function readImports(bytes, at, end) {
  let count;
  [count, at] = readU32(bytes, at, end, 'import count');
  const imports = [];
  const name = (what) => {
    let length;
    [length, at] = readU32(bytes, at, end, `${what} length`);
    if (length > end - at) throw invalidModule(`an import's ${what} at offset ${at} runs past the end of its section`);
    let text;
    try {
      text = strictUtf8().decode(bytes.subarray(at, at + length));
    } catch {
      throw invalidModule(`an import's ${what} at offset ${at} is not valid UTF-8`);
    }
    at += length;
    return text;
  };
  const byte = (what) => {
    if (at >= end) throw invalidModule(`the import section ends inside an import's ${what}`);
    return bytes[at++];
  };
  const u32 = (what) => {
    let value;
    [value, at] = readU32(bytes, at, end, what);
    return value;
  };
  const limits = () => {
    const flags = byte('limits');
    if (flags > 3) return null; // 64-bit or unknown limits: not a memory this loader imports
    const initial = u32('limits minimum');
    const maximum = flags & 1 ? u32('limits maximum') : undefined;
    return { initial, maximum, shared: (flags & 2) !== 0 };
  };
  for (let i = 0; i < count; i++) {
    const entry = { module: name('module name'), name: name('field name') };
    const kind = byte('kind');
    entry.kind = IMPORT_KINDS[kind] ?? `kind ${kind}`;
    imports.push(entry);
    if (kind === 0) u32('type index');
    else if (kind === 1) { byte('table type'); if (limits() === null) break; }
    else if (kind === 2) { const memory = limits(); if (memory === null) break; Object.assign(entry, memory); }
    else if (kind === 3) { byte('global type'); byte('global mutability'); }
    else if (kind === 4) { byte('tag attribute'); u32('tag type'); }
    else break;
  }
  return { count, imports };
}

/** The custom sections of a WebAssembly binary, by name (the first of a repeated name), without compiling it. */
export function customSections(bytes) {
  const sections = new Map();
  for (const { name, content } of readModuleInfo(bytes).customSections) {
    if (!sections.has(name)) sections.set(name, content);
  }
  return sections;
}

/** The one section called `name`; two would be ambiguous, so a repeat is an error. */
function findCustomSection(info, name) {
  const found = info.customSections.filter((s) => s.name === name);
  if (found.length > 1) throw new WasmGraphError(`module has more than one '${name}' custom section`);
  return found[0]?.content;
}

// ---------------------------------------------------------------------------------------------------------------------
// The metadata section (docs/abi.md), checked like the .NET MetadataSection: every byte count the loader copies comes
// from it, so an inconsistency is refused here instead of becoming a wrong copy or a huge allocation later.

/** The module's metadata JSON (inputs, outputs, hints), checked; throws WasmGraphError when it is missing or wrong. */
export function readMetadata(bytes) {
  return metadataOf(readModuleInfo(bytes));
}

function metadataOf(info) {
  const section = findCustomSection(info, METADATA_SECTION);
  if (!section) {
    throw new WasmGraphError(`module has no '${METADATA_SECTION}' custom section, so its inputs and outputs are unknown; it was not built by WasmGraph or the section was stripped`);
  }
  if (section.byteLength > MAX_METADATA_BYTES) {
    throw new WasmGraphError(`the '${METADATA_SECTION}' section is ${section.byteLength} bytes, over the limit of ${MAX_METADATA_BYTES} bytes`);
  }
  let text;
  try {
    text = strictUtf8().decode(section);
  } catch {
    throw new WasmGraphError(`the '${METADATA_SECTION}' section is not valid UTF-8`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WasmGraphError(`model metadata is not valid JSON: ${e.message}`);
  }
  return validateMetadata(json);
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks parsed metadata (see the file comment); returns it unchanged, with absent input lists and hints defaulted. */
export function validateMetadata(metadata) {
  if (!isObject(metadata)) throw new WasmGraphError('model metadata is not a JSON object');
  const abi = metadata.abi_version ?? ABI_VERSION;
  if (abi !== ABI_VERSION) {
    throw new WasmGraphError(`module was built for WasmGraph ABI version ${JSON.stringify(abi)}; this runtime supports version ${ABI_VERSION}`);
  }
  if (metadata.inputs === undefined) metadata.inputs = []; // absent is none, as in .NET; null is an error
  checkTensors('input', metadata.inputs);
  checkTensors('output', metadata.outputs);
  if (metadata.outputs.length === 0) throw new WasmGraphError('model metadata declares no outputs');
  if (metadata.target !== undefined && metadata.target !== CUSTOM_TARGET && !TARGETS.includes(metadata.target)) {
    throw new WasmGraphError(`model metadata: 'target' is ${JSON.stringify(String(metadata.target).slice(0, 40))}, expected one of ${TARGETS.join(', ')} or ${CUSTOM_TARGET}`);
  }
  checkThreads(metadata);
  metadata.hints ??= {};
  if (!isObject(metadata.hints) || Object.values(metadata.hints).some((v) => typeof v !== 'string')) {
    throw new WasmGraphError('model metadata has hints that are not an object of strings');
  }
  return metadata;
}

/** The compiled maximum worker count of a threaded module (`compile --threads N`): 2 ≤ N ≤ 64. */
export const MAX_THREADS = 64;

/** The largest memory of wasm32, in 64 KiB pages (4 GiB). */
const MAX_PAGES = 65536;

/** `threads` and `shared_memory` come together (docs/abi.md, threaded modules); a module without them is not threaded. */
function checkThreads(metadata) {
  const { threads, shared_memory: memory } = metadata;
  if (threads === undefined && memory === undefined) return;
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_THREADS) {
    throw new WasmGraphError(`model metadata: 'threads' is ${JSON.stringify(threads)}, expected an integer from 2 to ${MAX_THREADS}`);
  }
  const pages = (value) => Number.isInteger(value) && value >= 1 && value <= MAX_PAGES;
  if (!isObject(memory) || !pages(memory.initial_pages) || !pages(memory.maximum_pages) || memory.initial_pages > memory.maximum_pages) {
    throw new WasmGraphError(`model metadata: a threaded module needs 'shared_memory' {"initial_pages": P, "maximum_pages": Q} with 1 ≤ P ≤ Q ≤ ${MAX_PAGES}, got ${JSON.stringify(memory)?.slice(0, 80)}`);
  }
}

/** True when the metadata declares a threaded module. */
export function isThreaded(metadata) {
  return metadata.threads !== undefined;
}

/**
 * The shapes a bounded dynamic input takes, as messages print them: `[1,1..128]`. A static tensor prints its shape.
 */
export function describeShapeRange(info) {
  const dynamic = new Set(info.dynamic_dims ?? []);
  const min = info.min_shape ?? info.shape;
  return `[${info.shape.map((d, axis) => (dynamic.has(axis) ? `${min[axis]}..${d}` : `${d}`)).join(',')}]`;
}

/** True when `shape` is one that input `info` takes: each dynamic dim within [min_shape, shape], every other equal. */
export function shapeFits(info, shape) {
  const dynamic = new Set(info.dynamic_dims ?? []);
  const min = info.min_shape ?? info.shape;
  return Array.isArray(shape) && shape.length === info.shape.length &&
    shape.every((d, a) => Number.isInteger(d) && (dynamic.has(a) ? d >= min[a] && d <= info.shape[a] : d === info.shape[a]));
}

function checkTensors(kind, tensors) {
  if (!Array.isArray(tensors)) throw new WasmGraphError(`model metadata has no ${kind} list`);
  const seen = new Set();
  for (const tensor of tensors) {
    if (!isObject(tensor)) throw new WasmGraphError(`model metadata has an ${kind} entry that is not an object: ${JSON.stringify(tensor)}`);
    const { name, dtype, shape, bytes } = tensor;
    if (typeof name !== 'string' || name.length === 0) throw new WasmGraphError(`model metadata has an ${kind} without a name`);
    if (seen.has(name)) throw new WasmGraphError(`model metadata declares ${kind} '${name}' twice`);
    seen.add(name);
    if (!Array.isArray(shape)) throw new WasmGraphError(`model metadata gives ${kind} '${name}' no shape`);
    const dims = `[${shape.map((d) => JSON.stringify(d)).join(',')}]`;
    if (!shape.every(Number.isInteger)) throw new WasmGraphError(`model metadata gives ${kind} '${name}' a dimension that is not an integer in shape ${dims}`);
    if (shape.some((d) => d < 0)) throw new WasmGraphError(`model metadata gives ${kind} '${name}' a negative dimension in shape ${dims}`);
    const dynamic = tensor.dynamic_dims;
    if (dynamic != null && (!Array.isArray(dynamic) || dynamic.some((d) => !Number.isInteger(d) || d < 0 || d >= shape.length) || new Set(dynamic).size !== dynamic.length)) {
      throw new WasmGraphError(`model metadata gives ${kind} '${name}' dynamic_dims ${JSON.stringify(dynamic)} that are not distinct axes of shape ${dims}`);
    }
    if (kind === 'input' && dynamic?.length) {
      // A bounded dynamic input (docs/abi.md): min_shape has the shape's rank, 1 ≤ min ≤ bound on each dynamic axis
      // and min = bound elsewhere.
      const min = tensor.min_shape;
      const dynamicAxes = new Set(dynamic);
      if (!Array.isArray(min) || min.length !== shape.length ||
          !min.every((d, a) => Number.isInteger(d) && (dynamicAxes.has(a) ? d >= 1 && d <= shape[a] : d === shape[a]))) {
        throw new WasmGraphError(`model metadata gives dynamic input '${name}' min_shape ${JSON.stringify(min)}, which is not a shape between [${shape.map((d, a) => (dynamicAxes.has(a) ? 1 : d))}] and its bound ${dims}`);
      }
    }
    if (!isDtype(dtype)) throw new WasmGraphError(`model metadata gives ${kind} '${name}' the unknown dtype '${dtype}'`);
    const needed = byteSizeOf(dtype, shape);
    if (needed > 2n ** 63n - 1n) throw new WasmGraphError(`model metadata gives ${kind} '${name}' a shape ${dims} too large to address`);
    if (!Number.isInteger(bytes) || BigInt(bytes) !== needed) {
      throw new WasmGraphError(`model metadata says ${kind} '${name}' (${typeOf(tensor)}) has ${JSON.stringify(bytes)} bytes, but that type needs ${needed}`);
    }
    if (bytes > MAX_TENSOR_BYTES) throw new WasmGraphError(`${kind} '${name}' has ${bytes} bytes; tensors over 2 GiB are not supported`);
  }
}

function toBytes(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new WasmGraphError('expected an ArrayBuffer or a typed array');
}

// ---------------------------------------------------------------------------------------------------------------------
// Compiling and checking the exports (the .NET AbiExports), before anything is instantiated.

const REQUIRED_EXPORTS = [['memory', 'memory'], ['wg_run', 'function'], ['wg_input_ptr', 'function'], ['wg_output_ptr', 'function'], ['wg_abi_version', 'function']];
const OPTIONAL_EXPORTS = [['wg_output_dims', 'function'], ['wg_input_dims', 'function']];
/** A threaded module imports its memory (it may export it too) and adds the worker entry point and the abort flag. */
const THREADED_EXPORTS = [['wg_run', 'function'], ['wg_input_ptr', 'function'], ['wg_output_ptr', 'function'], ['wg_abi_version', 'function'],
  ['wg_run_worker', 'function'], ['wg_abort_flag', 'function']];
const THREADED_OPTIONAL_EXPORTS = [...OPTIONAL_EXPORTS, ['memory', 'memory']];

/**
 * A threaded module's one import: env.memory, shared, with the metadata's page limits (docs/abi.md). Anything else
 * is refused before the engine compiles the module, and a single-threaded module imports nothing.
 */
function checkImports(info, metadata) {
  const count = info.importCount;
  if (!isThreaded(metadata)) {
    if (count > 0) throw new WasmGraphError(`module imports ${count} item${count === 1 ? '' : 's'}; WasmGraph modules must be self-contained`);
    return;
  }
  const { initial_pages: initial, maximum_pages: maximum } = metadata.shared_memory;
  const wanted = `one import, env.memory: a shared memory of ${initial}..${maximum} pages (metadata 'shared_memory')`;
  const memory = info.imports[0];
  if (count !== 1 || memory?.module !== 'env' || memory.name !== 'memory' || memory.kind !== 'memory') {
    const found = info.imports.map((i) => `${i.module}.${i.name} (${i.kind})`).join(', ');
    throw new WasmGraphError(`threaded module imports ${count} item${count === 1 ? '' : 's'} (${found || 'unreadable'}); expected ${wanted}`);
  }
  if (!memory.shared || memory.initial !== initial || memory.maximum !== maximum) {
    const got = `${memory.shared ? 'a shared' : 'an unshared'} memory of ${memory.initial}..${memory.maximum ?? 'unbounded'} pages`;
    throw new WasmGraphError(`threaded module imports ${got}; expected ${wanted}`);
  }
}

/**
 * Reads and checks a module's headers and metadata, refuses imports (a threaded module may import only its shared
 * env.memory), compiles it and checks its exports. The result, { module, metadata }, can be posted to a worker (a
 * WebAssembly.Module is cloneable) and instantiated there.
 */
export async function compileModule(source) {
  const bytes = toBytes(source);
  const info = readModuleInfo(bytes);
  const metadata = metadataOf(info);
  checkImports(info, metadata);
  if (TARGETS.includes(metadata.target) && !supportedTargets().includes(metadata.target)) {
    throw new WasmGraphError(`this engine does not run '${metadata.target}' modules (it runs ${supportedTargets().join(', ')}); ` +
      'compile with --target all and load the set with WasmGraphModel.loadBest, or pick a profile it runs (docs/targets.md)');
  }
  let module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    if (e instanceof WebAssembly.CompileError || e instanceof RangeError) throw invalidModule(e.message);
    throw e;
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  const problems = [];
  const threaded = isThreaded(metadata);
  for (const [name, kind] of threaded ? THREADED_EXPORTS : REQUIRED_EXPORTS) {
    if (!exports.has(name)) problems.push(`missing export '${name}' (a ${kind}${threaded ? ' of a threaded module' : ''})`);
    else if (exports.get(name) !== kind) problems.push(`export '${name}' is not a ${kind}`);
  }
  for (const [name, kind] of threaded ? THREADED_OPTIONAL_EXPORTS : OPTIONAL_EXPORTS) {
    if (exports.has(name) && exports.get(name) !== kind) problems.push(`export '${name}' is not a ${kind}`);
  }
  if (metadata.inputs.some((t) => t.dynamic_dims?.length) && !exports.has('wg_input_dims')) {
    problems.push(`missing export 'wg_input_dims' (a function; the module has dynamic inputs)`);
  }
  if (problems.length > 0) throw new WasmGraphError(`module does not implement the WasmGraph ABI: ${problems.join('; ')}`);
  return { module, metadata };
}

/**
 * Calls an export of the module. With no imports, nothing but the module's own code runs inside the call, so any
 * exception is the module's fault: a trap, a stack overflow (RangeError), or an export whose type is not the ABI's
 * (TypeError). `what` names the call in the message, as the .NET ModelInstance does.
 */
function invoke(what, call) {
  let result;
  try {
    result = call();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError || e instanceof TypeError) {
      throw new WasmGraphError(`${what} failed: ${e.message}`, { cause: e });
    }
    throw e;
  }
  // i64, f32 and f64 results arrive as BigInts or fractions, no result as undefined, several as an array.
  if (!Number.isInteger(result)) throw new WasmGraphError(`${what} returned ${String(result)}, not an i32 (docs/abi.md)`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------------
// Target profiles (docs/targets.md): `wasmgraph compile --target all` writes one module per profile, and a host runs the
// fastest one its engine supports. Mirrors TargetProfiles in src/Abstractions (names, order, file naming): change both.

/** The target profiles, fastest first; an engine that runs one runs every later one. */
export const TARGETS = Object.freeze(['relaxed', 'simd128', 'mvp']);

/** The metadata's `target` for a module compiled with features that are no profile's. */
export const CUSTOM_TARGET = 'custom';

/**
 * Probe modules, one function each, that an engine validates only if it decodes the profile's instructions (the way
 * onnxruntime-web and wasm-feature-detect choose a build). relaxed: `(func (result v128) v128.const 0 v128.const 0
 * v128.const 0 f32x4.relaxed_madd)`; simd128: `(func (result v128) v128.const 0)`. Every engine runs mvp.
 */
const PROBES = Object.freeze({
  relaxed: probeModule([...v128Zero(), ...v128Zero(), ...v128Zero(), 0xfd, 0x85, 0x02]),
  simd128: probeModule(v128Zero()),
});

function v128Zero() {
  return [0xfd, 0x0c, ...new Array(16).fill(0)];
}

/** A module with one function of type () -> v128 whose body is `instructions`. */
function probeModule(instructions) {
  const body = [0x00, ...instructions, 0x0b]; // no locals, the instructions, end
  const code = [0x01, body.length, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one type, () -> v128
    0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
    0x0a, code.length, ...code, // code section
  ]);
}

/** The profiles this engine runs, fastest first (mvp always). */
export function supportedTargets() {
  return TARGETS.filter((target) => !PROBES[target] || WebAssembly.validate(PROBES[target]));
}

/** The fastest of `available` (profile names) that this engine runs, or null if it runs none of them. */
export function bestTarget(available = TARGETS) {
  const supported = supportedTargets();
  return TARGETS.find((target) => available.includes(target) && supported.includes(target)) ?? null;
}

/**
 * The module set `wasmgraph compile --target all -o PATH` writes, by profile: PATH itself for relaxed, the profile's
 * name before the extension for the others (`model.wasm`, `model.simd128.wasm`, `model.mvp.wasm`). Works on paths
 * and URLs alike (a query or fragment stays at the end).
 */
export function targetSet(path) {
  const text = String(path);
  const tail = text.search(/[?#]/);
  const [base, rest] = tail < 0 ? [text, ''] : [text.slice(0, tail), text.slice(tail)];
  const dot = base.lastIndexOf('.');
  const stem = dot > base.lastIndexOf('/') ? base.slice(0, dot) : base;
  const extension = dot > base.lastIndexOf('/') ? base.slice(dot) : '.wasm';
  return Object.fromEntries(TARGETS.map((target) => [target, target === 'relaxed' ? text : `${stem}.${target}${extension}${rest}`]));
}

/**
 * Reads one source of a module set: bytes (ArrayBuffer, typed array), a fetch Response, a URL or URL string (fetched),
 * or a function returning (a promise of) any of these, so that only the chosen module is ever read.
 */
async function readSource(source) {
  let value = typeof source === 'function' ? await source() : source;
  if (typeof value === 'string' || value instanceof URL) value = await fetch(value);
  if (typeof Response !== 'undefined' && value instanceof Response) {
    if (!value.ok) throw new WasmGraphError(`could not fetch ${value.url}: HTTP ${value.status}`);
    value = await value.arrayBuffer();
  }
  return value;
}

/**
 * Options of WasmGraphModel.load, loadBest and instantiate; they matter only for threaded modules.
 * - threads: how many workers run one inference, 1 to the module's compiled maximum (metadata `threads`); default
 *   min(the machine's cores, that maximum). 1 runs the module on the calling thread, with no worker.
 * - timeoutMs: a threaded run that takes longer is aborted and its workers replaced (default: no limit).
 */
const DEFAULT_OPTIONS = Object.freeze({});

/** A loaded module: one instance (plus, for a threaded module, one per worker), run as often as needed. */
export class WasmGraphModel {
  /** The workers of a threaded module run on more than one thread, or null. */
  #pool = null;
  /** The run in progress on the pool: runs of one model share its memory, so they take turns. */
  #queue = Promise.resolve();
  #abortFlag = null;

  /**
   * Loads the fastest module of a set this engine runs. `modules` maps profile names to sources (see readSource), for
   * example `{ relaxed: 'model.wasm', simd128: 'model.simd128.wasm', mvp: 'model.mvp.wasm' }` or `targetSet(url)`;
   * profiles may be left out. The chosen profile is `model.target`. A module whose metadata names another profile
   * than its key is refused: a mislabelled set would fail to compile or run a slower module than it says.
   */
  static async loadBest(modules, options = DEFAULT_OPTIONS) {
    if (!isObject(modules)) throw new WasmGraphError('loadBest: expected an object mapping target profiles to modules');
    const unknown = Object.keys(modules).find((k) => !TARGETS.includes(k));
    if (unknown !== undefined) throw new WasmGraphError(`loadBest: '${unknown}' is not a target profile (known: ${TARGETS.join(', ')})`);
    const target = bestTarget(Object.keys(modules).filter((k) => modules[k] !== undefined && modules[k] !== null));
    if (target === null) {
      throw new WasmGraphError(`this engine runs none of the given modules (${Object.keys(modules).join(', ') || 'none'}); it supports ${supportedTargets().join(', ')}`);
    }
    const compiled = await compileModule(await readSource(modules[target]));
    if (compiled.metadata.target !== undefined && compiled.metadata.target !== target) {
      throw new WasmGraphError(`loadBest: the module given as '${target}' was compiled for target '${compiled.metadata.target}'`);
    }
    const model = await WasmGraphModel.instantiate(compiled, options);
    model.target = target;
    return model;
  }

  /** Compiles and instantiates `source` (bytes or a fetch Response), and checks the ABI. */
  static async load(source, options = DEFAULT_OPTIONS) {
    const bytes = typeof Response !== 'undefined' && source instanceof Response ? await source.arrayBuffer() : source;
    return WasmGraphModel.instantiate(await compileModule(bytes), options);
  }

  /**
   * Instantiates the result of compileModule (possibly posted from another thread). A threaded module gets its
   * shared memory here and, when it runs on more than one thread, its workers (see `threads` and `warning`).
   */
  static async instantiate({ module, metadata }, options = DEFAULT_OPTIONS) {
    const checked = validateMetadata(metadata);
    if (!isThreaded(checked)) {
      const instance = await instantiateModule(module, {});
      return new WasmGraphModel(instance, checked, instance.exports.memory);
    }
    const threads = await threadCount(checked, options);
    const isolation = sharedMemoryIsolation();
    let warning;
    let count = threads;
    if (threads > 1 && isolation !== null) {
      warning = `this module can use ${threads} threads, but ${isolation}; running on 1 thread. Serve the page with the headers ` +
        "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp' to use them (web/README.md)";
      count = 1;
    }
    const memory = sharedMemory(checked, isolation);
    // The first instance runs the module's start function, which initialises the data segments in the shared memory
    // once (__wasm_init_memory); the workers' instances see that done and skip it.
    const instance = await instantiateModule(module, { env: { memory } });
    const model = new WasmGraphModel(instance, checked, memory);
    if (count > 1) {
      try {
        model.#pool = await WorkerPool.start(module, memory, count);
      } catch (e) {
        if (!(e instanceof WasmGraphError) || !e.workersUnavailable) throw e;
        warning = `this module can use ${count} threads, but ${e.message}; running on 1 thread`;
        count = 1;
      }
    }
    model.threads = count;
    model.warning = warning;
    model.timeoutMs = options.timeoutMs;
    if (warning !== undefined) console.warn(`wasmgraph: ${warning}`);
    return model;
  }

  constructor(instance, metadata, memory = instance.exports.memory) {
    const e = instance.exports;
    this.metadata = metadata;
    this.exports = e;
    this.memory = memory;
    /** The number of threads one run uses (1 for a single-threaded module). */
    this.threads = 1;
    /** Why a threaded module runs on fewer threads than it could (also printed with console.warn), or undefined. */
    this.warning = undefined;
    const version = invoke('wg_abi_version', () => e.wg_abi_version());
    if (version !== ABI_VERSION) throw new WasmGraphError(`module reports ABI version ${version} (wg_abi_version); this runtime supports version ${ABI_VERSION}`);
    // Addresses are fixed at compile time, so they are asked for once, and checked once against the memory.
    this.inputPointers = this.#addresses('input', metadata.inputs, (i) => e.wg_input_ptr(i));
    this.outputPointers = this.#addresses('output', metadata.outputs, (i) => e.wg_output_ptr(i));
    // Bounded outputs (docs/abi.md): their size depends on the data (or on a dynamic input's extent), and
    // wg_output_dims(i) says where the module reports the actual dims after each run.
    this.outputDimsPointers = metadata.outputs.map((info, i) =>
      (info.dynamic_dims?.length ? this.#dimsAddress('wg_output_dims', i, info, `output '${info.name}' has a data-dependent size`) : null));
    // Bounded dynamic inputs: the host writes the actual dims at wg_input_dims(i) before each run.
    this.inputDimsPointers = metadata.inputs.map((info, i) =>
      (info.dynamic_dims?.length ? this.#dimsAddress('wg_input_dims', i, info, `input '${info.name}' has dynamic dims`) : null));
    if (isThreaded(metadata)) {
      const pointer = invoke('wg_abort_flag', () => e.wg_abort_flag());
      const address = pointer >>> 0;
      if (pointer === -1 || address % 4 !== 0 || address + 4 > this.#memoryBytes()) {
        throw new WasmGraphError(`wg_abort_flag() returned ${pointer}, which is not the address of an aligned i32 in the module's memory`);
      }
      this.#abortFlag = { view: new Int32Array(memory.buffer), index: address / 4 };
    }
  }

  get inputs() { return this.metadata.inputs; }
  get outputs() { return this.metadata.outputs; }

  #memoryBytes() { return this.memory.buffer.byteLength; }

  #memory() { return new Uint8Array(this.memory.buffer); }

  /** Where `export`(i) says tensor `info`'s dims live, checked to hold `rank` i32s inside the memory. */
  #dimsAddress(name, i, info, why) {
    if (typeof this.exports[name] !== 'function') throw new WasmGraphError(`${why}, but the module does not export ${name}`);
    const pointer = invoke(`${name}(${i})`, () => this.exports[name](i));
    const address = pointer >>> 0;
    if (pointer === -1 || address + 4 * info.shape.length > this.#memoryBytes()) {
      throw new WasmGraphError(`${name}(${i}) returned ${pointer}, which is not an address of ${info.shape.length} dims in the module's memory`);
    }
    return address;
  }

  /**
   * Asks the module where each tensor lives and checks it lies inside the memory; the sum must fit too, since honest
   * tensors do not overlap, and the loader allocates that sum when it copies the outputs out.
   */
  #addresses(kind, tensors, pointerOf) {
    const memoryBytes = this.#memoryBytes();
    const total = tensors.reduce((sum, t) => sum + t.bytes, 0);
    if (total > memoryBytes) {
      throw new WasmGraphError(`the module's ${kind}s declare ${total} bytes in all, more than its memory of ${memoryBytes} bytes`);
    }
    return tensors.map((tensor, i) => {
      const pointer = invoke(`wg_${kind}_ptr(${i})`, () => pointerOf(i));
      if (pointer === -1) throw new WasmGraphError(`module has no address for ${kind} ${i} '${tensor.name}' (wg_${kind}_ptr(${i}) returned -1)`);
      const address = pointer >>> 0;
      if (address + tensor.bytes > memoryBytes) {
        throw new WasmGraphError(`${kind} '${tensor.name}' (${tensor.bytes} bytes at address ${address}) lies outside the module's memory of ${memoryBytes} bytes`);
      }
      return address;
    });
  }

  /**
   * Runs the model on the calling thread. `inputs` maps each input name to a tensor: a typed array of its dtype (or a
   * Uint8Array/DataView of its raw bytes), or { data, dtype, shape } whose dtype and shape are checked against the
   * metadata; null fills the input with zeros. A bounded dynamic input takes any shape within its bounds (give it as
   * { data, dtype, shape }, or as a typed array when it has one dynamic axis). An array in input order also works.
   * Returns { name: { data, shape, dtype } } with copied data. A model running on workers needs runAsync.
   */
  run(inputs) {
    if (this.#pool !== null) {
      throw new WasmGraphError(`this model runs on ${this.threads} worker threads; use await model.runAsync(inputs) (or load it with { threads: 1 })`);
    }
    const shapes = this.#writeInputs(inputs);
    this.#clearAbortFlag();
    const status = invoke('run', () => this.exports.wg_run());
    if (status !== 0) throw this.#runFailed(`wg_run returned ${status}`, status, shapes);
    return this.#readOutputs();
  }

  /**
   * Runs the model as `run` does, on its workers when it has them (a threaded module: `threads` concurrent
   * wg_run_worker calls); resolves with the outputs. Runs of one model take turns. A worker that traps fails the run
   * with an error naming it; the other workers are stopped through the abort flag and the model stays usable.
   */
  async runAsync(inputs) {
    if (this.#pool === null) return this.run(inputs);
    const turn = this.#queue.then(async () => {
      const shapes = this.#writeInputs(inputs);
      this.#clearAbortFlag();
      const outcome = await this.#pool.run(this.threads, () => this.#abort(), this.timeoutMs);
      if (outcome.failure !== undefined) throw this.#runFailed(outcome.failure, outcome.status, shapes);
      return this.#readOutputs();
    });
    this.#queue = turn.catch(() => {});
    return turn;
  }

  /** Ends the workers of a threaded model (a Node process exits without it too: idle workers do not hold it). */
  close() {
    this.#pool?.close();
    this.#pool = null;
  }

  #clearAbortFlag() {
    if (this.#abortFlag !== null) Atomics.store(this.#abortFlag.view, this.#abortFlag.index, 0);
  }

  #abort() {
    Atomics.store(this.#abortFlag.view, this.#abortFlag.index, 1);
    Atomics.notify(this.#abortFlag.view, this.#abortFlag.index);
  }

  /** The error of a failed run; status 2 with dynamic inputs is the module refusing their dims (docs/abi.md). */
  #runFailed(what, status, shapes) {
    const dynamic = this.metadata.inputs.filter((t) => t.dynamic_dims?.length);
    if (status === 2 && dynamic.length > 0) {
      const given = dynamic.map((t) => `'${t.name}' [${shapes[this.metadata.inputs.indexOf(t)]}] of ${describeShapeRange(t)}`).join(', ');
      return new WasmGraphError(`run failed: ${what}: the module refused the input dims (${given}); inputs that share a dimension must have the same extent`);
    }
    return new WasmGraphError(`run failed: ${what}`);
  }

  /** Checks and writes every input (and a dynamic input's dims); returns the shapes written, in input order. */
  #writeInputs(inputs) {
    const declared = this.metadata.inputs;
    if (!isObject(inputs) && !Array.isArray(inputs)) throw new WasmGraphError('run: expected the inputs as an object by name or an array');
    if (!Array.isArray(inputs)) {
      const unknown = Object.keys(inputs).find((k) => !declared.some((t) => t.name === k));
      if (unknown !== undefined) throw new WasmGraphError(`unknown input '${unknown}'; the model's inputs are: ${describeInputs(declared)}`);
    }
    // Every input is checked before any is written, so a refused call leaves the memory as the last run left it.
    const given = declared.map((info, i) => {
      const value = Array.isArray(inputs) ? inputs[i] : inputs[info.name];
      if (value === undefined) throw new WasmGraphError(`missing input '${info.name}' (${typeOf(info)}); the model's inputs are: ${describeInputs(declared)}`);
      return value === null ? null : inputData(info, value);
    });
    const memory = this.#memory();
    return declared.map((info, i) => {
      const at = this.inputPointers[i];
      const shape = given[i]?.shape ?? info.shape;
      if (given[i] === null) memory.fill(0, at, at + info.bytes);
      else writeInBoundLayout(memory, at, info, given[i].bytes, shape);
      if (this.inputDimsPointers[i] !== null) {
        const dims = new DataView(this.memory.buffer, this.inputDimsPointers[i], 4 * shape.length);
        shape.forEach((d, axis) => dims.setInt32(4 * axis, d, true));
      }
      return shape;
    });
  }

  #readOutputs() {
    const result = {};
    this.metadata.outputs.forEach((info, i) => {
      const at = this.outputPointers[i];
      const copy = this.#memory().slice(at, at + info.bytes);
      const Type = DTYPES[info.dtype];
      const padded = new Type(copy.buffer, 0, info.bytes / Type.BYTES_PER_ELEMENT);
      if (this.outputDimsPointers[i] === null) {
        result[info.name] = { data: padded, shape: info.shape, dtype: info.dtype };
      } else {
        const dims = Array.from(new Int32Array(this.#memory().slice(this.outputDimsPointers[i], this.outputDimsPointers[i] + 4 * info.shape.length).buffer));
        result[info.name] = { data: trimToDims(padded, info, dims), shape: dims, dtype: info.dtype };
      }
    });
    return result;
  }
}

async function instantiateModule(module, imports) {
  try {
    return await WebAssembly.instantiate(module, imports);
  } catch (e) {
    // A start function that traps, or a memory the engine cannot allocate (RangeError).
    if (e instanceof WebAssembly.RuntimeError || e instanceof WebAssembly.LinkError || e instanceof RangeError) {
      throw new WasmGraphError(`could not instantiate the module: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Threaded modules (docs/abi.md): one shared memory, one instance per worker, the abort flag.

const isNode = () => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** The cores this machine offers: navigator.hardwareConcurrency in browsers, os.availableParallelism() in Node. */
async function availableParallelism() {
  if (isNode()) return (await import('node:os')).availableParallelism();
  return globalThis.navigator?.hardwareConcurrency ?? 1;
}

async function threadCount(metadata, options) {
  const requested = options.threads;
  if (requested === undefined) return Math.max(1, Math.min(await availableParallelism(), metadata.threads));
  if (!Number.isInteger(requested) || requested < 1 || requested > metadata.threads) {
    throw new WasmGraphError(`threads: ${JSON.stringify(requested)} is not a worker count from 1 to ${metadata.threads} (the module was compiled with --threads ${metadata.threads})`);
  }
  return requested;
}

/**
 * Why this page cannot share memory with workers, or null when it can. Browsers expose SharedArrayBuffer, and let a
 * shared WebAssembly.Memory be posted to a worker, only to cross-origin isolated pages (COOP + COEP headers).
 */
function sharedMemoryIsolation() {
  if (typeof SharedArrayBuffer === 'undefined') return 'this page has no SharedArrayBuffer (it is not cross-origin isolated)';
  if (globalThis.crossOriginIsolated === false) return 'this page is not cross-origin isolated';
  return null;
}

/** The threaded module's memory: shared, with the metadata's limits (checked against its import at compile). */
function sharedMemory(metadata, isolation) {
  const { initial_pages: initial, maximum_pages: maximum } = metadata.shared_memory;
  let memory;
  try {
    memory = new WebAssembly.Memory({ initial, maximum, shared: true });
  } catch (e) {
    const why = isolation ?? `the engine refused it (${e.message})`;
    throw new WasmGraphError(`this module was compiled with --threads ${metadata.threads} and imports a shared memory of ${initial} pages, which cannot be created here: ` +
      `${why}. Serve the page with 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp', or compile the model without --threads`, { cause: e });
  }
  if (!(typeof SharedArrayBuffer !== 'undefined' ? memory.buffer instanceof SharedArrayBuffer : true)) {
    throw new WasmGraphError(`this engine created an unshared memory for a shared one (${initial} pages); it cannot run threaded modules`);
  }
  return memory;
}

/** How long a worker that ignores the abort flag gets, after a time-out, before it is ended and replaced. */
const ABORT_GRACE_MS = 1000;

/**
 * The workers of a threaded model: each holds its own instance of the module against the shared memory and answers
 * { type: 'run', id, worker, workers } with the status of wg_run_worker(worker, workers) (see wasmgraph-worker.js).
 * A worker whose call trapped re-instantiates itself and is used again; one that died or hung is replaced.
 */
class WorkerPool {
  #module;
  #memory;
  #workers = [];
  #runId = 0;
  /** Why the pool can no longer run (a lost worker could not be replaced), or null. */
  #broken = null;

  constructor(module, memory) {
    this.#module = module;
    this.#memory = memory;
  }

  static async start(module, memory, count) {
    const pool = new WorkerPool(module, memory);
    try {
      for (let w = 0; w < count; w++) pool.#workers.push(await pool.#spawn());
    } catch (e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /** A started worker with its instance ready, or a WasmGraphError (workersUnavailable when there are no workers). */
  async #spawn() {
    const handle = await WorkerHandle.create();
    return new Promise((resolve, reject) => {
      handle.pending = (reply) => {
        handle.unref();
        if (reply.type === 'ready') return resolve(handle);
        handle.terminate();
        if (reply.type === 'lost') {
          // The script did not load or start: no workers here, which the caller may answer with one thread.
          const error = new WasmGraphError(`its worker could not start (${reply.message})`);
          error.workersUnavailable = true;
          return reject(error);
        }
        reject(new WasmGraphError(`a worker could not instantiate the module: ${reply.message}`));
      };
      handle.post({ type: 'init', module: this.#module, memory: this.#memory });
    });
  }

  /**
   * One inference on the first `workers` workers. Resolves with {} when every call returned 0, else with
   * { failure, status } naming the first worker that trapped, died, timed out or returned non-zero. `abort` stores
   * the abort flag; it is called as soon as one worker is lost, so that the others return at their next barrier.
   */
  async run(workers, abort, timeoutMs) {
    if (this.#broken !== null) return { failure: `the model's workers are gone (${this.#broken}); load the model again` };
    const id = ++this.#runId;
    let timer;
    let graceTimer;
    let timedOut = false;
    const calls = this.#workers.slice(0, workers).map((handle, w) => new Promise((resolve) => {
      handle.ref();
      handle.pending = (reply) => {
        handle.unref();
        if (reply.type !== 'done') abort();
        resolve({ worker: w, ...reply });
      };
      handle.post({ type: 'run', id, worker: w, workers });
    }));
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        abort();
        // A worker stuck outside a barrier never sees the flag: end it; it is replaced below.
        graceTimer = setTimeout(() => {
          this.#workers.slice(0, workers).forEach((handle) => handle.pending?.({ type: 'timeout' }));
        }, ABORT_GRACE_MS);
      }, timeoutMs);
    }
    const replies = await Promise.all(calls);
    clearTimeout(timer);
    clearTimeout(graceTimer);
    // Replace the workers that died or hung (a trapped one re-instantiated itself and is reusable).
    for (const reply of replies) {
      if (reply.type === 'lost' || reply.type === 'timeout') {
        this.#workers[reply.worker].terminate();
        try {
          this.#workers[reply.worker] = await this.#spawn();
        } catch (e) {
          // Without a full set of workers no run can finish: end the others and refuse every later run.
          this.#broken = `worker ${reply.worker} could not be replaced: ${e.message}`;
          this.close();
          break;
        }
      }
    }
    const trapped = replies.find((r) => r.type === 'trap' || r.type === 'lost');
    if (trapped !== undefined) return { failure: `worker ${trapped.worker} of ${workers} ${trapped.type === 'trap' ? 'trapped' : 'died'}: ${trapped.message}` };
    if (timedOut) return { failure: `the run took longer than ${timeoutMs} ms and was aborted` };
    const failed = replies.find((r) => r.status !== 0);
    if (failed === undefined) return {};
    const allTwo = replies.every((r) => r.status === 2);
    return { failure: `wg_run_worker(${failed.worker}, ${workers}) returned ${failed.status}`, status: allTwo ? 2 : failed.status };
  }

  close() {
    for (const handle of this.#workers) handle.terminate();
    this.#workers = [];
  }
}

/**
 * One worker, the same to the pool in Node (worker_threads) and in browsers (a module Web Worker). Replies go to
 * `pending`, once; an error or an exit of the worker answers it with { type: 'lost' }.
 */
class WorkerHandle {
  pending = null;
  #worker;
  #node;

  static async create() {
    const script = new URL('./wasmgraph-worker.js', import.meta.url);
    try {
      if (isNode()) {
        const { Worker } = await import('node:worker_threads');
        return new WorkerHandle(new Worker(script), true);
      }
      if (typeof Worker === 'undefined') throw new Error('this environment has no Web Workers');
      return new WorkerHandle(new Worker(script, { type: 'module' }), false);
    } catch (e) {
      const error = new WasmGraphError(`its worker script ${script} could not be started (${e.message})`, { cause: e });
      error.workersUnavailable = true;
      throw error;
    }
  }

  constructor(worker, node) {
    this.#worker = worker;
    this.#node = node;
    const answer = (reply) => {
      const pending = this.pending;
      this.pending = null;
      pending?.(reply);
    };
    const lost = (what) => answer({ type: 'lost', message: what });
    if (node) {
      worker.on('message', answer);
      worker.on('error', (e) => lost(`${e?.name ?? 'Error'}: ${e?.message ?? e}`));
      worker.on('exit', (code) => lost(`the worker exited with code ${code}`));
    } else {
      worker.addEventListener('message', (e) => answer(e.data));
      worker.addEventListener('error', (e) => { e.preventDefault?.(); lost(e.message || 'the worker script failed to load or threw'); });
      worker.addEventListener('messageerror', () => lost('a message could not be deserialised'));
    }
  }

  post(message) { this.#worker.postMessage(message); }

  /** Node: a worker with a run in flight keeps the process alive; an idle one does not. */
  ref() { if (this.#node) this.#worker.ref(); }

  unref() { if (this.#node) this.#worker.unref(); }

  terminate() {
    this.pending = null;
    this.#worker.terminate();
  }
}

function describeInputs(inputs) {
  return inputs.length === 0 ? '(none)' : inputs.map((t) => `${t.name} ${typeOf(t)}`).join(', ');
}

/**
 * Checks a tensor given for input `info` and returns it; `source` names where it came from (a file) in the message.
 * A bounded dynamic input takes any shape within its bounds. bfloat16 has no .npy dtype, so a uint16 tensor of the
 * right shape is taken as its bits (docs/abi.md).
 */
export function checkInputTensor(info, tensor, source = `input '${info.name}'`) {
  const bfloat16Bits = info.dtype === 'bfloat16' && tensor.dtype === 'uint16';
  const rightType = tensor.dtype === info.dtype || bfloat16Bits;
  if (rightType && info.dynamic_dims?.length && !shapeFits(info, tensor.shape)) {
    throw new WasmGraphError(`${source}: shape [${tensor.shape}] is outside ${describeShapeRange(info)}`);
  }
  if (!rightType || !shapeFits(info, tensor.shape)) {
    const note = info.dtype === 'bfloat16' ? ' (give bfloat16 as uint16 bits)' : '';
    const declared = info.dynamic_dims?.length ? `${info.dtype}${describeShapeRange(info)}` : typeOf(info);
    throw new WasmGraphError(`${source}: holds ${describeType(tensor.dtype, tensor.shape)}, but input '${info.name}' is ${declared}${note}`);
  }
  return tensor;
}

/**
 * The raw bytes of `value` for input `info` and the shape they have, after checking its type: shape when it has
 * one, element type, byte size. A bare typed array for a dynamic input with one dynamic axis has its extent taken
 * from its length.
 */
function inputData(info, value) {
  let data = value;
  let shape;
  if (isObject(value) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
    if (!Array.isArray(value.shape) || !isDtype(value.dtype)) throw new WasmGraphError(`input '${info.name}': expected a typed array or { data, dtype, shape }`);
    checkInputTensor(info, value);
    data = value.data;
    shape = value.shape;
  }
  // Raw bytes (Uint8Array, DataView, ArrayBuffer) are taken as they are; any other typed array must be the dtype's.
  const raw = data instanceof ArrayBuffer || data instanceof DataView || data instanceof Uint8Array;
  if (!raw && ArrayBuffer.isView(data) && !(data instanceof DTYPES[info.dtype])) {
    throw new WasmGraphError(`input '${info.name}' is ${typeOf(info)}, got a ${data?.constructor?.name}`);
  }
  const bytes = toBytes(data);
  shape ??= shapeOfLength(info, bytes.byteLength);
  const needed = Number(byteSizeOf(info.dtype, shape));
  if (bytes.byteLength !== needed) {
    const type = shape === info.shape ? typeOf(info) : describeType(info.dtype, shape);
    throw new WasmGraphError(`input '${info.name}' needs ${needed} bytes (${type}), got ${bytes.byteLength}`);
  }
  return { bytes, shape };
}

/** The shape of `byteLength` bytes given without one for input `info`: the declared shape, or one dynamic axis's extent. */
function shapeOfLength(info, byteLength) {
  const dynamic = info.dynamic_dims ?? [];
  if (dynamic.length === 0 || byteLength === info.bytes) return info.shape;
  if (dynamic.length > 1) {
    throw new WasmGraphError(`input '${info.name}' has ${dynamic.length} dynamic axes ${describeShapeRange(info)}; give it as { data, dtype, shape }`);
  }
  const axis = dynamic[0];
  const slice = Number(byteSizeOf(info.dtype, info.shape.map((d, a) => (a === axis ? 1 : d))));
  if (slice === 0 || byteLength % slice !== 0) {
    throw new WasmGraphError(`input '${info.name}' ${describeShapeRange(info)}: ${byteLength} bytes are no whole number of ${slice}-byte slices along axis ${axis}`);
  }
  const shape = info.shape.map((d, a) => (a === axis ? byteLength / slice : d));
  if (!shapeFits(info, shape)) throw new WasmGraphError(`input '${info.name}': shape [${shape}] is outside ${describeShapeRange(info)}`);
  return shape;
}

/**
 * Writes a tensor of `shape` into an input buffer laid out at the bound `info.shape`: along each dynamic axis the first
 * shape[axis] entries are data, and the rest is zeroed padding (docs/abi.md), one contiguous innermost row at a time.
 */
function writeInBoundLayout(memory, at, info, bytes, shape) {
  const bound = info.shape;
  if (shape.every((d, a) => d === bound[a])) {
    memory.set(bytes, at);
    return;
  }
  memory.fill(0, at, at + info.bytes);
  const element = DTYPES[info.dtype].BYTES_PER_ELEMENT;
  const rank = shape.length;
  const strides = bound.map((_, a) => bound.slice(a + 1).reduce((x, y) => x * y, 1));
  const rowBytes = shape[rank - 1] * element;
  const rows = shape.slice(0, -1).reduce((x, y) => x * y, 1);
  const index = new Array(rank - 1).fill(0);
  for (let row = 0; row < rows; row++) {
    const offset = index.reduce((sum, v, a) => sum + v * strides[a], 0) * element;
    memory.set(bytes.subarray(row * rowBytes, (row + 1) * rowBytes), at + offset);
    for (let a = rank - 2; a >= 0 && ++index[a] === shape[a]; a--) index[a] = 0;
  }
}

/**
 * The actual tensor inside a bounded output's buffer, which has the bound's layout: along each dynamic axis only the
 * first dims[axis] entries are data (docs/abi.md, "Bounded outputs").
 */
export function trimToDims(padded, info, dims) {
  const bound = info.shape;
  const dynamic = new Set(info.dynamic_dims);
  if (dims.length !== bound.length || dims.some((d, a) => (dynamic.has(a) ? d < 0 || d > bound[a] : d !== bound[a]))) {
    throw new WasmGraphError(`the module reports dims [${dims}] for output '${info.name}', which do not fit its bound [${bound}]`);
  }
  const strides = bound.map((_, a) => bound.slice(a + 1).reduce((x, y) => x * y, 1));
  const out = new padded.constructor(dims.reduce((x, y) => x * y, 1));
  const index = new Array(dims.length).fill(0);
  for (let n = 0; n < out.length; n++) {
    out[n] = padded[index.reduce((offset, v, a) => offset + v * strides[a], 0)];
    for (let a = dims.length - 1; a >= 0 && ++index[a] === dims[a]; a--) index[a] = 0;
  }
  return out;
}
