// Types of npy.js: reading and writing NumPy .npy files for the dtypes of the WasmGraph ABI.

import type { Dtype, DtypeArrays, TypedArray } from './wasmgraph.js';

/** Bytes a reader needs to see to know where the header ends. */
export const NPY_PREFIX_BYTES: 12;
/** The longest header accepted, in bytes. */
export const NPY_MAX_HEADER_BYTES: number;

/** Where the header of a .npy file ends (the data's offset), from its first bytes; `name` names the file in messages. */
export function npyHeaderEnd(prefix: ArrayBuffer | ArrayBufferView, name: string): number;

/** A parsed .npy header: the type, and where and how large the data is. */
export interface NpyHeader {
  dtype: Dtype;
  shape: number[];
  dataOffset: number;
  dataBytes: number;
}

/** Parses the header of a .npy file from bytes that hold at least all of it; allocates nothing for the data. */
export function parseNpyHeader(buffer: ArrayBuffer | ArrayBufferView, name: string): NpyHeader;

/** Parses .npy bytes into a tensor (data is a copy, of the dtype's typed array). */
export function parseNpy(buffer: ArrayBuffer | ArrayBufferView, name?: string): { dtype: Dtype; shape: number[]; data: TypedArray };

/** A typed array of `dtype` over a copy of `bytes`. */
export function typedArrayOf<D extends Dtype>(dtype: D, bytes: Uint8Array): DtypeArrays[D];

/** Encodes a typed array with its dtype and shape as .npy (format 1.0) bytes. */
export function formatNpy(data: ArrayBufferView, dtype: Dtype, shape: ReadonlyArray<number>): Uint8Array;
