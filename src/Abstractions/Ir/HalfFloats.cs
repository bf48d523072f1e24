namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// Conversions between the 16-bit float formats (stored as their bits) and float32/float64, for everything on the C#
/// side: constant folding, test data, .npy, comparisons. float16 goes through <see cref="System.Half"/>; bfloat16 (no
/// .NET type) is the top half of a float32. Narrowing rounds to nearest, ties to even, as the backend's
/// <c>HalfFloat</c> codegen does, so folded constants and kernel results agree bit for bit.
/// </summary>
public static class HalfFloats
{
    public static double ToDouble(ushort bits, DataType format) => format switch
    {
        DataType.Float16 => (double)BitConverter.UInt16BitsToHalf(bits),
        DataType.BFloat16 => BitConverter.Int32BitsToSingle(bits << 16),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a 16-bit float format"),
    };

    /// <summary>Rounds <paramref name="value"/> to the 16-bit format once (no double rounding through float32).</summary>
    public static ushort FromDouble(double value, DataType format) => format switch
    {
        DataType.Float16 => BitConverter.HalfToUInt16Bits((Half)value),
        DataType.BFloat16 => BFloat16FromSingle(RoundToOddSingle(value)),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a 16-bit float format"),
    };

    /// <summary>float32 → bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN with its sign.</summary>
    public static ushort BFloat16FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>
    /// double → float32 rounded to odd (truncate, then set the last bit when inexact). Rounding that to any format
    /// at least two bits narrower gives the correctly rounded result, which float32 → bfloat16 alone would not.
    /// </summary>
    private static float RoundToOddSingle(double value)
    {
        float nearest = (float)value;
        if (double.IsNaN(value) || double.IsInfinity(nearest) || nearest == value)
        {
            return nearest;
        }
        uint bits = BitConverter.SingleToUInt32Bits(nearest);
        if (Math.Abs((double)nearest) > Math.Abs(value))
        {
            bits--; // rounded away from zero: step back towards zero (same sign, one ulp smaller in magnitude)
        }
        return BitConverter.UInt32BitsToSingle(bits | 1);
    }
}
