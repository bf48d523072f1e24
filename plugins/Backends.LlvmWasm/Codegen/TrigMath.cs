using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// Trigonometric functions for f32 scalars, written in IR because wasm has no sin/cos instructions and the module
/// may import nothing. Polynomials and reductions follow Cephes (sinf, cosf, atanf, asinf): about 1–2 ulp on the
/// ranges models use, far inside the rtol 1e-3 / atol 1e-5 the conformance suite asks for.
/// </summary>
internal static class TrigMath
{
    private const double HalfPi = Math.PI / 2;

    // π/2 split in three parts so that k·π/2 is subtracted without losing the low bits (Cody–Waite).
    private const double Pio2Hi = 1.5703125;
    private static readonly double Pio2Mid = (float)(HalfPi - Pio2Hi);
    private static readonly double Pio2Lo = (float)(HalfPi - Pio2Hi - Pio2Mid);

    /// <summary>Reduces x to r in [−π/4, π/4] with x = k·π/2 + r; returns r and the quadrant k mod 4 (i32).</summary>
    private static (LValue R, LValue Quadrant) Reduce(Emitter e, LValue x)
    {
        var k = e.Floor(e.FAdd(e.FMul(x, e.F(2 / Math.PI)), e.F(0.5)));
        var r = e.FSub(e.FSub(e.FSub(x, e.FMul(k, e.F(Pio2Hi))), e.FMul(k, e.F(Pio2Mid))), e.FMul(k, e.F(Pio2Lo)));
        var quadrant = e.B.Binary(BinaryOp.And, e.B.Cast(CastOp.FPToSI, k, e.Ctx.I32), e.I(3));
        return (r, quadrant);
    }

    /// <summary>sin r for |r| ≤ π/4.</summary>
    private static LValue SinCore(Emitter e, LValue r)
    {
        var z = e.FMul(r, r);
        var p = e.FAdd(e.FMul(e.F(-1.9515295891E-4), z), e.F(8.3321608736E-3));
        p = e.FAdd(e.FMul(p, z), e.F(-1.6666654611E-1));
        return e.FAdd(e.FMul(e.FMul(p, z), r), r);
    }

    /// <summary>cos r for |r| ≤ π/4.</summary>
    private static LValue CosCore(Emitter e, LValue r)
    {
        var z = e.FMul(r, r);
        var p = e.FAdd(e.FMul(e.F(2.443315711809948E-5), z), e.F(-1.388731625493765E-3));
        p = e.FAdd(e.FMul(p, z), e.F(4.166664568298827E-2));
        return e.FAdd(e.FSub(e.FMul(e.FMul(p, z), z), e.FMul(z, e.F(0.5))), e.F(1));
    }

    /// <summary>Picks among four values by quadrant 0..3.</summary>
    private static LValue ByQuadrant(Emitter e, LValue q, LValue q0, LValue q1, LValue q2, LValue q3)
    {
        LValue Is(long n) => e.B.ICmp(IntPredicate.Eq, q, e.I(n));
        return e.B.Select(Is(0), q0, e.B.Select(Is(1), q1, e.B.Select(Is(2), q2, q3)));
    }

    public static LValue Sin(this Emitter e, LValue x)
    {
        var (r, q) = Reduce(e, x);
        var s = SinCore(e, r);
        var c = CosCore(e, r);
        return ByQuadrant(e, q, s, c, e.B.FNeg(s), e.B.FNeg(c));
    }

    public static LValue Cos(this Emitter e, LValue x)
    {
        var (r, q) = Reduce(e, x);
        var s = SinCore(e, r);
        var c = CosCore(e, r);
        return ByQuadrant(e, q, c, e.B.FNeg(s), e.B.FNeg(c), s);
    }

    /// <summary>tan x = sin x / cos x from one shared reduction (odd quadrants swap the roles: −cos r / sin r).</summary>
    public static LValue Tan(this Emitter e, LValue x)
    {
        var (r, q) = Reduce(e, x);
        var s = SinCore(e, r);
        var c = CosCore(e, r);
        var odd = e.B.ICmp(IntPredicate.Eq, e.B.Binary(BinaryOp.And, q, e.I(1)), e.I(1));
        return e.B.Select(odd, e.B.FNeg(e.FDiv(c, s)), e.FDiv(s, c));
    }

