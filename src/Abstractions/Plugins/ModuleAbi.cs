using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>A WebAssembly value type that appears in an ABI export's signature (the ABI uses 32-bit addresses only).</summary>
public enum AbiValueType
{
    I32,
}

/// <summary>
/// One function the module exports: its name and signature as data, so the backend that emits it, the runtime that
/// checks and calls it and the documentation cannot disagree. <see cref="Required"/> exports every module has; the
/// others a host may find missing (older modules, other producers) and must then do without.
/// </summary>
public sealed record AbiFunction(string Name, ImmutableArray<AbiValueType> Parameters, ImmutableArray<AbiValueType> Results, bool Required)
{
    /// <summary>The signature as docs/abi.md and error messages write it, e.g. <c>(i32) -> i32</c>.</summary>
    public string Signature => $"({string.Join(", ", Parameters.Select(TypeName))}) -> " +
                               (Results.Length == 1 ? TypeName(Results[0]) : "(" + string.Join(", ", Results.Select(TypeName)) + ")");

    public override string ToString() => Name;

    /// <summary>The text-format name of <paramref name="type"/> (<c>i32</c>).</summary>
    public static string TypeName(AbiValueType type) => type switch
    {
        AbiValueType.I32 => "i32",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}

/// <summary>
/// The module ABI (docs/abi.md), defined once: its version, the memory and function exports with their signatures, and
/// the custom section that carries <see cref="ModelMetadata"/>. The LLVM backend emits exactly
/// <see cref="Functions"/>, the Wasmtime runtime validates a module against them before instantiating it, and the Host
/// reads the metadata section through <see cref="ModuleMetadataReader"/>. web/wasmgraph.js (the browser and Node
/// host) cannot reference this class and mirrors these names and the version by hand: change both together.
/// </summary>
public static class ModuleAbi
{
    /// <summary>The ABI version: <see cref="AbiVersion"/> returns it and the metadata's <c>abi_version</c> states it.</summary>
    public const int Version = 1;

    /// <summary>The custom section holding the metadata JSON.</summary>
    public const string MetadataSection = "wasmgraph.meta";

    /// <summary>The exported linear memory (32-bit) in which every tensor lives.</summary>
    public const string Memory = "memory";

    private static readonly ImmutableArray<AbiValueType> None = [];
    private static readonly ImmutableArray<AbiValueType> I32 = [AbiValueType.I32];

    /// <summary>Runs the model once over the current inputs; 0 means success.</summary>
    public static readonly AbiFunction Run = new("wg_run", None, I32, Required: true);

    /// <summary>The byte address of input <c>index</c>; -1 if out of range.</summary>
    public static readonly AbiFunction InputPtr = new("wg_input_ptr", I32, I32, Required: true);

    /// <summary>The byte address of output <c>index</c>; -1 if out of range.</summary>
    public static readonly AbiFunction OutputPtr = new("wg_output_ptr", I32, I32, Required: true);

    /// <summary>Returns <see cref="Version"/>.</summary>
    public static readonly AbiFunction AbiVersion = new("wg_abi_version", None, I32, Required: true);

    /// <summary>The address of output <c>index</c>'s actual dims (rank i32s); modules with bounded outputs need it.</summary>
    public static readonly AbiFunction OutputDims = new("wg_output_dims", I32, I32, Required: false);

    /// <summary>
    /// The address of input <c>index</c>'s actual dims (rank i32s, initialised to the bound); modules with a bounded
    /// dynamic input (<c>min_shape</c> in the metadata) export it, and the host writes the dims there before <c>wg_run</c>.
    /// </summary>
    public static readonly AbiFunction InputDims = new("wg_input_dims", I32, I32, Required: false);

    /// <summary>What <c>wg_run</c> returns, without running, when the dims written through <see cref="InputDims"/> are outside the bounds.</summary>
    public const int BadInputDims = 2;

    /// <summary>Profiling: the number of kernels <c>wg_run</c> calls.</summary>
    public static readonly AbiFunction KernelCount = new("wg_kernel_count", None, I32, Required: false);

    /// <summary>Profiling: runs kernel <c>index</c> alone; 0 ok, -1 out of range.</summary>
    public static readonly AbiFunction RunKernel = new("wg_run_kernel", I32, I32, Required: false);

    /// <summary>Every function export, in the order the backend exports them.</summary>
    public static readonly ImmutableArray<AbiFunction> Functions = [Run, InputPtr, OutputPtr, AbiVersion, OutputDims, KernelCount, RunKernel, InputDims];

    /// <summary>
    /// Threaded modules (<c>compile --threads</c>) only: worker <c>worker</c>'s share of one inference run by
    /// <c>workers</c> workers, each on its own instance against the one shared memory; 0 when that share finished,
    /// non-zero on abort or bad arguments. <c>wg_run()</c> on a threaded module is <c>wg_run_worker(0, 1)</c>.
    /// </summary>
    public static readonly AbiFunction RunWorker = new("wg_run_worker", [AbiValueType.I32, AbiValueType.I32], I32, Required: false);

    /// <summary>Threaded modules only: the byte address of the abort flag (an i32 in the shared memory; non-zero stops every worker at its next barrier).</summary>
    public static readonly AbiFunction AbortFlag = new("wg_abort_flag", None, I32, Required: false);

    /// <summary>
    /// Threaded modules only, profiling (optional): worker <c>worker</c>'s share of kernel <c>index</c> alone, then a
    /// barrier with the other <c>workers</c> − 1, each calling it on its own instance at the same time; 0 ok, 1 on
    /// abort, 2 bad worker arguments, -1 index out of range. So a host times each kernel at K workers as it runs in
    /// <c>wg_run_worker</c>, after one full run, by calling every index in order on every worker.
    /// </summary>
    public static readonly AbiFunction RunKernelWorker = new("wg_run_kernel_worker", [AbiValueType.I32, AbiValueType.I32, AbiValueType.I32], I32, Required: false);

    /// <summary>The extra exports of a threaded module, in the order the backend exports them (all but the profiling one a host needs).</summary>
    public static readonly ImmutableArray<AbiFunction> ThreadedFunctions = [RunWorker, AbortFlag, RunKernelWorker];

    /// <summary>The module name and field of the shared memory a threaded module imports (<c>env.memory</c>).</summary>
    public const string SharedMemoryModule = "env";

    /// <summary>The most workers <c>compile --threads</c> accepts; <c>--threads max</c> means <see cref="DefaultMaxThreads"/>.</summary>
    public const int MaxThreads = 64;

    /// <summary>The worker count <c>compile --threads max</c> compiles for.</summary>
    public const int DefaultMaxThreads = 16;
}
