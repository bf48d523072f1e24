// WasmGraph module loader for JavaScript hosts (Node >= 20 and browsers), with no dependencies.
//
// A module compiled by WasmGraph needs no imports: this file reads its `wasmgraph.meta` custom section from the bytes,
// instantiates it with an empty import object and drives the ABI of docs/abi.md: write each input's raw little-endian
// bytes at wg_input_ptr(i), call wg_run(), read each output at wg_output_ptr(i). It is the same contract the .NET host's
// Wasmtime runtime follows, so the same .wasm gives the same numbers here (up to relaxed-SIMD rounding, see README).
// A bounded output (NonZero, NonMaxSuppression, Unique: its size depends on the data) comes back trimmed to the dims
// the module reports through wg_output_dims(i), with `shape` the actual dims.
//
//   import { WasmGraphModel } from './wasmgraph.js';
//   const model = await WasmGraphModel.load(bytes);           // ArrayBuffer, Uint8Array or a fetch() Response
//   const out = model.run({ 'input:0': new Float32Array(1 * 128 * 128 * 3) });
//   out['Identity:0'].data                                     // Float32Array, with .shape and .dtype beside it

export const ABI_VERSION = 1;
export const METADATA_SECTION = 'wasmgraph.meta';

/**
 * Typed-array constructor for each dtype of the metadata (bool is one byte per element). float16 and bfloat16 have
 * no typed array in Node 20, so they come as Uint16Array holding the bits (docs/abi.md).
 */
export const DTYPES = {
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
};

/** Reads an unsigned LEB128 number at `at`; returns [value, nextOffset]. */
function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length) throw new Error('wasmgraph: truncated LEB128 number');
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
    shift += 7;
    if (shift > 35) throw new Error('wasmgraph: LEB128 number too long');
  }
}

/** The custom sections of a WebAssembly binary, by name, without compiling it (core spec §5.5). */
export function customSections(bytes) {
  const view = toBytes(bytes);
  if (view.length < 8 || view[0] !== 0 || view[1] !== 0x61 || view[2] !== 0x73 || view[3] !== 0x6d) {
    throw new Error('wasmgraph: not a WebAssembly module (bad magic)');
  }
  const sections = new Map();
  let at = 8;
  while (at < view.length) {
    const id = view[at++];
    let size;
    [size, at] = readLeb(view, at);
    const end = at + size;
    if (end > view.length) throw new Error(`wasmgraph: section at byte ${at} runs past the end (truncated module?)`);
    if (id === 0) {
      const [nameLength, nameStart] = readLeb(view, at);
      const name = new TextDecoder().decode(view.subarray(nameStart, nameStart + nameLength));
      sections.set(name, view.subarray(nameStart + nameLength, end));
    }
    at = end;
  }
  return sections;
}

/** The module's metadata JSON (inputs, outputs, hints); throws when the module was not made by WasmGraph. */
export function readMetadata(bytes) {
  const section = customSections(bytes).get(METADATA_SECTION);
  if (!section) throw new Error(`wasmgraph: no '${METADATA_SECTION}' custom section; was the module compiled by WasmGraph?`);
  return JSON.parse(new TextDecoder().decode(section));
}

function toBytes(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new TypeError('wasmgraph: expected an ArrayBuffer or a typed array');
}

/** A loaded module: one instance, run as often as needed. Not shared between threads (one instance per worker). */
export class WasmGraphModel {
  /** Compiles and instantiates `source` (bytes or a fetch Response) with no imports, and checks the ABI. */
  static async load(source) {
    const bytes = toBytes(typeof Response !== 'undefined' && source instanceof Response ? await source.arrayBuffer() : source);
    const metadata = readMetadata(bytes);
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new WasmGraphModel(instance, metadata);
  }

  constructor(instance, metadata) {
    const e = instance.exports;
    for (const name of ['memory', 'wg_run', 'wg_input_ptr', 'wg_output_ptr', 'wg_abi_version']) {
      if (!(name in e)) throw new Error(`wasmgraph: the module does not export '${name}' (docs/abi.md)`);
    }
    const version = e.wg_abi_version();
    if (version !== ABI_VERSION) throw new Error(`wasmgraph: module ABI version ${version}, this loader speaks ${ABI_VERSION}`);
    this.metadata = metadata;
    this.exports = e;
    // Addresses are fixed at compile time, so they are asked for once.
    this.inputPointers = metadata.inputs.map((_, i) => e.wg_input_ptr(i));
    this.outputPointers = metadata.outputs.map((_, i) => e.wg_output_ptr(i));
    // Bounded outputs (docs/abi.md): their size depends on the data, and wg_output_dims(i) says where the module
    // reports the actual dims after each run.
    this.outputDimsPointers = metadata.outputs.map((info, i) => {
      if (!info.dynamic_dims?.length) return null;
      if (!('wg_output_dims' in e)) throw new Error(`wasmgraph: output '${info.name}' has a data-dependent size, but the module does not export 'wg_output_dims'`);
      return e.wg_output_dims(i);
    });
  }

