// WasmGraph module loader for JavaScript hosts (Node >= 20 and browsers), with no dependencies.
//
// A module compiled by WasmGraph needs no imports: this file reads its `wasmgraph.meta` custom section from the bytes,
// instantiates it with an empty import object and drives the ABI of docs/abi.md: write each input's raw little-endian
// bytes at wg_input_ptr(i), call wg_run(), read each output at wg_output_ptr(i). It is the same contract the .NET host's
// Wasmtime runtime follows, so the same .wasm gives the same numbers here (up to relaxed-SIMD rounding, see README).
// A bounded output (NonZero, NonMaxSuppression, Unique: its size depends on the data) comes back trimmed to the dims
// the module reports through wg_output_dims(i), with `shape` the actual dims.
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
      importCount += readU32(bytes, at, end, 'import count')[0];
    } else if (id > LAST_KNOWN_SECTION) {
      throw invalidModule(`unknown section id ${id} at offset ${sectionStart}`);
    }
    at = end;
  }
  return { customSections, importCount };
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
  metadata.hints ??= {};
  if (!isObject(metadata.hints) || Object.values(metadata.hints).some((v) => typeof v !== 'string')) {
    throw new WasmGraphError('model metadata has hints that are not an object of strings');
  }
  return metadata;
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
const OPTIONAL_EXPORTS = [['wg_output_dims', 'function']];

/**
 * Reads and checks a module's headers and metadata, refuses imports, compiles it and checks its exports. The result,
 * { module, metadata }, can be posted to a worker (a WebAssembly.Module is cloneable) and instantiated there.
 */
