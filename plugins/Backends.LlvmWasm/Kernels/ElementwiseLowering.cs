using System.Collections.Frozen;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>Builds an elementwise op's result from its operands and the op's own ONNX attributes (Clip's min and max, LeakyRelu's alpha).</summary>
internal delegate LValue ElementwiseBuild(Emitter e, LValue[] x, Attributes attributes);

/// <summary>
/// One elementwise op's lowering, after TensorPrimitives' operator structs: a scalar (f32) and a vector (f32x4) path.
/// A <see cref="LaneWise"/> op is written once over shape-generic instructions (fcmp, select, intrinsics, the
/// emitter's exp, constants through <see cref="Emitter.FLike"/>), so one build serves both widths, and float64 too
/// where it uses no float32-only maths. The others are built from scalar maths (log, tanh, erf, pow, the trig
/// polynomials); their vector path applies the scalar one to each lane, as <see cref="Emitter.Exp"/> does.
/// </summary>
/// <param name="Activation">
/// Whether a producer may apply the op as it stores (a fused op's <c>activation</c>, see <see cref="Activation"/>): the ops
/// fuse-activation folds, each with a lane-wise vector path so that the SIMD epilogues stay vectors.
/// </param>
internal sealed record ElementwiseOp(string Name, int Arity, bool LaneWise, ElementwiseBuild Build, bool Activation = false)
{
    /// <summary>The op on scalars: f32 (f64 for a lane-wise op without float32 constants in its maths).</summary>
    public LValue Scalar(Emitter e, LValue[] x, Attributes attributes) => Build(e, x, attributes);

    /// <summary>The op on f32x4 operands.</summary>
    public LValue Vector(Emitter e, LValue[] x, Attributes attributes)
        => LaneWise ? Build(e, x, attributes) : e.MapLanes(x, lanes => Build(e, lanes, attributes));

    /// <summary>The scalar or the vector path, by the operands' type.</summary>
    public LValue Apply(Emitter e, LValue[] x, Attributes attributes)
        => x[0].Type == e.Ctx.F32x4 ? Vector(e, x, attributes) : Scalar(e, x, attributes);
}

