using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Unary maths and activations: one flat loop over the elements, each float op lowered by the elementwise table
/// (<see cref="ElementwiseLowering"/>; exp, log, tanh, erf are written in IR because the module may import nothing).
/// Integer inputs are lowered for the ops that are exact on integers (Abs, Neg, Sign) and bool for Not.
/// </summary>
internal sealed class UnaryMathKernel : IKernelGenerator
{
    private static readonly string[] IntegerOps = ["Abs", "Neg", "Sign"];

    /// <summary>The elementwise table's unary ops other than the activations (<see cref="UnaryKernel"/>'s), and the predicates.</summary>
    public IReadOnlyList<string> Ops { get; } = [.. ElementwiseLowering.Unaries.Except(ElementwiseLowering.Activations), "Not", "IsNaN", "IsInf"];

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
                _ => ElementwiseLowering.Get(k.Node.Op).Scalar(e, [x], k.Attributes),
            };
            Scalars.Store(e, outType, y, k.Output(0), i);
        });
    }

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
