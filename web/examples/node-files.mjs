// File handling for node-run.mjs, with the rules the .NET CLI follows for untrusted paths and sizes: a path where a
// file is expected must be a regular file (a FIFO would block the open, a device or /dev/zero would never end), it is
// read with a size cap checked before anything is allocated, and outputs are written atomically (a temporary file in
// the same folder, then rename) and never over anything but a regular file. Node-only, so kept out of web/*.js.

import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WasmGraphError, checkInputTensor } from '../wasmgraph.js';
import { NPY_PREFIX_BYTES, npyHeaderEnd, parseNpyHeader, typedArrayOf } from '../npy.js';

/** What a non-regular file is, for messages. */
function kindOf(stats) {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return stats.isFile() ? 'a regular file' : 'not a regular file';
}

/** A Node system error (ENOENT, EACCES, …) as one line naming the path, without Node's stack. */
export function describeSystemError(e, path) {
  const reasons = { ENOENT: 'file not found', EACCES: 'permission denied', EPERM: 'operation not permitted', ENOTDIR: 'a parent is not a directory', EISDIR: 'is a directory', ENOSPC: 'no space left on the device', EROFS: 'read-only file system', ENAMETOOLONG: 'name too long', ELOOP: 'too many symbolic links' };
  return `${path}: ${reasons[e.code] ?? e.message}`;
}

/** True for the errors Node's fs functions throw (they carry an errno code), which are the user's, not ours. */
export function isSystemError(e) {
  return e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}

function systemCall(path, call) {
  try {
    return call();
  } catch (e) {
    if (isSystemError(e)) throw new WasmGraphError(describeSystemError(e, path), { cause: e });
    throw e;
  }
}

/**
 * Opens `path` for reading if it is a regular file: stat first, so a FIFO is refused before an open could block on
 * it; O_NONBLOCK and a second fstat on the descriptor close the window in which the path could be swapped.
 * Returns { fd, size }; the caller closes fd.
 */
export function openRegularFile(path, what) {
  if (path === '') throw new WasmGraphError(`${what}: the path is empty`);
  const stats = systemCall(path, () => statSync(path));
  if (!stats.isFile()) throw new WasmGraphError(`${path}: ${what} must be a regular file, but this is ${kindOf(stats)}`);
  const fd = systemCall(path, () => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  const opened = fstatSync(fd);
  if (!opened.isFile()) {
    closeSync(fd);
    throw new WasmGraphError(`${path}: ${what} must be a regular file, but this is ${kindOf(opened)}`);
  }
  return { fd, size: opened.size };
}

/** Reads exactly `length` bytes at `position`, or throws naming the file as truncated. */
function readAt(fd, length, position, path, what) {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = systemCall(path, () => readSync(fd, buffer, done, length - done, position + done));
    if (n === 0) throw new WasmGraphError(`${path}: truncated ${what}`);
    done += n;
  }
  return buffer;
}

/** The whole of a regular file of at most `maxBytes` (checked before reading; `limitNote` says why that limit). */
export function readRegularFile(path, what, maxBytes, limitNote) {
  const { fd, size } = openRegularFile(path, what);
  try {
    if (size > maxBytes) throw new WasmGraphError(`${path}: ${what} is ${size} bytes, over the limit of ${maxBytes} bytes (${limitNote})`);
    return readAt(fd, size, 0, path, what);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a .npy file for model input `info`: the header first, checked against the input's dtype and shape, and only
 * then the data, so a wrong or lying header costs no allocation and the bytes read are the ones the model declares.
 * Returns the input as { data (its raw bytes), dtype, shape }: a bounded dynamic input may have any shape within its
 * bounds, and the loader writes it in the bound's layout.
 */
export function readNpyInput(path, info) {
  const { fd, size } = openRegularFile(path, `the .npy file for input '${info.name}'`);
  try {
    const prefix = readAt(fd, Math.min(size, NPY_PREFIX_BYTES), 0, path, '.npy header');
    const dataOffset = npyHeaderEnd(prefix, path);
    if (size < dataOffset) throw new WasmGraphError(`${path}: truncated .npy header`);
    const header = parseNpyHeader(readAt(fd, dataOffset, 0, path, '.npy header'), path);
    checkInputTensor(info, header, path);
    if (size - dataOffset < header.dataBytes) {
      throw new WasmGraphError(`${path}: truncated .npy data: ${header.dtype}[${header.shape.join(',')}] needs ${header.dataBytes} bytes`);
    }
    return { data: typedArrayOf('uint8', readAt(fd, header.dataBytes, dataOffset, path, '.npy data')), dtype: info.dtype, shape: header.shape };
  } finally {
    closeSync(fd);
  }
}

/** Makes `dir` (and its parents) unless it exists; it must be a directory. Checked before a run, not after it. */
export function prepareOutputDirectory(dir) {
  if (dir === '') throw new WasmGraphError('--output-dir: the path is empty');
  const existing = statOrNull(dir);
  if (existing && !existing.isDirectory()) throw new WasmGraphError(`--output-dir ${dir}: not a directory (it is ${kindOf(existing)})`);
  if (!existing) systemCall(dir, () => mkdirSync(dir, { recursive: true }));
}

function statOrNull(path) {
  try {
    return statSync(path);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw new WasmGraphError(describeSystemError(e, path), { cause: e });
  }
}

/** Temporary files not yet renamed into place, removed if the process stops early (see removeReservedOutputs). */
const reserved = new Set();

/**
 * Reserves `path` for an output before the run: refuses to replace anything but a regular file (a symbolic link is
 * fine, rename replaces the link and not its target) and creates the temporary file it will be written to, so an
 * unwritable folder (read-only, /proc, full) is found before the module runs, not after.
 */
export function reserveOutput(path) {
  let stats = null;
  try {
    stats = lstatSync(path);
  } catch (e) {
    if (e.code !== 'ENOENT') throw new WasmGraphError(describeSystemError(e, path), { cause: e });
  }
  if (stats && !stats.isFile() && !stats.isSymbolicLink()) throw new WasmGraphError(`${path}: exists and is ${kindOf(stats)}; not replacing it`);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd;
  try {
    fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (e) {
    if (isSystemError(e)) throw new WasmGraphError(`${path}: cannot create a file in ${dirname(path)} (${e.code})`, { cause: e });
    throw e;
  }
  const output = { path, temporary, fd };
  reserved.add(output);
  return output;
}

/** Writes `bytes` to a reserved output and renames it into place: a reader never sees half a file. */
export function commitOutput(output, bytes) {
  try {
    for (let done = 0; done < bytes.byteLength;) done += systemCall(output.path, () => writeSync(output.fd, bytes, done, bytes.byteLength - done));
    closeSync(output.fd);
    output.fd = undefined;
    systemCall(output.path, () => renameSync(output.temporary, output.path));
    reserved.delete(output);
  } catch (e) {
    removeReservedOutputs();
    throw e;
  }
}

/** Removes every reserved output's temporary file (an error, a time limit or a signal stopped the run). */
export function removeReservedOutputs() {
  for (const output of reserved) {
    try { if (output.fd !== undefined) closeSync(output.fd); } catch { /* already closed */ }
    try { unlinkSync(output.temporary); } catch { /* already gone */ }
  }
  reserved.clear();
}
