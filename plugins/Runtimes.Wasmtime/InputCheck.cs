using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Checks a run's inputs against the metadata before any byte is copied. The module trusts its declared shapes
/// completely (addresses and loop bounds are compile-time constants), so a mismatch must stop here, and the message
/// must name the input and both types because the user usually got one dimension wrong.
/// </summary>
internal static class InputCheck
{
    /// <summary>
    /// Checks the inputs and returns the run-time extent they give (null for a module without one): an input with a
    /// bounded dynamic dimension (docs/abi.md, "Bounded dynamic inputs") may have any length from its
    /// <c>min_shape</c> to its <c>shape</c> along its <c>dynamic_dims</c>, and all such inputs share that length.
    /// </summary>
    public static long? Check(ModelMetadata metadata, IReadOnlyList<TensorType> declared, IReadOnlyDictionary<string, TensorData> inputs)
    {
        long? extent = null;
        string? extentFrom = null;
        for (int i = 0; i < metadata.Inputs.Length; i++)
        {
            string name = metadata.Inputs[i].Name;
            if (!inputs.TryGetValue(name, out var given))
            {
                throw new WasmGraphException($"missing input '{name}' ({Describe(metadata.Inputs[i], declared[i])}); the model's inputs are: {Names(metadata)}");
            }
            if (metadata.Inputs[i].IsDynamicInput)
            {
                long length = CheckDynamic(metadata.Inputs[i], declared[i], given);
                if (extent is { } earlier && earlier != length)
                {
                    throw new WasmGraphException(
                        $"inputs '{extentFrom}' and '{name}' share one run-time length, but have {earlier} and {length} along it");
                }
                (extent, extentFrom) = (length, name);
                continue;
            }
            if (given.Type != declared[i])
            {
                throw new WasmGraphException($"input '{name}' must be {declared[i]}, got {given.Type}");
            }
        }
        if (inputs.Count != metadata.Inputs.Length)
        {
            // Every declared input was present, so the extra one is a typo or an input of another model.
            var unknown = inputs.Keys.First(k => !metadata.Inputs.Any(t => t.Name == k));
            throw new WasmGraphException($"unknown input '{unknown}'; the model's inputs are: {Names(metadata)}");
        }
        return extent;
    }

    /// <summary>The length a dynamic input gives along its run-time axes, checked against its range.</summary>
    private static long CheckDynamic(TensorInfo info, TensorType bound, TensorData given)
    {
        var dims = given.Type.Shape.Dims;
        string allowed = $"{bound.ElementType.Name()}{info.DescribeShape()}";
        if (given.Type.ElementType != bound.ElementType)
        {
            throw new WasmGraphException($"input '{info.Name}' must be {allowed}, got {given.Type}");
        }
        var min = info.MinShape!.Value;
        bool fits = dims.Length == info.Shape.Length;
        long? length = null;
        for (int d = 0; fits && d < dims.Length; d++)
        {
            if (!info.DynamicDims!.Value.Contains(d))
            {
                fits = dims[d] == info.Shape[d];
                continue;
            }
            fits = dims[d] >= min[d] && dims[d] <= info.Shape[d] && (length is null || length == dims[d]);
            length = dims[d];
        }
        if (!fits || length is null)
        {
            throw new WasmGraphException($"input '{info.Name}': shape {given.Type.Shape} is outside {info.DescribeShape()}");
        }
        return length.Value;
    }

    private static string Describe(TensorInfo info, TensorType type) => info.IsDynamicInput ? $"{info.DType}{info.DescribeShape()}" : type.ToString();

    private static string Names(ModelMetadata metadata) => metadata.Inputs.Length == 0
        ? "(none)"
        : string.Join(", ", metadata.Inputs.Select(t => $"{t.Name} {Describe(t, t.ToTensorType())}"));
}
