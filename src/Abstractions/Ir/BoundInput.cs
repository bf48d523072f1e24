using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// A graph input that was frozen to a value at compile time (<c>compile --bind NAME=FILE.npy</c>): its name, the
/// value's element type and shape, and the SHA-256 of its bytes (so a user can tell which file was bound without the
/// module carrying it twice). The module metadata lists these under <c>bound</c>; <c>inspect</c> shows them.
/// </summary>
public sealed record BoundInput(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("dtype")] string DType,
    [property: JsonPropertyName("shape")] ImmutableArray<long> Shape,
    [property: JsonPropertyName("sha256")] string Sha256)
{
    public static BoundInput Of(string name, TensorData value)
        => new(name, value.Type.ElementType.Name(), value.Type.Shape.Dims, Convert.ToHexStringLower(SHA256.HashData(value.Bytes)));

    /// <summary>The graph-metadata form: <c>dtype;d0,d1;sha256</c>.</summary>
    public string Format() => $"{DType};{string.Join(",", Shape)};{Sha256}";

    /// <summary>The entry <see cref="Format"/> wrote, or null when <paramref name="text"/> is not one.</summary>
    public static BoundInput? Parse(string name, string text)
    {
        var parts = text.Split(';');
        if (parts.Length != 3)
        {
            return null;
        }
        var dims = parts[1].Length == 0 ? [] : parts[1].Split(',');
        var shape = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (!long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                return null;
            }
        }
        return new BoundInput(name, parts[0], [.. shape], parts[2]);
    }

    public override string ToString() => $"{Name} = {DType}[{string.Join(",", Shape)}] sha256:{Sha256[..Math.Min(16, Sha256.Length)]}…";
}
