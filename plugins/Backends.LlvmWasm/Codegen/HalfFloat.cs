using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// float16 and bfloat16 in integer IR. Wasm has no f16 and modules link without compiler-rt, so LLVM's <c>half</c>
/// type would leave unresolved libcalls (__extendhfsf2, __truncsfhf2). Instead a 16-bit float lives in an i16, is
/// widened to f32 for arithmetic (exactly: every float16 and bfloat16 value is a float32 value) and narrowed back by
/// bit manipulation: round to nearest, ties to even, with subnormals, overflow to ±∞, and NaN kept a quiet NaN.
/// The C# side (<see cref="HalfFloats"/>) rounds the same way, so folded constants and kernels agree bit for bit.
/// </summary>
internal static class HalfFloat
{
    /// <summary>An IEEE-style binary format: exponent and stored mantissa widths.</summary>
    private sealed record Format(int ExponentBits, int MantissaBits)
    {
        public int Width => 1 + ExponentBits + MantissaBits;
        public long Bias => (1L << (ExponentBits - 1)) - 1;
        public long InfinityBits => ((1L << ExponentBits) - 1) << MantissaBits;
        public long MantissaMask => (1L << MantissaBits) - 1;
        public long QuietBit => 1L << (MantissaBits - 1);
    }

    private static readonly Format Binary16 = new(5, 10);
    private static readonly Format BFloat16Format = new(8, 7);
    private static readonly Format Binary32 = new(8, 23);
    private static readonly Format Binary64 = new(11, 52);

    private static Format FormatOf(DataType type) => type switch
    {
        DataType.Float16 => Binary16,
        DataType.BFloat16 => BFloat16Format,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a 16-bit float format"),
    };

    /// <summary>i16 bits of <paramref name="format"/> → f32, exactly.</summary>
    public static LValue ToF32(Emitter e, LValue bits, DataType format)
    {
        var b = e.B;
        var wide = b.Cast(CastOp.ZExt, bits, e.Ctx.I32);
        if (format == DataType.BFloat16)
        {
            return b.Cast(CastOp.BitCast, b.Binary(BinaryOp.Shl, wide, e.I(16)), e.Ctx.F32);
        }
        // float16: sign | exponent (5) | mantissa (10). Normal numbers rebias the exponent (+112) and move the
        // mantissa up 13 bits; ∞ and NaN keep an all-ones exponent and the payload; zero and subnormals are
        // mantissa·2^-24, which one exact float multiply gives.
        var sign = b.Binary(BinaryOp.Shl, b.Binary(BinaryOp.And, wide, e.I(0x8000)), e.I(16));
        var magnitude = b.Binary(BinaryOp.And, wide, e.I(0x7FFF));
        var shifted = b.Binary(BinaryOp.Shl, magnitude, e.I(13));
        var normal = e.Add(shifted, (Binary32.Bias - Binary16.Bias) << 23);
        var quiet = b.Select(b.ICmp(IntPredicate.Ugt, magnitude, e.I(0x7C00)), e.I(Binary32.QuietBit), e.I(0)); // a NaN comes out quiet, as IEEE and System.Half convert
        var special = b.Binary(BinaryOp.Or, b.Binary(BinaryOp.Or, shifted, e.I(Binary32.InfinityBits)), quiet);
        var subnormal = b.Cast(CastOp.BitCast, e.FMul(b.Cast(CastOp.UIToFP, magnitude, e.Ctx.F32), e.F(Math.ScaleB(1, -24))), e.Ctx.I32);
        var exponent = b.Binary(BinaryOp.LShr, magnitude, e.I(10));
        var result = b.Select(b.ICmp(IntPredicate.Eq, exponent, e.I(0)), subnormal,
                     b.Select(b.ICmp(IntPredicate.Eq, exponent, e.I(0x1F)), special, normal));
        return b.Cast(CastOp.BitCast, b.Binary(BinaryOp.Or, result, sign), e.Ctx.F32);
    }

    /// <summary>f32 or f64 → i16 bits of <paramref name="format"/>, rounded once to nearest even.</summary>
    public static LValue FromFloat(Emitter e, LValue value, DataType format)
    {
        bool isDouble = value.Type == e.Ctx.F64;
        var source = isDouble ? Binary64 : Binary32;
        var intType = isDouble ? e.Ctx.I64 : e.Ctx.I32;
        return Narrow(e, e.B.Cast(CastOp.BitCast, value, intType), intType, source, FormatOf(format));
    }

