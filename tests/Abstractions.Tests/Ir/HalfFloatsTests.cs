using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Tests.Ir;

public class HalfFloatsTests
{
    [Fact]
    public void ItWidensEveryFloat16BitPatternLikeSystemHalf()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            double expected = (double)BitConverter.UInt16BitsToHalf((ushort)bits);
            double actual = HalfFloats.ToDouble((ushort)bits, DataType.Float16);
            Assert.True(expected.Equals(actual), $"0x{bits:X4}: {actual} instead of {expected}");
        }
    }

    [Theory]
    [InlineData(1.0, 0x3C00)]
    [InlineData(-2.0, 0xC000)]
    [InlineData(65504.0, 0x7BFF)]                  // largest finite
    [InlineData(65519.99, 0x7BFF)]                 // just below the rounding boundary to ∞
    [InlineData(65520.0, 0x7C00)]                  // the tie rounds to even, which is ∞
    [InlineData(1e10, 0x7C00)]
    [InlineData(5.9604644775390625e-08, 0x0001)]   // 2^-24, smallest subnormal
    [InlineData(2.98023223876953125e-08, 0x0000)]  // 2^-25: tie between 0 and 2^-24 goes to even 0
    [InlineData(2.9802322387695316e-08, 0x0001)]   // just above that tie
    [InlineData(1.78813934326171875e-07, 0x0003)]  // 3·2^-24 exact subnormal
    [InlineData(1.4901161193847656e-07, 0x0002)]   // 2.5·2^-24: tie goes to even 2
    [InlineData(6.103515625e-05, 0x0400)]          // 2^-14, smallest normal
    [InlineData(1.00048828125, 0x3C00)]            // 1 + 2^-11: tie goes to even 1.0
    [InlineData(1.00146484375, 0x3C02)]            // 1 + 3·2^-11: tie goes to even 1 + 2^-9
    [InlineData(-0.0, 0x8000)]
    public void ItRoundsToFloat16ToNearestEven(double value, int expectedBits)
        => Assert.Equal(expectedBits, HalfFloats.FromDouble(value, DataType.Float16));

    [Theory]
    [InlineData(0x3F800000u, 0x3F80)] // 1.0
    [InlineData(0x3F808000u, 0x3F80)] // tie, lower neighbour even
    [InlineData(0x3F818000u, 0x3F82)] // tie, lower neighbour odd: rounds up
    [InlineData(0x3F808001u, 0x3F81)] // just above the tie
    [InlineData(0x7F7F7FFFu, 0x7F7F)] // rounds down to the largest finite bfloat16
    [InlineData(0x7F7FFFFFu, 0x7F80)] // float32 max rounds up to ∞
    [InlineData(0xFF800000u, 0xFF80)] // −∞
    [InlineData(0x00018000u, 0x0002)] // subnormal tie, odd lower neighbour
    [InlineData(0x7FC00000u, 0x7FC0)] // quiet NaN
    [InlineData(0x7F800001u, 0x7FC0)] // signalling NaN stays NaN (quieted), never ∞
    [InlineData(0xFFC00001u, 0xFFC0)] // negative NaN keeps its sign
    public void ItRoundsFloat32ToBFloat16ToNearestEven(uint floatBits, int expectedBits)
        => Assert.Equal(expectedBits, HalfFloats.BFloat16FromSingle(BitConverter.UInt32BitsToSingle(floatBits)));

    [Fact]
    public void ItRoundsDoubleToBFloat16OnceNotTwice()
    {
        // 1 + 2^-8 + 2^-30 is just above the tie between bfloat16 1.0 and 1 + 2^-7. Rounding to float32 first would
        // land exactly on the tie (2^-30 is below half a float32 ulp) and then round down to 1.0.
        double value = 1 + Math.ScaleB(1, -8) + Math.ScaleB(1, -30);
        Assert.Equal(0x3F81, HalfFloats.FromDouble(value, DataType.BFloat16));
        Assert.Equal(0x3F80, HalfFloats.BFloat16FromSingle((float)value));
    }

    [Fact]
    public void ItWidensBFloat16AsTheTopHalfOfAFloat32()
    {
        Assert.Equal(1.0, HalfFloats.ToDouble(0x3F80, DataType.BFloat16));
        Assert.Equal(-0.4765625, HalfFloats.ToDouble(0xBEF4, DataType.BFloat16));
        Assert.True(double.IsNaN(HalfFloats.ToDouble(0x7FC1, DataType.BFloat16)));
        Assert.Equal(double.PositiveInfinity, HalfFloats.ToDouble(0x7F80, DataType.BFloat16));
    }
}
