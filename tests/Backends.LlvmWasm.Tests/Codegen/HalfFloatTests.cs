using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Codegen;

/// <summary>
/// The integer-IR float16/bfloat16 conversions (HalfFloat), run in wasm through Cast and checked bit for bit
/// against System.Half (float16) and HalfFloats (bfloat16, which .NET lacks), over every float16 pattern and over
/// the rounding boundaries of float32 and float64: ties, subnormals, overflow to ∞, NaN.
/// </summary>
public class HalfFloatTests
{
    private static TensorData CastInWasm<T>(DataType from, DataType to, T[] values) where T : unmanaged
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", from, values.Length)
            .Node("Cast", ["x"], ["y"], OnnxAttr.Int("to", (long)to))
            .Output("y", to);
        return Run(model.ToBytes(), Inputs(("x", TensorData.FromArray<T>(from, new Shape(values.Length), values))))["y"];
    }

    private static void AssertBits(ushort[] expected, ReadOnlySpan<ushort> actual, Func<int, string> input)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == actual[i], $"{input(i)}: 0x{actual[i]:X4} instead of 0x{expected[i]:X4}");
        }
    }

    [Fact]
    public void ItWidensEveryFloat16PatternExactly()
    {
        var all = Enumerable.Range(0, 65536).Select(b => (ushort)b).ToArray();
        var actual = CastInWasm(DataType.Float16, DataType.Float32, all).AsSpan<float>();
        for (int i = 0; i < all.Length; i++)
        {
            uint expected = BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(all[i]));
            uint got = BitConverter.SingleToUInt32Bits(actual[i]);
            Assert.True(expected == got, $"0x{all[i]:X4}: 0x{got:X8} instead of 0x{expected:X8}");
        }
    }

    /// <summary>Every float16 value, the midpoints (ties) between neighbours, and one float32 ulp either side of each midpoint.</summary>
    private static float[] Float32RoundingCases()
    {
        var cases = new List<float>();
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            foreach (int sign in new[] { 0, 0x8000 })
            {
                float value = (float)BitConverter.UInt16BitsToHalf((ushort)(bits | sign));
                float next = bits + 1 < 0x7C00 ? (float)BitConverter.UInt16BitsToHalf((ushort)((bits + 1) | sign)) : (sign == 0 ? 65536f : -65536f);
                float mid = (value + next) / 2; // exact: float32 has 13 more mantissa bits than float16
                cases.AddRange([value, mid, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(mid) - 1), BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(mid) + 1)]);
            }
        }
        cases.AddRange([float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN, BitConverter.UInt32BitsToSingle(0x7F800001),
                        BitConverter.UInt32BitsToSingle(0x7FBFFFFF), float.MaxValue, -float.MaxValue, float.Epsilon, 1e-30f, 65519.996f, 65520f, 1e6f]);
        var random = new Random(7);
        cases.AddRange(Enumerable.Range(0, 20000).Select(_ => BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32))));
        return [.. cases];
    }

    [Fact]
    public void ItRoundsFloat32ToFloat16LikeSystemHalf()
    {
        var values = Float32RoundingCases();
        var expected = values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        AssertBits(expected, CastInWasm(DataType.Float32, DataType.Float16, values).AsSpan<ushort>(), i => $"{values[i]:G9} (0x{BitConverter.SingleToUInt32Bits(values[i]):X8})");
    }

    [Fact]
    public void ItRoundsFloat64ToFloat16OnceLikeSystemHalf()
    {
        var random = new Random(11);
        var values = Float32RoundingCases().Select(v => (double)v)
            // just off each float16 tie by far less than a float32 ulp: rounding through float32 would get these wrong
            .Concat(Enumerable.Range(1, 2000).Select(i => (1 + (2 * i + 1) * Math.ScaleB(1, -11)) * (1 + Math.ScaleB(1, -40))))
            .Concat(Enumerable.Range(0, 20000).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64())))
            .Concat([double.MaxValue, double.Epsilon, 1e-300, Math.ScaleB(1, -25), Math.ScaleB(1, -25) * (1 + Math.ScaleB(1, -50))])
            .ToArray();
        var expected = values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        AssertBits(expected, CastInWasm(DataType.Float64, DataType.Float16, values).AsSpan<ushort>(), i => $"{values[i]:G17}");
    }

    [Fact]
    public void ItRoundsFloat32AndFloat64ToBFloat16ToNearestEven()
    {
        var floats = Float32RoundingCases()
            .Concat(Enumerable.Range(0, 65536).Select(b => BitConverter.UInt32BitsToSingle(((uint)b << 16) | 0x8000)))  // every tie
            .Concat([BitConverter.UInt32BitsToSingle(0x00018000), BitConverter.UInt32BitsToSingle(0x7F7FFFFF)])
            .ToArray();
        AssertBits(floats.Select(HalfFloats.BFloat16FromSingle).ToArray(), CastInWasm(DataType.Float32, DataType.BFloat16, floats).AsSpan<ushort>(),
                   i => $"0x{BitConverter.SingleToUInt32Bits(floats[i]):X8}");

        var doubles = floats.Select(v => (double)v).Append(1 + Math.ScaleB(1, -8) + Math.ScaleB(1, -30)).Append(double.MaxValue).ToArray();
        AssertBits(doubles.Select(v => HalfFloats.FromDouble(v, DataType.BFloat16)).ToArray(), CastInWasm(DataType.Float64, DataType.BFloat16, doubles).AsSpan<ushort>(),
                   i => $"{doubles[i]:G17}");
    }

    [Fact]
    public void ItWidensBFloat16ByShiftingItsBits()
    {
        var all = Enumerable.Range(0, 65536).Select(b => (ushort)b).ToArray();
        var actual = CastInWasm(DataType.BFloat16, DataType.Float32, all).AsSpan<float>();
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal((uint)all[i] << 16, BitConverter.SingleToUInt32Bits(actual[i]));
        }
    }
}