    /// <summary>
    /// Rounds the bits of a wider format to a narrower one. Two candidates are computed and one selected (no
    /// branches, so loops around it still vectorise):
    /// a normal result rebiases the exponent in place and rounds the low bits away (a carry out of the mantissa
    /// correctly bumps the exponent, and anything past the largest finite value clamps to ∞); a subnormal result
    /// shifts the mantissa with its implicit bit right by however far the exponent is below the minimum.
    /// </summary>
    private static LValue Narrow(Emitter e, LValue bits, LType intType, Format from, Format to)
    {
        var b = e.B;
        LValue C(long v) => e.Ctx.Int(intType, v);
        LValue Shr(LValue x, LValue n) => b.Binary(BinaryOp.LShr, x, n);
        LValue And(LValue x, LValue y) => b.Binary(BinaryOp.And, x, y);
        int drop = from.MantissaBits - to.MantissaBits;
        long signMask = 1L << (from.Width - 1);

        var sign = Shr(And(bits, C(signMask)), C(from.Width - to.Width));
        var magnitude = And(bits, C(signMask - 1)); // = ~signMask within the width
        var exponentField = Shr(magnitude, C(from.MantissaBits));
        // Exponent field of the result if it were normal; source subnormals count as field 1 without the implicit bit.
        var fieldOrOne = b.Select(b.ICmp(IntPredicate.Eq, exponentField, C(0)), C(1), exponentField);
        var targetField = b.Binary(BinaryOp.Sub, fieldOrOne, C(from.Bias - to.Bias));

        // Normal: round to nearest even by adding half an ulp minus one, plus the bit that becomes the last kept bit.
        var rebiased = b.Binary(BinaryOp.Sub, magnitude, C((from.Bias - to.Bias) << from.MantissaBits));
        var keptLowBit = And(Shr(rebiased, C(drop)), C(1));
        var roundedNormal = Shr(b.Binary(BinaryOp.Add, rebiased, b.Binary(BinaryOp.Add, C((1L << (drop - 1)) - 1), keptLowBit)), C(drop));
        var normal = b.Select(b.ICmp(IntPredicate.Ugt, roundedNormal, C(to.InfinityBits)), C(to.InfinityBits), roundedNormal);

        // Subnormal: value = mantissa·2^(field − bias − M); shift by drop + (1 − targetField), capped where the
        // result is 0 anyway (a shift of M+2 leaves less than half the smallest subnormal). For normal results the
        // shift is meaningless but still clamped into range, so no instruction here ever produces poison.
        var implicitBit = b.Select(b.ICmp(IntPredicate.Eq, exponentField, C(0)), C(0), C(1L << from.MantissaBits));
        var mantissa = b.Binary(BinaryOp.Or, And(magnitude, C((1L << from.MantissaBits) - 1)), implicitBit);
        var shift = b.Binary(BinaryOp.Sub, C(drop + 1), targetField);
        shift = b.Select(b.ICmp(IntPredicate.Ugt, shift, C(from.MantissaBits + 2)), C(from.MantissaBits + 2), shift);
        shift = b.Select(b.ICmp(IntPredicate.Eq, shift, C(0)), C(1), shift); // only when normal; keeps every shift in range
        var truncated = Shr(mantissa, shift);
        var half = b.Binary(BinaryOp.Shl, C(1), b.Binary(BinaryOp.Sub, shift, C(1)));
        var remainder = And(mantissa, b.Binary(BinaryOp.Sub, b.Binary(BinaryOp.Shl, half, C(1)), C(1)));
        var tieToOdd = b.Binary(BinaryOp.And, b.ICmp(IntPredicate.Eq, remainder, half), b.ICmp(IntPredicate.Ne, And(truncated, C(1)), C(0)));
        var roundUp = b.Binary(BinaryOp.Or, b.ICmp(IntPredicate.Ugt, remainder, half), tieToOdd);
        var subnormal = b.Binary(BinaryOp.Add, truncated, b.Cast(CastOp.ZExt, roundUp, intType));

        // NaN: all-ones exponent, the top mantissa bits kept, and the quiet bit set so it cannot become ∞.
        var nan = b.Binary(BinaryOp.Or, And(Shr(magnitude, C(drop)), C(to.MantissaMask)), C(to.InfinityBits | to.QuietBit));

        var isNormal = b.ICmp(IntPredicate.Sgt, targetField, C(0));
        var result = b.Select(b.ICmp(IntPredicate.Ugt, magnitude, C(from.InfinityBits)), nan, b.Select(isNormal, normal, subnormal));
        return b.Cast(CastOp.Trunc, b.Binary(BinaryOp.Or, result, sign), e.Ctx.I16);
    }
}