    /// <summary>
    /// atan: odd, so work on |x|; above tan(3π/8) use π/2 − atan(1/|x|), above tan(π/8) use π/4 + atan((|x|−1)/(|x|+1)),
    /// then a degree-4 polynomial in x² on [0, tan(π/8)].
    /// </summary>
    public static LValue Atan(this Emitter e, LValue x)
    {
        var ax = e.CallIntrinsic("llvm.fabs", x.Type, x);
        var big = e.B.FCmp(RealPredicate.Ogt, ax, e.F(2.414213562373095));
        var mid = e.B.FCmp(RealPredicate.Ogt, ax, e.F(0.4142135623730950));
        var reduced = e.B.Select(big, e.FDiv(e.F(-1), ax), e.B.Select(mid, e.FDiv(e.FSub(ax, e.F(1)), e.FAdd(ax, e.F(1))), ax));
        var offset = e.B.Select(big, e.F(HalfPi), e.B.Select(mid, e.F(Math.PI / 4), e.F(0)));
        var z = e.FMul(reduced, reduced);
        var p = e.FAdd(e.FMul(e.F(8.05374449538e-2), z), e.F(-1.38776856032E-1));
        p = e.FAdd(e.FMul(p, z), e.F(1.99777106478E-1));
        p = e.FAdd(e.FMul(p, z), e.F(-3.33329491539E-1));
        var y = e.FAdd(offset, e.FAdd(e.FMul(e.FMul(p, z), reduced), reduced));
        return e.CallIntrinsic("llvm.copysign", x.Type, y, x);
    }

    /// <summary>asin t for 0 ≤ t ≤ ½ (Cephes asinf polynomial).</summary>
    private static LValue AsinCore(Emitter e, LValue t)
    {
        var z = e.FMul(t, t);
        var p = e.F(4.2163199048E-2);
        foreach (var c in new[] { 2.4181311049E-2, 4.5470025998E-2, 7.4953002686E-2, 1.6666752422E-1 })
        {
            p = e.FAdd(e.FMul(p, z), e.F(c));
        }
        return e.FAdd(e.FMul(e.FMul(p, z), t), t);
    }

    /// <summary>asin: |x| ≤ ½ directly, else π/2 − 2·asin(√((1−|x|)/2)); NaN outside [−1, 1] through the sqrt.</summary>
    public static LValue Asin(this Emitter e, LValue x)
    {
        var ax = e.CallIntrinsic("llvm.fabs", x.Type, x);
        var small = AsinCore(e, ax);
        var large = e.FSub(e.F(HalfPi), e.FMul(e.F(2), AsinCore(e, e.Sqrt(e.FMul(e.FSub(e.F(1), ax), e.F(0.5))))));
        var y = e.B.Select(e.B.FCmp(RealPredicate.Ogt, ax, e.F(0.5)), large, small);
        return e.CallIntrinsic("llvm.copysign", x.Type, y, x);
    }

    /// <summary>acos without the cancellation of π/2 − asin x near ±1: 2·asin(√((1∓x)/2)) there.</summary>
    public static LValue Acos(this Emitter e, LValue x)
    {
        var ax = e.CallIntrinsic("llvm.fabs", x.Type, x);
        var edge = e.FMul(e.F(2), AsinCore(e, e.Sqrt(e.FMul(e.FSub(e.F(1), ax), e.F(0.5)))));
        var nearEdge = e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.F(0)), e.FSub(e.F(Math.PI), edge), edge);
        var centre = e.FSub(e.F(HalfPi), e.CallIntrinsic("llvm.copysign", x.Type, AsinCore(e, ax), x));
        return e.B.Select(e.B.FCmp(RealPredicate.Ogt, ax, e.F(0.5)), nearEdge, centre);
    }
}
