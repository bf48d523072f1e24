// Minimal .npy (NumPy format 1.0/2.0/3.0) reading and writing, for the dtypes of the WasmGraph ABI, so the Node
// example exchanges tensors with `wasmgraph run --input x=x.npy --output-dir DIR` and with NumPy. Little-endian, C order.
// No Node imports: a page can use it too.
//
// A .npy file is untrusted input with the same rules as the .NET NpyFile: the header is checked (magic, version,
// length, descr, order, shape) and the data size it declares is computed exactly and compared with the bytes present
// before anything is allocated for it. A caller reading a file can parse the header alone first (npyHeaderEnd,
// parseNpyHeader) and check the declared type against what it expects before reading the data.

import { DTYPES, MAX_TENSOR_BYTES, WasmGraphError, byteSizeOf, describeType } from './wasmgraph.js';

// bfloat16 has no NumPy dtype: it is written as '<u2' bits, so a '<u2' file reads back as uint16 (listed last, it wins).
const DESCR = {
  float32: '<f4', float64: '<f8', float16: '<f2', bfloat16: '<u2', int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1',
  uint64: '<u8', uint32: '<u4', uint16: '<u2', uint8: '|u1', bool: '|b1',
};
/** dtype by descr without its byte-order character ('f4' → float32). */
const BY_CODE = Object.fromEntries(Object.entries(DESCR).map(([dtype, descr]) => [descr.slice(1), dtype]));
const SUPPORTED = [...new Set(Object.values(DESCR))].join(', ');

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Bytes a reader needs to see to know where the header ends (magic, version, a 4-byte length for format 2.0+). */
export const NPY_PREFIX_BYTES = 12;

/** A header longer than this is not a tensor description but an attempt to make us allocate (NumPy writes < 1 KiB). */
export const NPY_MAX_HEADER_BYTES = 1 << 20;

/**
 * Where the header of a .npy file ends (the data's offset), from its first bytes (NPY_PREFIX_BYTES, or the whole
 * file when it is shorter). `name` names the file in messages.
 */
export function npyHeaderEnd(prefix, name) {
  const bytes = asBytes(prefix);
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new WasmGraphError(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const lengthBytes = major === 1 ? 2 : major === 2 || major === 3 ? 4 : 0;
  if (lengthBytes === 0) throw new WasmGraphError(`${name}: unsupported .npy format version ${major}.${bytes[7]}`);
  if (bytes.length < 8 + lengthBytes) throw new WasmGraphError(`${name}: truncated .npy header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + 8, lengthBytes);
  const headerLength = lengthBytes === 2 ? view.getUint16(0, true) : view.getUint32(0, true);
  if (headerLength > NPY_MAX_HEADER_BYTES) throw new WasmGraphError(`${name}: .npy header length ${headerLength} is implausible`);
  return 8 + lengthBytes + headerLength;
}

/**
 * Parses the header of a .npy file from bytes that hold at least all of it: { dtype, shape, dataOffset, dataBytes }.
 * dataBytes is what the header declares, checked to be addressable (at most MAX_TENSOR_BYTES); nothing is allocated.
 */
export function parseNpyHeader(buffer, name) {
  const bytes = asBytes(buffer);
  const dataOffset = npyHeaderEnd(bytes, name);
  if (bytes.length < dataOffset) throw new WasmGraphError(`${name}: truncated .npy header`);
  const start = bytes[6] === 1 ? 10 : 12;
  const header = new TextDecoder(bytes[6] === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataOffset));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) throw new WasmGraphError(`${name}: malformed .npy header: ${header.trim()}`);
  if (fortran[1] === 'True') throw new WasmGraphError(`${name}: Fortran-order arrays are not supported; save with np.ascontiguousarray(a)`);
  const text = descr[1];
  if (text.length < 2 || !'<|='.includes(text[0])) throw new WasmGraphError(`${name}: dtype '${text}' is not supported (need little-endian: ${SUPPORTED})`);
  const dtype = Object.hasOwn(BY_CODE, text.slice(1)) ? BY_CODE[text.slice(1)] : undefined;
  if (!dtype) throw new WasmGraphError(`${name}: dtype '${text}' is not supported (supported: ${SUPPORTED}; bfloat16 as <u2 bits)`);
  const dims = [];
  for (const part of shapeText[1].split(',').map((s) => s.trim()).filter(Boolean)) {
    const digits = part.replace(/L$/, '');
    if (!/^[0-9]+$/.test(digits)) throw new WasmGraphError(`${name}: bad shape '(${shapeText[1]})' in .npy header`);
    dims.push(BigInt(digits));
  }
  // The exact product: dims beyond 2^53 or a product past 2 GiB are refused here, not discovered by an allocation.
  const size = byteSizeOf(dtype, dims);
  if (size > BigInt(MAX_TENSOR_BYTES)) {
    throw new WasmGraphError(`${name}: ${describeType(dtype, dims)} is ${size} bytes; tensors over 2 GiB are not supported`);
  }
  const shape = dims.map(Number);
  return { dtype, shape, dataOffset, dataBytes: Number(size) };
}

/** Parses .npy bytes into { dtype, shape, data } (data is a typed array of the dtype, a copy). */
export function parseNpy(buffer, name = '.npy') {
  const bytes = asBytes(buffer);
  const { dtype, shape, dataOffset, dataBytes } = parseNpyHeader(bytes, name);
  if (bytes.length - dataOffset < dataBytes) {
    throw new WasmGraphError(`${name}: truncated .npy data: ${describeType(dtype, shape)} needs ${dataBytes} bytes`);
  }
  return { dtype, shape, data: typedArrayOf(dtype, bytes.subarray(dataOffset, dataOffset + dataBytes)) };
}

/**
 * A typed array of `dtype` over a copy of `bytes` (a copy is aligned, whatever the header length was). The copy is
 * made with the Uint8Array constructor, not `bytes.slice()`: on a Node Buffer (what fs.readFile returns) slice is a
 * view of the same memory, whose `.buffer` starts at the file's first byte, not at the data.
 */
export function typedArrayOf(dtype, bytes) {
  const Type = DTYPES[dtype];
  return new Type(new Uint8Array(bytes).buffer, 0, bytes.byteLength / Type.BYTES_PER_ELEMENT);
}

/** Encodes a typed array with its dtype and shape as .npy (format 1.0) bytes. */
export function formatNpy(data, dtype, shape) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([...MAGIC, 1, 0, header.length & 0xff, header.length >> 8], 0);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

function asBytes(buffer) {
  if (buffer instanceof Uint8Array) return buffer;
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new WasmGraphError('npy: expected an ArrayBuffer or a typed array');
}
