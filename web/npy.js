// Minimal .npy (NumPy format 1.0/2.0) reading and writing for Node, for the dtypes of the WasmGraph ABI, so the Node
// example exchanges tensors with `wasmgraph run --input x=x.npy --output-dir DIR` and with NumPy. Little-endian, C order.

import { DTYPES } from './wasmgraph.js';

// bfloat16 has no NumPy dtype: it is written as '<u2' bits, so a '<u2' file reads back as uint16 (listed last, it wins).
const DESCR = {
  float32: '<f4', float64: '<f8', float16: '<f2', bfloat16: '<u2', int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1',
  uint64: '<u8', uint32: '<u4', uint16: '<u2', uint8: '|u1', bool: '|b1',
};
const BY_DESCR = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k]));

/** Parses .npy bytes into { dtype, shape, data } (data is a typed array of the dtype). */
export function parseNpy(buffer) {
  const bytes = new Uint8Array(buffer.buffer ?? buffer, buffer.byteOffset ?? 0, buffer.byteLength);
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw new Error('npy: bad magic');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const dtype = BY_DESCR[descr === '<b1' ? '|b1' : descr];
  if (!dtype) throw new Error(`npy: unsupported dtype ${descr}`);
  if (fortran) throw new Error('npy: Fortran order is not supported');
  const Type = DTYPES[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const copy = bytes.slice(start, start + count * Type.BYTES_PER_ELEMENT);
  return { dtype, shape, data: new Type(copy.buffer, 0, count) };
}

/** Encodes a typed array with its dtype and shape as .npy (format 1.0) bytes. */
export function formatNpy(data, dtype, shape) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8], 0);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
