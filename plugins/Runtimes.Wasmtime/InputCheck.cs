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
    public static void Check(ModelMetadata metadata, IReadOnlyList<TensorType> declared, IReadOnlyDictionary<string, TensorData> inputs)
    {
        for (int i = 0; i < metadata.Inputs.Length; i++)
        {
            string name = metadata.Inputs[i].Name;
            if (!inputs.TryGetValue(name, out var given))
            {
                throw new WasmGraphException($"missing input '{name}' ({declared[i]}); the model's inputs are: {Names(metadata)}");
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
    }

    private static string Names(ModelMetadata metadata) => metadata.Inputs.Length == 0
        ? "(none)"
        : string.Join(", ", metadata.Inputs.Select(t => $"{t.Name} {t.ToTensorType()}"));
}
