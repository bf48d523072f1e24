using System.Runtime.InteropServices;

namespace WasmGraph.Abstractions.Ir;

/// <summary>An immutable constant tensor: a type plus its little-endian row-major bytes.</summary>
public sealed class TensorData
{
    private readonly byte[] _bytes;

    public TensorData(TensorType type, byte[] bytes)
    {
        if (bytes.LongLength != type.ByteSize)
        {
            throw new ArgumentException($"tensor of type {type} needs {type.ByteSize} bytes, got {bytes.LongLength}", nameof(bytes));
        }
        Type = type;
        _bytes = bytes;
    }

    public TensorType Type { get; }

    public ReadOnlySpan<byte> Bytes => _bytes;

    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(_bytes);

    public static TensorData FromArray<T>(DataType type, Shape shape, ReadOnlySpan<T> values) where T : unmanaged
        => new(new TensorType(type, shape), MemoryMarshal.AsBytes(values).ToArray());

    public static TensorData FromFloats(Shape shape, ReadOnlySpan<float> values) => FromArray(DataType.Float32, shape, values);

    public static TensorData FromInt64s(Shape shape, ReadOnlySpan<long> values) => FromArray(DataType.Int64, shape, values);

    /// <summary>
    /// Reads any tensor as int64 (shape programs, axes, pads): integers and bool exactly (uint64 above
    /// <see cref="long.MaxValue"/> wraps, as a C cast would), floats truncated toward zero.
    /// </summary>
    public long[] ToInt64Array()
    {
        var n = (int)Type.ElementCount;
        var result = new long[n];
        switch (Type.ElementType)
        {
            case DataType.Int64: AsSpan<long>().CopyTo(result); break;
            case DataType.UInt64: for (int i = 0; i < n; i++) { result[i] = unchecked((long)AsSpan<ulong>()[i]); } break;
            case DataType.Int32: for (int i = 0; i < n; i++) { result[i] = AsSpan<int>()[i]; } break;
            case DataType.UInt32: for (int i = 0; i < n; i++) { result[i] = AsSpan<uint>()[i]; } break;
            case DataType.Int16: for (int i = 0; i < n; i++) { result[i] = AsSpan<short>()[i]; } break;
            case DataType.UInt16: for (int i = 0; i < n; i++) { result[i] = AsSpan<ushort>()[i]; } break;
            case DataType.UInt8 or DataType.Bool: for (int i = 0; i < n; i++) { result[i] = _bytes[i]; } break;
            case DataType.Int8: for (int i = 0; i < n; i++) { result[i] = (sbyte)_bytes[i]; } break;
            default:
                var doubles = ToDoubleArray();
                for (int i = 0; i < n; i++) { result[i] = (long)doubles[i]; }
                break;
        }
        return result;
    }

    /// <summary>Reads any numeric tensor as float64 (exact for every float format and for integers up to 2^53).</summary>
    public double[] ToDoubleArray()
    {
        var n = (int)Type.ElementCount;
        var result = new double[n];
        switch (Type.ElementType)
        {
            case DataType.Float64: AsSpan<double>().CopyTo(result); break;
            case DataType.Float32: for (int i = 0; i < n; i++) { result[i] = AsSpan<float>()[i]; } break;
            case DataType.Float16 or DataType.BFloat16:
                for (int i = 0; i < n; i++) { result[i] = HalfFloats.ToDouble(AsSpan<ushort>()[i], Type.ElementType); }
                break;
            case DataType.UInt64: for (int i = 0; i < n; i++) { result[i] = AsSpan<ulong>()[i]; } break;
            default:
                var ints = ToInt64Array();
                for (int i = 0; i < n; i++) { result[i] = ints[i]; }
                break;
        }
        return result;
    }

    /// <summary>Reads any numeric tensor as float32.</summary>
    public float[] ToFloatArray() => Type.ElementType switch
    {
        DataType.Float32 => AsSpan<float>().ToArray(),
        DataType.UInt64 => AsSpan<ulong>().ToArray().Select(v => (float)v).ToArray(),
        var t when t.IsFloat() => ToDoubleArray().Select(v => (float)v).ToArray(),
        _ => ToInt64Array().Select(v => (float)v).ToArray(),
    };
}
