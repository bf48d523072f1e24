using System.Collections.Frozen;

namespace WasmGraph.Abstractions.Ir;

/// <summary>Element types. The numeric values are ONNX's TensorProto.DataType codes, so frontends map them 1:1.</summary>
public enum DataType
{
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    /// <summary>IEEE 754 binary16, stored as its 16 bits (<see cref="System.Half"/>).</summary>
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
    /// <summary>The top 16 bits of a float32 (1 sign, 8 exponent, 7 mantissa bits).</summary>
    BFloat16 = 16,
}

/// <summary>What each element type is, as one table: the rest of this class reads it.</summary>
/// <param name="Size">bytes per element</param>
/// <param name="Name">the NumPy-style name used in metadata, the ABI document and the CLI (bfloat16 has no NumPy dtype)</param>
/// <param name="Kind">float, signed or unsigned integer, or bool</param>
public sealed record DataTypeInfo(DataType Type, int Size, string Name, DataTypeKind Kind);

public enum DataTypeKind
{
    Float,
    SignedInteger,
    UnsignedInteger,
    Bool,
}

public static class DataTypes
{
    private static readonly FrozenDictionary<DataType, DataTypeInfo> Table = new DataTypeInfo[]
    {
        new(DataType.Float32, 4, "float32", DataTypeKind.Float),
        new(DataType.Float64, 8, "float64", DataTypeKind.Float),
        new(DataType.Float16, 2, "float16", DataTypeKind.Float),
        new(DataType.BFloat16, 2, "bfloat16", DataTypeKind.Float),
        new(DataType.Int8, 1, "int8", DataTypeKind.SignedInteger),
        new(DataType.Int16, 2, "int16", DataTypeKind.SignedInteger),
        new(DataType.Int32, 4, "int32", DataTypeKind.SignedInteger),
        new(DataType.Int64, 8, "int64", DataTypeKind.SignedInteger),
        new(DataType.UInt8, 1, "uint8", DataTypeKind.UnsignedInteger),
        new(DataType.UInt16, 2, "uint16", DataTypeKind.UnsignedInteger),
        new(DataType.UInt32, 4, "uint32", DataTypeKind.UnsignedInteger),
        new(DataType.UInt64, 8, "uint64", DataTypeKind.UnsignedInteger),
        new(DataType.Bool, 1, "bool", DataTypeKind.Bool),
    }.ToFrozenDictionary(i => i.Type);

    /// <summary>Every element type.</summary>
    public static IReadOnlyList<DataType> All { get; } = Enum.GetValues<DataType>();

    /// <summary>Every type except bool (ONNX's "all numeric types" constraint).</summary>
    public static IReadOnlyList<DataType> Numeric { get; } = [.. All.Where(t => t != DataType.Bool)];

    /// <summary>uint8, uint16, uint32, uint64 (BitShift's constraint).</summary>
    public static IReadOnlyList<DataType> UnsignedIntegers { get; } = [.. All.Where(t => t.Kind() == DataTypeKind.UnsignedInteger)];

    public static DataTypeInfo Info(this DataType type)
        => Table.TryGetValue(type, out var info) ? info : throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type");

    public static int SizeOf(this DataType type) => type.Info().Size;

    public static DataTypeKind Kind(this DataType type) => type.Info().Kind;

    /// <summary>The NumPy-style name used in metadata, the ABI document and the CLI.</summary>
    public static string Name(this DataType type) => Table.TryGetValue(type, out var info) ? info.Name : type.ToString();

    /// <summary>float16, bfloat16, float32 or float64.</summary>
    public static bool IsFloat(this DataType type) => type.Kind() == DataTypeKind.Float;

    /// <summary>The 16-bit float formats, which kernels compute in float32 and store as 16 bits.</summary>
    public static bool IsHalf(this DataType type) => type is DataType.Float16 or DataType.BFloat16;

    /// <summary>Unsigned integers and bool (zero-extended, compared unsigned).</summary>
    public static bool IsUnsigned(this DataType type) => type.Kind() is DataTypeKind.UnsignedInteger or DataTypeKind.Bool;

    public static bool TryParse(string name, out DataType type)
    {
        foreach (var info in Table.Values)
        {
            if (info.Name == name)
            {
                type = info.Type;
                return true;
            }
        }
        type = default;
        return false;
    }

    public static bool IsDefined(int onnxCode) => Enum.IsDefined(typeof(DataType), onnxCode);
}
