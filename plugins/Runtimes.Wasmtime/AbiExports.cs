using Wasmtime;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Checks a compiled module's export types against <see cref="ModuleAbi"/> before it is instantiated, so a module that
/// does not implement the ABI fails with one message listing everything wrong, not with a null function or a
/// type-mismatch exception at the first call. Optional exports may be missing; when present they must have their types.
/// </summary>
public static class AbiExports
{
    /// <summary>Throws <see cref="WasmGraphException"/> unless <paramref name="module"/> exports the ABI with the right types.</summary>
    public static void Validate(Module module)
    {
        var exports = new Dictionary<string, Export>(StringComparer.Ordinal);
        foreach (var export in module.Exports)
        {
            exports.TryAdd(export.Name, export);
        }

        var problems = new List<string>();
        const string memory = ModuleAbi.Memory;
        switch (exports.GetValueOrDefault(memory))
        {
            case null:
                problems.Add($"missing export '{memory}' (a memory)");
                break;
            case MemoryExport { Is64Bit: true }:
                problems.Add($"export '{memory}' is a 64-bit memory; the ABI uses 32-bit addresses");
                break;
            case MemoryExport:
                break;
            default:
                problems.Add($"export '{memory}' is not a memory");
                break;
        }
        foreach (var abi in ModuleAbi.Functions)
        {
            string expected = abi.Signature;
            switch (exports.GetValueOrDefault(abi.Name))
            {
                case null when !abi.Required:
                    break;
                case null:
                    problems.Add($"missing export '{abi.Name}' {expected}");
                    break;
                case FunctionExport function:
                    string actual = Signature(function.Parameters, function.Results);
                    if (actual != expected)
                    {
                        problems.Add($"export '{abi.Name}' has type {actual}, expected {expected}");
                    }
                    break;
                default:
                    problems.Add($"export '{abi.Name}' is not a function");
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
        var memory = module.Exports.OfType<MemoryExport>().FirstOrDefault(m => m.Name == ModuleAbi.Memory);
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
