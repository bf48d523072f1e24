using System.Collections.Immutable;
using System.Runtime.InteropServices;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Plain C# tensor arithmetic for the op evaluators (constant folding). Values travel as <c>double</c> for float
/// types (float16 and bfloat16 included: double holds them exactly, results are rounded once on the way back) and as
/// <c>long</c> for integer and bool types, so int64 shape arithmetic never loses precision; uint64 travels as the same
/// 64 bits, and ops whose result depends on signedness give an unsigned evaluator for it. Speed does not matter here:
/// evaluators run on shape programs and small constant subgraphs at compile time.
/// </summary>
public static class ConstantMath
{
    public static bool IsFloat(DataType type) => type.IsFloat();

    public static double[] Doubles(TensorData t) => t.ToDoubleArray();

    public static long[] Longs(TensorData t) => t.ToInt64Array();

    /// <summary>Builds a tensor of <paramref name="type"/> from doubles, converting as a C cast would (floats truncate toward zero).</summary>
    public static TensorData FromDoubles(DataType type, Shape shape, double[] values) => type switch
    {
        DataType.Float32 => TensorData.FromFloats(shape, values.Select(v => (float)v).ToArray()),
        DataType.Float64 => TensorData.FromArray<double>(type, shape, values),
        DataType.Float16 or DataType.BFloat16 => TensorData.FromArray(type, shape, values.Select(v => HalfFloats.FromDouble(v, type)).ToArray().AsSpan()),
        DataType.UInt64 => FromLongs(type, shape, values.Select(v => unchecked((long)ToULong(v))).ToArray()),
        _ => FromLongs(type, shape, values.Select(ToLong).ToArray()),
    };

    public static TensorData FromLongs(DataType type, Shape shape, long[] values) => type switch
    {
        DataType.Int64 => TensorData.FromInt64s(shape, values),
        DataType.Int32 => TensorData.FromArray(type, shape, values.Select(v => unchecked((int)v)).ToArray().AsSpan()),
        DataType.Bool => TensorData.FromArray(type, shape, values.Select(v => v != 0 ? (byte)1 : (byte)0).ToArray().AsSpan()),
        DataType.UInt8 => TensorData.FromArray(type, shape, values.Select(v => unchecked((byte)v)).ToArray().AsSpan()),
        DataType.Int8 => TensorData.FromArray(type, shape, values.Select(v => unchecked((sbyte)v)).ToArray().AsSpan()),
        DataType.Int16 => TensorData.FromArray(type, shape, values.Select(v => unchecked((short)v)).ToArray().AsSpan()),
        DataType.UInt16 => TensorData.FromArray(type, shape, values.Select(v => unchecked((ushort)v)).ToArray().AsSpan()),
        DataType.UInt32 => TensorData.FromArray(type, shape, values.Select(v => unchecked((uint)v)).ToArray().AsSpan()),
        DataType.UInt64 => TensorData.FromArray(type, shape, values.Select(v => unchecked((ulong)v)).ToArray().AsSpan()),
        _ => FromDoubles(type, shape, values.Select(v => (double)v).ToArray()),
    };

    /// <summary>Reinterprets the elements of <paramref name="t"/> under a new shape (Reshape).</summary>
    public static TensorData WithShape(TensorData t, Shape shape) => new(new TensorType(t.Type.ElementType, shape), t.Bytes.ToArray());

    /// <summary>Gathers elements: output element i is input element <paramref name="sourceIndex"/>(i), byte-exact for every type.</summary>
    public static TensorData Select(TensorData input, TensorType output, Func<long, long> sourceIndex)
    {
        int size = input.Type.ElementType.SizeOf();
        var src = input.Bytes;
        var dst = new byte[output.ByteSize];
        long n = output.ElementCount;
        for (long i = 0; i < n; i++)
        {
            src.Slice((int)(sourceIndex(i) * size), size).CopyTo(dst.AsSpan((int)(i * size), size));
        }
        return new TensorData(output, dst);
    }

    /// <summary>The multi-index of a row-major linear index.</summary>
    public static long[] Unravel(long linear, Shape shape)
    {
        var index = new long[shape.Rank];
        for (int d = shape.Rank - 1; d >= 0; d--)
        {
            long dim = shape[d];
            index[d] = dim == 0 ? 0 : linear % dim;
            linear = dim == 0 ? 0 : linear / dim;
        }
        return index;
    }

    /// <summary>Linear index in <paramref name="input"/> of output index <paramref name="outIndex"/> under NumPy broadcasting.</summary>
    public static long BroadcastSource(long[] outIndex, Shape input)
    {
        long linear = 0;
        int shift = outIndex.Length - input.Rank;
        for (int d = 0; d < input.Rank; d++)
        {
            long i = input[d] == 1 ? 0 : outIndex[d + shift];
            linear = linear * input[d] + i;
        }
        return linear;
    }

    /// <summary>
    /// Elementwise evaluation with broadcasting over any number of inputs. Float tensors go through
    /// <paramref name="onDoubles"/>, integer and bool tensors through <paramref name="onLongs"/> (when given), and
    /// uint64 tensors through <paramref name="onULongs"/> when the op's result depends on signedness (the long
    /// arguments then carry the uint64 bits).
    /// </summary>
    public static TensorData Broadcast(IReadOnlyList<TensorData> inputs, TensorType output,
                                       Func<double[], double>? onDoubles, Func<long[], long>? onLongs, DataType? operandType = null,
                                       Func<ulong[], ulong>? onULongs = null)
    {
        var type = operandType ?? inputs[^1].Type.ElementType;
        if (type == DataType.UInt64 && onULongs is not null)
        {
            onLongs = args => unchecked((long)onULongs(Array.ConvertAll(args, a => unchecked((ulong)a))));
        }
        bool useLongs = !IsFloat(type) && onLongs is not null;
        var longs = useLongs ? inputs.Select(Longs).ToArray() : null;
        var doubles = useLongs ? null : inputs.Select(Doubles).ToArray();
        long n = output.ElementCount;
        var resultD = new double[n];
        var resultL = new long[n];
        var argsD = new double[inputs.Count];
        var argsL = new long[inputs.Count];
        for (long i = 0; i < n; i++)
        {
            var index = Unravel(i, output.Shape);
            for (int k = 0; k < inputs.Count; k++)
            {
                long source = BroadcastSource(index, inputs[k].Type.Shape);
                if (useLongs) { argsL[k] = longs![k][source]; } else { argsD[k] = doubles![k][source]; }
            }
            if (useLongs) { resultL[i] = onLongs!(argsL); } else { resultD[i] = onDoubles!(argsD); }
        }
        return useLongs ? FromLongs(output.ElementType, output.Shape, resultL) : FromDoubles(output.ElementType, output.Shape, resultD);
    }

    public static ImmutableArray<TensorData> One(TensorData t) => ImmutableArray.Create(t);

    /// <summary>C-style conversion of a double to an integer: truncation, NaN to 0, saturating at the int64 range.</summary>
    public static long ToLong(double v)
        => double.IsNaN(v) ? 0 : v >= 9.2233720368547758E18 ? long.MaxValue : v <= -9.2233720368547758E18 ? long.MinValue : (long)v;

    /// <summary>Conversion of a double to uint64 as the backend does it (fptoui.sat): truncation, NaN and negatives to 0, saturating at 2^64 − 1.</summary>
    public static ulong ToULong(double v)
        => double.IsNaN(v) || v <= 0 ? 0 : v >= 18446744073709551616.0 ? ulong.MaxValue : (ulong)v;

    public static byte[] Bytes<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