/// <summary>
/// The backend's one table of elementwise float lowerings: the unary kernels, Add/Sub/Mul/Div, the broadcasting
/// kernel's float ops, FusedElementwise's steps and the Conv/Gemm/MatMul epilogue activation all look their op up here,
/// so an op's maths (and its NaN semantics) is written once. ElementwiseLoweringTests checks every entry against ONNX
/// Runtime on edge values and lists where one knowingly differs.
/// </summary>
internal static class ElementwiseLowering
{
    private static readonly ElementwiseOp[] Table =
    [
        // The activations a producer can fuse. Relu and Clip keep a NaN element (FMaxKeepNaN, as ONNX Runtime does).
        Unary("Relu", true, (e, x, _) => e.FMaxKeepNaN(x, e.FLike(x, 0)), activation: true),
        // 1 / (1 + e^−x): vector arithmetic around exp, which maps the lanes of an f32x4.
        Unary("Sigmoid", true, (e, x, _) => e.FDiv(e.FLike(x, 1.0), e.FAdd(e.FLike(x, 1.0), e.Exp(e.B.FNeg(x)))), activation: true),
        Unary("Clip", true, (e, x, a) => e.FMinKeepNaN(e.FMaxKeepNaN(x, e.FLike(x, a.GetFloat("min", float.NegativeInfinity))), e.FLike(x, a.GetFloat("max", float.PositiveInfinity))), activation: true),

        Unary("Abs", true, (e, x, _) => e.CallIntrinsic("llvm.fabs", x.Type, x)),
        Unary("Neg", true, (e, x, _) => e.B.FNeg(x)),
        Unary("Sign", true, (e, x, _) => e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.FLike(x, 0)), e.FLike(x, 1),
                                                    e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.FLike(x, 0)), e.FLike(x, -1), x))),
        Unary("Exp", true, (e, x, _) => e.Exp(x)),
        Unary("Log", false, (e, x, _) => e.Log(x)),
        Unary("Sqrt", true, (e, x, _) => e.Sqrt(x)),
        Unary("Reciprocal", true, (e, x, _) => e.FDiv(e.FLike(x, 1), x)),
        Unary("Floor", true, (e, x, _) => e.Floor(x)),
        Unary("Ceil", true, (e, x, _) => e.CallIntrinsic("llvm.ceil", x.Type, x)),
        Unary("Round", true, (e, x, _) => e.CallIntrinsic("llvm.roundeven", x.Type, x)),
        Unary("Tanh", false, (e, x, _) => e.Tanh(x)),
        Unary("Erf", false, (e, x, _) => e.Erf(x)),
        Unary("Sin", false, (e, x, _) => e.Sin(x)),
        Unary("Cos", false, (e, x, _) => e.Cos(x)),
        Unary("Tan", false, (e, x, _) => e.Tan(x)),
        Unary("Asin", false, (e, x, _) => e.Asin(x)),
        Unary("Acos", false, (e, x, _) => e.Acos(x)),
        Unary("Atan", false, (e, x, _) => e.Atan(x)),
        Unary("Sinh", true, (e, x, _) => e.FMul(e.FSub(e.Exp(x), e.Exp(e.B.FNeg(x))), e.FLike(x, 0.5))),
        Unary("Cosh", true, (e, x, _) => e.FMul(e.FAdd(e.Exp(x), e.Exp(e.B.FNeg(x))), e.FLike(x, 0.5))),
        Unary("Asinh", false, (e, x, _) =>
        {
            var ax = e.CallIntrinsic("llvm.fabs", x.Type, x);
            var r = e.Log(e.FAdd(ax, e.Sqrt(e.FAdd(e.FMul(ax, ax), e.F(1)))));
            return e.CallIntrinsic("llvm.copysign", x.Type, r, x);
        }),
        Unary("Acosh", false, (e, x, _) => e.Log(e.FAdd(x, e.Sqrt(e.FSub(e.FMul(x, x), e.F(1)))))),
        Unary("Atanh", false, (e, x, _) => e.FMul(e.Log(e.FDiv(e.FAdd(e.F(1), x), e.FSub(e.F(1), x))), e.F(0.5))),
        Unary("Softplus", false, (e, x, _) => Softplus(e, x)),
        Unary("Softsign", true, (e, x, _) => e.FDiv(x, e.FAdd(e.FLike(x, 1), e.CallIntrinsic("llvm.fabs", x.Type, x)))),
        Unary("Mish", false, (e, x, _) => e.FMul(x, e.Tanh(Softplus(e, x)))),
        Unary("HardSwish", true, (e, x, _) => e.FMul(x, Clamp01(e, e.FAdd(e.FMul(x, e.FLike(x, 1.0 / 6)), e.FLike(x, 0.5))))),
        Unary("LeakyRelu", true, (e, x, a) => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.FLike(x, 0)), e.FMul(x, e.FLike(x, a.GetFloat("alpha"))), x)),
        Unary("ThresholdedRelu", true, (e, x, a) => e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.FLike(x, a.GetFloat("alpha"))), x, e.FLike(x, 0))),
        Unary("HardSigmoid", true, (e, x, a) => Clamp01(e, e.FAdd(e.FMul(x, e.FLike(x, a.GetFloat("alpha"))), e.FLike(x, a.GetFloat("beta"))))),
        Unary("Elu", true, (e, x, a) => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.FLike(x, 0)),
                                                  e.FMul(e.FLike(x, a.GetFloat("alpha")), e.FSub(e.Exp(x), e.FLike(x, 1))), x)),
        Unary("Celu", true, (e, x, a) =>
        {
            var alpha = a.GetFloat("alpha");
            var negative = e.FMul(e.FLike(x, alpha), e.FSub(e.Exp(e.FDiv(x, e.FLike(x, alpha))), e.FLike(x, 1)));
            return e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.FLike(x, 0)), x,
                              e.B.Select(e.B.FCmp(RealPredicate.Olt, negative, e.FLike(x, 0)), negative, e.FLike(x, 0)));
        }),
        Unary("Selu", true, (e, x, a) => e.FMul(e.FLike(x, a.GetFloat("gamma")),
            e.B.Select(e.B.FCmp(RealPredicate.Ole, x, e.FLike(x, 0)), e.FMul(e.FLike(x, a.GetFloat("alpha")), e.FSub(e.Exp(x), e.FLike(x, 1))), x))),
        Unary("Shrink", true, (e, x, a) =>
        {
            float lambd = a.GetFloat("lambd"), bias = a.GetFloat("bias");
            var above = e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.FLike(x, lambd)), e.FSub(x, e.FLike(x, bias)), e.FLike(x, 0));
            return e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.FLike(x, -lambd)), e.FAdd(x, e.FLike(x, bias)), above);
        }),
        Unary("Gelu", false, (e, x, a) => a.GetString("approximate", "none") == "tanh"
            ? e.FMul(e.FMul(x, e.F(0.5)), e.FAdd(e.F(1), e.Tanh(e.FMul(e.F(0.7978845608028654), e.FAdd(x, e.FMul(e.F(0.044715), e.FMul(x, e.FMul(x, x))))))))
            : e.FMul(e.FMul(x, e.F(0.5)), e.FAdd(e.F(1), e.Erf(e.FMul(x, e.F(0.7071067811865476)))))),

        Binary("Add", true, (e, x, _) => e.FAdd(x[0], x[1])),
        Binary("Sub", true, (e, x, _) => e.FSub(x[0], x[1])),
        Binary("Mul", true, (e, x, _) => e.FMul(x[0], x[1])),
        Binary("Div", true, (e, x, _) => e.FDiv(x[0], x[1])),
        Binary("Pow", false, (e, x, _) => e.Pow(x[0], x[1])),
        // llvm.maximum/minimum propagate NaN from either side, as ONNX's Max and Min do (unlike FMaxKeepNaN).
        Binary("Max", true, (e, x, _) => e.CallIntrinsic("llvm.maximum", x[0].Type, x[0], x[1])),
        Binary("Min", true, (e, x, _) => e.CallIntrinsic("llvm.minimum", x[0].Type, x[0], x[1])),
        // Mod with fmod=1 (the only float Mod ONNX allows), without a libcall: a − trunc(a / b)·b (exact for the small quotients models use).
        Binary("Mod", true, (e, x, _) => e.FSub(x[0], e.FMul(e.CallIntrinsic("llvm.trunc", x[0].Type, e.FDiv(x[0], x[1])), x[1]))),
        Binary("PRelu", true, (e, x, _) => e.B.Select(e.B.FCmp(RealPredicate.Olt, x[0], e.FLike(x[0], 0)), e.FMul(x[0], x[1]), x[0])),
    ];

    public static FrozenDictionary<string, ElementwiseOp> Ops { get; } = Table.ToFrozenDictionary(op => op.Name, StringComparer.Ordinal);

    /// <summary>The ops a producer may apply as it stores (a fused op's <c>activation</c>), in table order.</summary>
    public static IReadOnlyList<string> Activations { get; } = [.. Table.Where(op => op.Activation).Select(op => op.Name)];

    public static ElementwiseOp Get(string op)
        => Ops.TryGetValue(op, out var lowering) ? lowering : throw new InvalidOperationException($"no elementwise lowering for {op}");

    /// <summary>Unary ops of the table, for a kernel's Ops list.</summary>
    public static IEnumerable<string> Unaries => Table.Where(op => op.Arity == 1).Select(op => op.Name);

    private static ElementwiseOp Unary(string name, bool laneWise, Func<Emitter, LValue, Attributes, LValue> build, bool activation = false)
        => new(name, 1, laneWise, (e, x, a) => build(e, x[0], a), activation);

    private static ElementwiseOp Binary(string name, bool laneWise, ElementwiseBuild build) => new(name, 2, laneWise, build);

    private static LValue Clamp01(Emitter e, LValue x)
        => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.FLike(x, 0)), e.FLike(x, 0),
                      e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.FLike(x, 1)), e.FLike(x, 1), x));

    /// <summary>ln(1 + eˣ), and x itself above 20 where eˣ would overflow the sum's precision.</summary>
    private static LValue Softplus(Emitter e, LValue x)
        => e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(20)), x, e.Log(e.FAdd(e.F(1), e.Exp(x))));
}