export async function compileModule(source) {
  const bytes = toBytes(source);
  const info = readModuleInfo(bytes);
  if (info.importCount > 0) {
    throw new WasmGraphError(`module imports ${info.importCount} item${info.importCount === 1 ? '' : 's'}; WasmGraph modules must be self-contained`);
  }
  const metadata = metadataOf(info);
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
  for (const [name, kind] of REQUIRED_EXPORTS) {
    if (!exports.has(name)) problems.push(`missing export '${name}' (a ${kind})`);
    else if (exports.get(name) !== kind) problems.push(`export '${name}' is not a ${kind}`);
  }
  for (const [name, kind] of OPTIONAL_EXPORTS) {
    if (exports.has(name) && exports.get(name) !== kind) problems.push(`export '${name}' is not a ${kind}`);
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

/** A loaded module: one instance, run as often as needed. Not shared between threads (one instance per worker). */
export class WasmGraphModel {
  /**
   * Loads the fastest module of a set this engine runs. `modules` maps profile names to sources (see readSource), for
   * example `{ relaxed: 'model.wasm', simd128: 'model.simd128.wasm', mvp: 'model.mvp.wasm' }` or `targetSet(url)`;
   * profiles may be left out. The chosen profile is `model.target`. A module whose metadata names another profile
   * than its key is refused: a mislabelled set would fail to compile or run a slower module than it says.
   */
  static async loadBest(modules) {
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
    const model = await WasmGraphModel.instantiate(compiled);
    model.target = target;
    return model;
  }

  /** Compiles and instantiates `source` (bytes or a fetch Response) with no imports, and checks the ABI. */
  static async load(source) {
    const bytes = typeof Response !== 'undefined' && source instanceof Response ? await source.arrayBuffer() : source;
    return WasmGraphModel.instantiate(await compileModule(bytes));
  }

  /** Instantiates the result of compileModule (possibly posted from another thread). */
  static async instantiate({ module, metadata }) {
    let instance;
    try {
      instance = await WebAssembly.instantiate(module, {});
    } catch (e) {
      // A start function that traps, or a memory the engine cannot allocate (RangeError).
      if (e instanceof WebAssembly.RuntimeError || e instanceof WebAssembly.LinkError || e instanceof RangeError) {
        throw new WasmGraphError(`could not instantiate the module: ${e.message}`, { cause: e });
      }
      throw e;
    }
    return new WasmGraphModel(instance, validateMetadata(metadata));
  }

  constructor(instance, metadata) {
    const e = instance.exports;
    this.metadata = metadata;
    this.exports = e;
    const version = invoke('wg_abi_version', () => e.wg_abi_version());
    if (version !== ABI_VERSION) throw new WasmGraphError(`module reports ABI version ${version} (wg_abi_version); this runtime supports version ${ABI_VERSION}`);
    // Addresses are fixed at compile time, so they are asked for once, and checked once against the memory.
    this.inputPointers = this.#addresses('input', metadata.inputs, (i) => e.wg_input_ptr(i));
    this.outputPointers = this.#addresses('output', metadata.outputs, (i) => e.wg_output_ptr(i));
    // Bounded outputs (docs/abi.md): their size depends on the data, and wg_output_dims(i) says where the module
    // reports the actual dims after each run.
    this.outputDimsPointers = metadata.outputs.map((info, i) => {
      if (!info.dynamic_dims?.length) return null;
      if (typeof e.wg_output_dims !== 'function') throw new WasmGraphError(`output '${info.name}' has a data-dependent size, but the module does not export wg_output_dims`);
      const pointer = invoke(`wg_output_dims(${i})`, () => e.wg_output_dims(i));
      const address = pointer >>> 0;
      if (pointer === -1 || address + 4 * info.shape.length > this.#memoryBytes()) {
        throw new WasmGraphError(`wg_output_dims(${i}) returned ${pointer}, which is not an address of ${info.shape.length} dims in the module's memory`);
      }
      return address;
    });
  }

  get inputs() { return this.metadata.inputs; }
  get outputs() { return this.metadata.outputs; }

  #memoryBytes() { return this.exports.memory.buffer.byteLength; }

  #memory() { return new Uint8Array(this.exports.memory.buffer); }

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
   * Runs the model. `inputs` maps each input name to a tensor: a typed array of its dtype (or a Uint8Array/DataView
   * of its raw bytes), or { data, dtype, shape } whose dtype and shape are checked against the metadata; null fills
   * the input with zeros. An array in input order also works. Returns { name: { data, shape, dtype } } with copied data.
   */
  run(inputs) {
    const declared = this.metadata.inputs;
    if (!isObject(inputs) && !Array.isArray(inputs)) throw new WasmGraphError('run: expected the inputs as an object by name or an array');
    if (!Array.isArray(inputs)) {
      const unknown = Object.keys(inputs).find((k) => !declared.some((t) => t.name === k));
      if (unknown !== undefined) throw new WasmGraphError(`unknown input '${unknown}'; the model's inputs are: ${describeInputs(declared)}`);
    }
    declared.forEach((info, i) => {
      const value = Array.isArray(inputs) ? inputs[i] : inputs[info.name];
      if (value === undefined) throw new WasmGraphError(`missing input '${info.name}' (${typeOf(info)}); the model's inputs are: ${describeInputs(declared)}`);
      const at = this.inputPointers[i];
      if (value === null) this.#memory().fill(0, at, at + info.bytes);
      else this.#memory().set(inputBytes(info, value), at);
    });
    const status = invoke('run', () => this.exports.wg_run());
    if (status !== 0) throw new WasmGraphError(`run failed: wg_run returned ${status}`);
    const result = {};
    this.metadata.outputs.forEach((info, i) => {
      const at = this.outputPointers[i];
      const copy = this.#memory().slice(at, at + info.bytes);
      const Type = DTYPES[info.dtype];
      const padded = new Type(copy.buffer, 0, info.bytes / Type.BYTES_PER_ELEMENT);
      if (this.outputDimsPointers[i] === null) {
        result[info.name] = { data: padded, shape: info.shape, dtype: info.dtype };
      } else {
        const dims = Array.from(new Int32Array(this.exports.memory.buffer.slice(this.outputDimsPointers[i], this.outputDimsPointers[i] + 4 * info.shape.length)));
        result[info.name] = { data: trimToDims(padded, info, dims), shape: dims, dtype: info.dtype };
      }
    });
    return result;
  }
}

function describeInputs(inputs) {
  return inputs.length === 0 ? '(none)' : inputs.map((t) => `${t.name} ${typeOf(t)}`).join(', ');
}

/**
 * Checks a tensor given for input `info` and returns it; `source` names where it came from (a file) in the message.
 * bfloat16 has no .npy dtype, so a uint16 tensor of the right shape is taken as its bits (docs/abi.md).
 */
export function checkInputTensor(info, tensor, source = `input '${info.name}'`) {
  const sameShape = tensor.shape.length === info.shape.length && tensor.shape.every((d, a) => d === info.shape[a]);
  const bfloat16Bits = info.dtype === 'bfloat16' && tensor.dtype === 'uint16';
  if (!sameShape || (tensor.dtype !== info.dtype && !bfloat16Bits)) {
    const note = info.dtype === 'bfloat16' ? ' (give bfloat16 as uint16 bits)' : '';
    throw new WasmGraphError(`${source}: holds ${describeType(tensor.dtype, tensor.shape)}, but input '${info.name}' is ${typeOf(info)}${note}`);
  }
  return tensor;
}

/** The raw bytes of `value` for input `info`, after checking its type: shape when it has one, element type, byte size. */
function inputBytes(info, value) {
  let data = value;
  if (isObject(value) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
    if (!Array.isArray(value.shape) || !isDtype(value.dtype)) throw new WasmGraphError(`input '${info.name}': expected a typed array or { data, dtype, shape }`);
    checkInputTensor(info, value);
    data = value.data;
  }
  // Raw bytes (Uint8Array, DataView, ArrayBuffer) are taken as they are; any other typed array must be the dtype's.
  const raw = data instanceof ArrayBuffer || data instanceof DataView || data instanceof Uint8Array;
  if (!raw && ArrayBuffer.isView(data) && !(data instanceof DTYPES[info.dtype])) {
    throw new WasmGraphError(`input '${info.name}' is ${typeOf(info)}, got a ${data.constructor.name}`);
  }
  const bytes = toBytes(data);
  if (bytes.byteLength !== info.bytes) {
    throw new WasmGraphError(`input '${info.name}' needs ${info.bytes} bytes (${typeOf(info)}), got ${bytes.byteLength}`);
  }
  return bytes;
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
