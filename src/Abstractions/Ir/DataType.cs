namespace WasmGraph.Abstractions.Ir;

/// <summary>Element types. The numeric values are ONNX's TensorProto.DataType codes, so frontends map them 1:1.</summary>
public enum DataType
{
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float64 = 11,
}

public static class DataTypes
{
    public static int SizeOf(this DataType type) => type switch
    {
        DataType.Float32 or DataType.Int32 => 4,
        DataType.Int64 or DataType.Float64 => 8,
        DataType.UInt8 or DataType.Int8 or DataType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type"),
    };

    /// <summary>The NumPy-style name used in metadata, the ABI document and the CLI.</summary>
    public static string Name(this DataType type) => type switch
    {
        DataType.Float32 => "float32",
        DataType.UInt8 => "uint8",
        DataType.Int8 => "int8",
        DataType.Int32 => "int32",
        DataType.Int64 => "int64",
        DataType.Bool => "bool",
        DataType.Float64 => "float64",
        _ => type.ToString(),
    };

    public static bool TryParse(string name, out DataType type)
    {
        foreach (var candidate in Enum.GetValues<DataType>())
        {
            if (candidate.Name() == name)
            {
                type = candidate;
                return true;
            }
        }
        type = default;
        return false;
    }

    public static bool IsDefined(int onnxCode) => Enum.IsDefined(typeof(DataType), onnxCode);
}
