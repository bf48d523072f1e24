using System.Collections.Frozen;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Serve.Protocol;

/// <summary>
/// The Open Inference Protocol's tensor datatype names (<c>FP32</c>, <c>INT64</c>, …) for our element types, as one
/// table read both ways. <c>BYTES</c> (strings) has no counterpart: module inputs and outputs are fixed-size numbers.
/// </summary>
public static class TensorDatatypes
{
    private static readonly FrozenDictionary<DataType, string> Names = new Dictionary<DataType, string>
    {
        [DataType.Bool] = "BOOL",
        [DataType.UInt8] = "UINT8",
        [DataType.UInt16] = "UINT16",
        [DataType.UInt32] = "UINT32",
        [DataType.UInt64] = "UINT64",
        [DataType.Int8] = "INT8",
        [DataType.Int16] = "INT16",
        [DataType.Int32] = "INT32",
        [DataType.Int64] = "INT64",
        [DataType.Float16] = "FP16",
        [DataType.Float32] = "FP32",
        [DataType.Float64] = "FP64",
        [DataType.BFloat16] = "BF16",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, DataType> Types = Names.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>The protocol's name of <paramref name="type"/>.</summary>
    public static string Name(DataType type) => Names[type];

    /// <summary>The element type the protocol calls <paramref name="name"/> (case-sensitive, as the protocol writes them).</summary>
    public static bool TryParse(string name, out DataType type) => Types.TryGetValue(name, out type);

    /// <summary>Every name, for error messages.</summary>
    public static IEnumerable<string> All => Names.Values.Order(StringComparer.Ordinal);
}