  get inputs() { return this.metadata.inputs; }
  get outputs() { return this.metadata.outputs; }

  /**
   * Runs the model. `inputs` maps each input name to a typed array of its dtype (or any ArrayBuffer view of exactly its
   * byte size); an array in input order also works. Returns { name: { data, shape, dtype } } with copied data.
   */
  run(inputs) {
    const memory = () => new Uint8Array(this.exports.memory.buffer);
    this.metadata.inputs.forEach((info, i) => {
      const value = Array.isArray(inputs) ? inputs[i] : inputs[info.name];
      if (value === undefined) throw new Error(`wasmgraph: missing input '${info.name}'`);
      const bytes = toBytes(value);
      if (bytes.byteLength !== info.bytes) {
        throw new Error(`wasmgraph: input '${info.name}' needs ${info.bytes} bytes (${info.dtype} [${info.shape}]), got ${bytes.byteLength}`);
      }
      memory().set(bytes, this.inputPointers[i]);
    });
    const status = this.exports.wg_run();
    if (status !== 0) throw new Error(`wasmgraph: wg_run returned ${status}`);
    const result = {};
    this.metadata.outputs.forEach((info, i) => {
      const copy = memory().slice(this.outputPointers[i], this.outputPointers[i] + info.bytes);
      const Type = DTYPES[info.dtype];
      if (!Type) throw new Error(`wasmgraph: output '${info.name}' has unknown dtype '${info.dtype}'`);
      const padded = new Type(copy.buffer, 0, info.bytes / Type.BYTES_PER_ELEMENT);
      if (this.outputDimsPointers[i] === null) {
        result[info.name] = { data: padded, shape: info.shape, dtype: info.dtype };
      } else {
        const dims = Array.from(new Int32Array(this.exports.memory.buffer, this.outputDimsPointers[i], info.shape.length));
        result[info.name] = { data: trimToDims(padded, info, dims), shape: dims, dtype: info.dtype };
      }
    });
    return result;
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
    throw new Error(`wasmgraph: the module reports dims [${dims}] for output '${info.name}', which do not fit its bound [${bound}]`);
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

/**
 * RGBA pixels (already width×height) → the float32 tensor of an image input, as the .NET host's ImageLoader does it:
 * value = (channel × scale − mean[c]) / std[c], channels in `order`, laid out as `layout` (NCHW or NHWC).
 */
export function tensorFromRgba(rgba, width, height, { layout = 'NCHW', order = 'RGB', scale = 1 / 255, mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225] } = {}) {
  const out = new Float32Array(3 * width * height);
  const plane = width * height;
  const perChannel = (values, c) => (values.length === 1 ? values[0] : values[c]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const rgb = [rgba[p], rgba[p + 1], rgba[p + 2]];
      for (let c = 0; c < 3; c++) {
        const value = order === 'BGR' ? rgb[2 - c] : rgb[c];
        const index = layout === 'NCHW' ? c * plane + y * width + x : (y * width + x) * 3 + c;
        out[index] = (value * scale - perChannel(mean, c)) / perChannel(std, c);
      }
    }
  }
  return out;
}

/** Preprocessing options from a module's metadata hints (the same keys `wasmgraph compile --hint` writes). */
export function preprocessingFromHints(hints = {}) {
  const numbers = (text) => text.split(',').map(Number);
  const fraction = (text) => text.split('/').map(Number).reduce((a, b) => a / b);
  const options = {};
  if (hints.layout) options.layout = hints.layout.toUpperCase();
  if (hints.channel_order) options.order = hints.channel_order.toUpperCase();
  if (hints.scale) options.scale = fraction(hints.scale);
  if (hints.mean) options.mean = numbers(hints.mean);
  if (hints.std) options.std = numbers(hints.std);
  return options;
}
