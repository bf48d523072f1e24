using Wasmtime;
using WasmGraph.Abstractions;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// The exports docs/abi.md requires, checked against a compiled module's export types before it is instantiated, so a
/// module that does not implement the ABI fails with one message listing everything wrong, not with a null function
/// or a type-mismatch exception at the first call.
/// </summary>
public static class AbiExports
{
    public const string Memory = "memory";
    public const string Run = "wg_run";
    public const string InputPtr = "wg_input_ptr";
    public const string OutputPtr = "wg_output_ptr";
    public const string AbiVersion = "wg_abi_version";

    /// <summary>Optional: the address of output i's actual dims (rank i32s); modules with bounded outputs export it.</summary>
    public const string OutputDims = "wg_output_dims";

    private static readonly (string Name, ValueKind[] Params, ValueKind[] Results)[] Functions =
    [
        (Run, [], [ValueKind.Int32]),
        (InputPtr, [ValueKind.Int32], [ValueKind.Int32]),
        (OutputPtr, [ValueKind.Int32], [ValueKind.Int32]),
        (AbiVersion, [], [ValueKind.Int32]),
    ];

    /// <summary>Exports a module may leave out; when present they must have these types.</summary>
    private static readonly (string Name, ValueKind[] Params, ValueKind[] Results)[] OptionalFunctions =
    [
        (OutputDims, [ValueKind.Int32], [ValueKind.Int32]),
    ];

    /// <summary>Throws <see cref="WasmGraphException"/> unless <paramref name="module"/> exports the ABI with the right types.</summary>
    public static void Validate(Module module)
    {
        var exports = new Dictionary<string, Export>(StringComparer.Ordinal);
        foreach (var export in module.Exports)
        {
            exports.TryAdd(export.Name, export);
        }

        var problems = new List<string>();
        switch (exports.GetValueOrDefault(Memory))
        {
            case null:
                problems.Add($"missing export '{Memory}' (a memory)");
                break;
            case MemoryExport { Is64Bit: true }:
                problems.Add($"export '{Memory}' is a 64-bit memory; the ABI uses 32-bit addresses");
                break;
            case MemoryExport:
                break;
            default:
                problems.Add($"export '{Memory}' is not a memory");
                break;
        }
        foreach (var (name, parameters, results) in Functions.Concat(OptionalFunctions))
        {
            string expected = Signature(parameters, results);
            switch (exports.GetValueOrDefault(name))
            {
                case null when OptionalFunctions.Any(f => f.Name == name):
                    break;
                case null:
                    problems.Add($"missing export '{name}' {expected}");
                    break;
                case FunctionExport function:
                    string actual = Signature(function.Parameters, function.Results);
                    if (actual != expected)
                    {
                        problems.Add($"export '{name}' has type {actual}, expected {expected}");
                    }
                    break;
                default:
                    problems.Add($"export '{name}' is not a function");
                    break;
            }
        }
        if (problems.Count > 0)
        {
            throw new WasmGraphException($"module does not implement the WasmGraph ABI: {string.Join("; ", problems)}");
        }
    }

    /// <summary>
    /// Refuses a module whose memory starts larger than <paramref name="maxMemoryBytes"/>, before instantiation, which
    /// would fail with Wasmtime's page-count message instead.
    /// </summary>
    public static void CheckMemoryLimit(Module module, long? maxMemoryBytes)
    {
        var memory = module.Exports.OfType<MemoryExport>().FirstOrDefault(m => m.Name == Memory);
        if (maxMemoryBytes is not long limit || memory is null)
        {
            return;
        }
        long initialBytes = memory.Minimum * global::Wasmtime.Memory.PageSize;
        if (initialBytes > limit)
        {
            throw new WasmGraphException($"the model needs {initialBytes} bytes of memory at start, over the memory limit of {limit} bytes");
        }
    }

    private static string Signature(IReadOnlyList<ValueKind> parameters, IReadOnlyList<ValueKind> results)
        => $"({string.Join(", ", parameters.Select(Name))}) -> {(results.Count == 1 ? Name(results[0]) : "(" + string.Join(", ", results.Select(Name)) + ")")}";

    private static string Name(ValueKind kind) => kind switch
    {
        ValueKind.Int32 => "i32",
        ValueKind.Int64 => "i64",
        ValueKind.Float32 => "f32",
        ValueKind.Float64 => "f64",
        ValueKind.V128 => "v128",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
