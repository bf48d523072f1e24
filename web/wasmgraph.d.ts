// Types of wasmgraph.js, the loader of WasmGraph modules (docs/abi.md). Checked by tests/Web.Tests (NpmPackageTests),
// which compiles a consumer against them with tsc.

/** The module ABI version this loader drives. */
export const ABI_VERSION: 1;
/** The name of the custom section holding the metadata JSON. */
export const METADATA_SECTION: 'wasmgraph.meta';
/** The largest tensor the ABI carries, in bytes (2^31 - 1). */
export const MAX_TENSOR_BYTES: number;
/** The largest metadata section read, in bytes. */
export const MAX_METADATA_BYTES: number;
/** The largest compiled worker count of a threaded module (`compile --threads N`, 2 ≤ N ≤ 64). */
export const MAX_THREADS: 64;

/** A tensor element type of the ABI. float16 and bfloat16 travel as Uint16Array bits; bool as one byte per element. */
export type Dtype =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int64' | 'int32' | 'int16' | 'int8'
  | 'uint64' | 'uint32' | 'uint16' | 'uint8' | 'bool';

/** The typed array that holds each dtype. */
export interface DtypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint64: BigUint64Array;
  uint32: Uint32Array;
  uint16: Uint16Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** Any typed array a tensor of the ABI can be held in. */
export type TypedArray = DtypeArrays[Dtype];

/** The typed-array constructor of each dtype. */
export const DTYPES: Readonly<{ [D in Dtype]: { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): DtypeArrays[D]; new (length: number): DtypeArrays[D]; readonly BYTES_PER_ELEMENT: number } }>;

/** True when `name` is a dtype of the ABI. */
export function isDtype(name: unknown): name is Dtype;

/** A problem with a module, its metadata or its inputs: the caller's input, not a bug of the loader. */
export class WasmGraphError extends Error {
  constructor(message?: string, options?: ErrorOptions);
  name: 'WasmGraphError';
}

/** One input or output as the metadata declares it. */
export interface TensorInfo {
  name: string;
  dtype: Dtype;
  /** The static shape; for a bounded output or a bounded dynamic input, the bound. */
  shape: number[];
  /** dtype × shape in bytes (at the bound). */
  bytes: number;
  /**
   * The axes whose extent varies at run time: a bounded output's are reported after each run (docs/abi.md, "Bounded
   * outputs"); a bounded dynamic input's (`compile --input-shape x=1,1..128`) take any extent from min_shape to shape.
   */
  dynamic_dims?: number[];
  /** A bounded dynamic input's smallest shape (equal to `shape` on its static axes). */
  min_shape?: number[];
}

/** One compiled kernel and its work per run. */
export interface KernelInfo {
  name: string;
  op: string;
  flops: number;
  /** A convolution's algorithm (`direct`, `winograd2`, `winograd4`, `winograd6`) and what chose it (`tuned`, `table`, `forced`, `default`). */
  algorithm?: string;
  chosen_by?: string;
}

/** The `wasmgraph.meta` section (docs/abi.md). Fields this loader does not read are kept as the module has them. */
export interface ModelMetadata {
  abi_version?: number;
  name?: string;
  producer?: string;
  opset?: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  arena_bytes?: number;
  scratch_bytes?: number;
  weight_bytes?: number;
  kernels?: KernelInfo[];
  /** The target profile the module was compiled for (`wasmgraph compile --target`), or `custom` for another feature set. */
  target?: Target | typeof CUSTOM_TARGET;
  /** The WebAssembly features it was compiled with, in LLVM's `+simd128,…` form. */
  features?: string;
  /** Preprocessing hints written by `wasmgraph compile --hint` (layout, scale, mean, std, channel_order, labels). */
  hints: Record<string, string>;
  /** A threaded module's compiled maximum worker count (`compile --threads N`); absent for a single-threaded module. */
  threads?: number;
  /** A threaded module's imported shared memory (env.memory), in 64 KiB pages. */
  shared_memory?: { initial_pages: number; maximum_pages: number };
  [key: string]: unknown;
}

/** Module bytes. */
export type ModuleBytes = ArrayBuffer | ArrayBufferView;

/** The target profiles, fastest first (docs/targets.md). */
export const TARGETS: readonly ['relaxed', 'simd128', 'mvp'];
export type Target = 'relaxed' | 'simd128' | 'mvp';
/** The `target` of a module compiled for a feature set that is no profile. */
export const CUSTOM_TARGET: 'custom';
/** The profiles this engine runs (WebAssembly.validate on a relaxed-SIMD and a SIMD128 probe; `mvp` always). */
export function supportedTargets(): Target[];
/** The fastest of `available` (default: all) this engine runs, or null. */
export function bestTarget(available?: readonly string[]): Target | null;
/** The file names `compile --target all` writes for `path` (`model.wasm`, `model.simd128.wasm`, `model.mvp.wasm`). */
export function targetSet(pathOrUrl: string | URL): { relaxed: string; simd128: string; mvp: string };
/** A module given to loadBest: bytes, a fetch Response, a URL or path to fetch, or a function producing one (called only for the chosen profile). */
export type ModuleSource = ModuleBytes | Response | string | URL;

/** `float32[1,3,224,224]`; a bounded axis prints as `≤bound`. */
export function describeType(dtype: string, shape: ReadonlyArray<number | bigint>, dynamicDims?: ReadonlyArray<number> | null): string;
/** The declared type of a metadata tensor, printed. */
export function typeOf(info: TensorInfo): string;
/** dtype × shape in bytes, exact. */
export function byteSizeOf(dtype: Dtype, shape: ReadonlyArray<number | bigint>): bigint;

