using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Unary maths and activations: one flat loop over the elements, each op a small function of the element built from
/// the emitter's maths (exp, log, tanh, erf are written in IR because the module may import nothing). Integer
/// inputs are lowered for the ops that are exact on integers (Abs, Neg, Sign) and bool for Not.
/// </summary>
internal sealed class UnaryMathKernel : IKernelGenerator
{
    private delegate LValue FloatOp(Emitter e, LValue x, Attributes a);

    private static readonly Dictionary<string, FloatOp> FloatOps = new(StringComparer.Ordinal)
    {
        ["Abs"] = (e, x, _) => e.CallIntrinsic("llvm.fabs", x.Type, x),
        ["Neg"] = (e, x, _) => e.B.FNeg(x),
        ["Sign"] = (e, x, _) => e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(0)), e.F(1), e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.F(0)), e.F(-1), x)),
        ["Exp"] = (e, x, _) => e.Exp(x),
        ["Log"] = (e, x, _) => e.Log(x),
        ["Sqrt"] = (e, x, _) => e.Sqrt(x),
        ["Reciprocal"] = (e, x, _) => e.FDiv(e.F(1), x),
        ["Floor"] = (e, x, _) => e.Floor(x),
        ["Ceil"] = (e, x, _) => e.CallIntrinsic("llvm.ceil", x.Type, x),
        ["Round"] = (e, x, _) => e.CallIntrinsic("llvm.roundeven", x.Type, x),
        ["Tanh"] = (e, x, _) => e.Tanh(x),
        ["Erf"] = (e, x, _) => e.Erf(x),
        ["Sin"] = (e, x, _) => e.Sin(x),
        ["Cos"] = (e, x, _) => e.Cos(x),
        ["Tan"] = (e, x, _) => e.Tan(x),
        ["Asin"] = (e, x, _) => e.Asin(x),
        ["Acos"] = (e, x, _) => e.Acos(x),
        ["Atan"] = (e, x, _) => e.Atan(x),
        ["Sinh"] = (e, x, _) => e.FMul(e.FSub(e.Exp(x), e.Exp(e.B.FNeg(x))), e.F(0.5)),
        ["Cosh"] = (e, x, _) => e.FMul(e.FAdd(e.Exp(x), e.Exp(e.B.FNeg(x))), e.F(0.5)),
        ["Asinh"] = (e, x, _) =>
        {
            var ax = e.CallIntrinsic("llvm.fabs", x.Type, x);
            var r = e.Log(e.FAdd(ax, e.Sqrt(e.FAdd(e.FMul(ax, ax), e.F(1)))));
            return e.CallIntrinsic("llvm.copysign", x.Type, r, x);
        },
        ["Acosh"] = (e, x, _) => e.Log(e.FAdd(x, e.Sqrt(e.FSub(e.FMul(x, x), e.F(1))))),
        ["Atanh"] = (e, x, _) => e.FMul(e.Log(e.FDiv(e.FAdd(e.F(1), x), e.FSub(e.F(1), x))), e.F(0.5)),
        ["Softplus"] = (e, x, _) => e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(20)), x, e.Log(e.FAdd(e.F(1), e.Exp(x)))),
        ["Softsign"] = (e, x, _) => e.FDiv(x, e.FAdd(e.F(1), e.CallIntrinsic("llvm.fabs", x.Type, x))),
        ["Mish"] = (e, x, _) => e.FMul(x, e.Tanh(e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(20)), x, e.Log(e.FAdd(e.F(1), e.Exp(x)))))),
        ["HardSwish"] = (e, x, _) => e.FMul(x, Clamp01(e, e.FAdd(e.FMul(x, e.F(1.0 / 6)), e.F(0.5)))),
        ["LeakyRelu"] = (e, x, a) => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.F(0)), e.FMul(x, e.F(a.GetFloat("alpha"))), x),
        ["ThresholdedRelu"] = (e, x, a) => e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(a.GetFloat("alpha"))), x, e.F(0)),
        ["HardSigmoid"] = (e, x, a) => Clamp01(e, e.FAdd(e.FMul(x, e.F(a.GetFloat("alpha"))), e.F(a.GetFloat("beta")))),
        ["Elu"] = (e, x, a) => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.F(0)), e.FMul(e.F(a.GetFloat("alpha")), e.FSub(e.Exp(x), e.F(1))), x),
        ["Celu"] = (e, x, a) =>
        {
            var alpha = a.GetFloat("alpha");
            var negative = e.FMul(e.F(alpha), e.FSub(e.Exp(e.FDiv(x, e.F(alpha))), e.F(1)));
            return e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(0)), x, e.B.Select(e.B.FCmp(RealPredicate.Olt, negative, e.F(0)), negative, e.F(0)));
        },
        ["Selu"] = (e, x, a) => e.FMul(e.F(a.GetFloat("gamma")),
            e.B.Select(e.B.FCmp(RealPredicate.Ole, x, e.F(0)), e.FMul(e.F(a.GetFloat("alpha")), e.FSub(e.Exp(x), e.F(1))), x)),
        ["Shrink"] = (e, x, a) =>
        {
            float lambd = a.GetFloat("lambd"), bias = a.GetFloat("bias");
            var above = e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(lambd)), e.FSub(x, e.F(bias)), e.F(0));
            return e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.F(-lambd)), e.FAdd(x, e.F(bias)), above);
        },
        ["Gelu"] = (e, x, a) => a.GetString("approximate", "none") == "tanh"
            ? e.FMul(e.FMul(x, e.F(0.5)), e.FAdd(e.F(1), e.Tanh(e.FMul(e.F(0.7978845608028654), e.FAdd(x, e.FMul(e.F(0.044715), e.FMul(x, e.FMul(x, x))))))))
            : e.FMul(e.FMul(x, e.F(0.5)), e.FAdd(e.F(1), e.Erf(e.FMul(x, e.F(0.7071067811865476))))),
    };

    private static readonly string[] IntegerOps = ["Abs", "Neg", "Sign"];

    public IReadOnlyList<string> Ops { get; } = [.. FloatOps.Keys, "Not", "IsNaN", "IsInf"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[0]).ElementType;
        return node.Op switch
        {
            "Not" => type == DataType.Bool ? null : "Not needs bool",
            _ when type == DataType.Float32 => null,
            _ when IntegerOps.Contains(node.Op) && type is DataType.Int32 or DataType.Int64 or DataType.Int8 => null,
            _ => $"{type.Name()} {node.Op} is not lowered",
        };
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var type = k.InputType(0).ElementType;
        var outType = k.OutputType(0).ElementType;
        e.For(k.OutputType(0).ElementCount, i =>
        {
            var x = Scalars.Load(e, type, k.Input(0), i);
            var y = k.Node.Op switch
            {
                "Not" => e.B.Binary(BinaryOp.Xor, x, e.Ctx.Int(e.Ctx.I8, 1)),
                "IsNaN" => Scalars.FromCondition(e, e.B.FCmp(RealPredicate.Uno, x, x)),
                "IsInf" => IsInf(e, x, k.Attributes),
                _ when type != DataType.Float32 => IntegerOp(e, k.Node.Op, x, type),
                _ => FloatOps[k.Node.Op](e, x, k.Attributes),
            };
            Scalars.Store(e, outType, y, k.Output(0), i);
        });
    }

    private static LValue Clamp01(Emitter e, LValue x)
        => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, e.F(0)), e.F(0), e.B.Select(e.B.FCmp(RealPredicate.Ogt, x, e.F(1)), e.F(1), x));

    private static LValue IsInf(Emitter e, LValue x, Attributes a)
    {
        var positive = e.B.FCmp(RealPredicate.Oeq, x, e.F(double.PositiveInfinity));
        var negative = e.B.FCmp(RealPredicate.Oeq, x, e.F(double.NegativeInfinity));
        var no = e.Ctx.Int(e.Ctx.I1, 0);
        var result = e.B.Binary(BinaryOp.Or, a.GetInt("detect_positive", 1) != 0 ? positive : no, a.GetInt("detect_negative", 1) != 0 ? negative : no);
        return Scalars.FromCondition(e, result);
    }

    private static LValue IntegerOp(Emitter e, string op, LValue x, DataType type)
    {
        var zero = Scalars.Constant(e, type, 0);
        var negated = e.B.Binary(BinaryOp.Sub, zero, x);
        return op switch
        {
            "Neg" => negated,
            "Abs" => e.B.Select(e.B.ICmp(IntPredicate.Slt, x, zero), negated, x),
            _ => e.B.Select(e.B.ICmp(IntPredicate.Sgt, x, zero), Scalars.Constant(e, type, 1),
                            e.B.Select(e.B.ICmp(IntPredicate.Slt, x, zero), Scalars.Constant(e, type, -1), zero)),
        };
    }
}