/** One import of a WebAssembly binary; a memory's limits (in pages) and whether it is shared. */
export interface ModuleImport {
  module: string;
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag' | string;
  initial?: number;
  maximum?: number;
  shared?: boolean;
}
/** The custom sections, import count and imports of a WebAssembly binary, read without compiling it. */
export function readModuleInfo(source: ModuleBytes): { customSections: { name: string; content: Uint8Array }[]; importCount: number; imports: ModuleImport[] };
/** The custom sections of a WebAssembly binary by name (the first of a repeated name). */
export function customSections(bytes: ModuleBytes): Map<string, Uint8Array>;
/** The module's metadata, checked; throws WasmGraphError when it is missing or wrong. */
export function readMetadata(bytes: ModuleBytes): ModelMetadata;
/** Checks parsed metadata; returns it with absent input lists and hints defaulted. */
export function validateMetadata(metadata: unknown): ModelMetadata;
/** True when the metadata declares a threaded module (`threads` and `shared_memory`). */
export function isThreaded(metadata: ModelMetadata): boolean;
/** The shapes an input takes, as messages print them: `[1,1..128]` for a bounded dynamic input, the shape otherwise. */
export function describeShapeRange(info: TensorInfo): string;
/** True when `shape` is one that input `info` takes (each dynamic dim within [min_shape, shape], the others equal). */
export function shapeFits(info: TensorInfo, shape: readonly number[]): boolean;

/** A compiled, checked module: post it to a worker and instantiate it there with WasmGraphModel.instantiate. */
export interface CompiledModule {
  module: WebAssembly.Module;
  metadata: ModelMetadata;
}

/** Reads and checks a module's headers and metadata, refuses imports (but a threaded module's shared env.memory), compiles it and checks its exports. */
export function compileModule(source: ModuleBytes): Promise<CompiledModule>;

/** A tensor with its type, as run() returns it and as an input may be given. */
export interface Tensor<D extends Dtype = Dtype> {
  data: DtypeArrays[D];
  shape: number[];
  dtype: D;
}

/**
 * One input: a typed array of its dtype, its raw bytes (Uint8Array, DataView, ArrayBuffer), a Tensor whose dtype and
 * shape are checked against the metadata, or null for zeros.
 */
export type InputValue = TypedArray | ArrayBuffer | DataView | Tensor | null;

/** Options of load, loadBest and instantiate; they matter only for threaded modules. */
export interface LoadOptions {
  /**
   * Workers for one run of a threaded module, 1 to its compiled maximum (metadata `threads`). Default: min(the
   * machine's cores — navigator.hardwareConcurrency or os.availableParallelism() — and that maximum). 1 runs it on
   * the calling thread, with no worker. A page that is not cross-origin isolated gets 1 and a `warning`.
   */
  threads?: number;
  /** A threaded run that takes longer is aborted (the abort flag, then its stuck workers are replaced). Default: no limit. */
  timeoutMs?: number;
}

/** A loaded module: one instance (and one per worker for a threaded module on several threads), run as often as needed. */
export class WasmGraphModel {
  /** Compiles and instantiates `source` (bytes or a fetch Response), and checks the ABI. */
  static load(source: ModuleBytes | Response, options?: LoadOptions): Promise<WasmGraphModel>;
  /** Loads the fastest module of a set (`targetSet(url)`, or profiles mapped to sources) that this engine runs, reading only that one. */
  static loadBest(modules: Partial<Record<Target, ModuleSource | (() => ModuleSource | Promise<ModuleSource>)>>, options?: LoadOptions): Promise<WasmGraphModel>;
  /** Instantiates the result of compileModule (possibly posted from another thread). */
  static instantiate(compiled: CompiledModule, options?: LoadOptions): Promise<WasmGraphModel>;
  private constructor(instance: WebAssembly.Instance, metadata: ModelMetadata, memory?: WebAssembly.Memory);

  readonly metadata: ModelMetadata;
  /** The module's memory (shared for a threaded module). */
  readonly memory: WebAssembly.Memory;
  /** Set by loadBest: the profile it chose. */
  target?: Target;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** The workers one run uses (1 for a single-threaded module, or one on the calling thread). */
  readonly threads: number;
  /** Why a threaded module runs on fewer threads than it could (also printed with console.warn), else undefined. */
  readonly warning: string | undefined;
  /** The time limit of a threaded run, from LoadOptions. */
  readonly timeoutMs: number | undefined;

  /**
   * Runs the model on the calling thread on inputs by name (or an array in input order); returns every output by
   * name, with copied data. A bounded dynamic input takes any shape within its bounds (as a Tensor, or a typed array
   * when it has one dynamic axis). Throws for a model running on workers: use runAsync.
   */
  run(inputs: Record<string, InputValue> | InputValue[]): Record<string, Tensor>;
  /**
   * Runs the model as `run` does, on its workers when it has them; runs of one model take turns. A worker that traps
   * rejects the run with a WasmGraphError naming it, and the model stays usable.
   */
  runAsync(inputs: Record<string, InputValue> | InputValue[]): Promise<Record<string, Tensor>>;
  /** Ends the workers of a threaded model (idle workers do not keep a Node process alive either way). */
  close(): void;
}

/** Checks a tensor given for input `info` and returns it; `source` names where it came from in the message. */
export function checkInputTensor<T extends { dtype: string; shape: number[] }>(info: TensorInfo, tensor: T, source?: string): T;

/** The actual tensor inside a bounded output's buffer, given the dims the module reported. */
export function trimToDims<T extends TypedArray>(padded: T, info: TensorInfo, dims: number[]): T;
