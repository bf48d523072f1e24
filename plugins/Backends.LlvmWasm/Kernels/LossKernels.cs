using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// NegativeLogLikelihoodLoss (SoftmaxCrossEntropyLoss imports to LogSoftmax + this): for input [N, C, D] and target
/// [N, D], loss[n, d] = −input[n, t, d]·w[t] with t = target[n, d], and 0 with weight 0 where t is ignore_index.
/// Reduction none stores the losses; sum and mean carry the loss sum and the weight sum through one pass, and mean
/// divides them (so an all-ignored batch gives NaN, as in ONNX Runtime).
/// </summary>
internal sealed class NllLossKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["NegativeLogLikelihoodLoss"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[0]).ElementType;
        return Scalars.IsFloat(type) ? null : $"{type.Name()} loss is not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var input = k.InputType(0);
        var targetType = k.InputType(1).ElementType;
        var type = input.ElementType;
        long n = input.Shape[0], classes = input.Shape[1];
        long spatial = input.Shape.Dims.Skip(2).Aggregate(1L, (a, b) => a * b);
        string reduction = k.Attributes.GetString("reduction", "mean");
        long ignoreIndex = k.Attributes.GetInt("ignore_index");
        bool weighted = k.HasInput(2);
        var zero = Scalars.Constant(e, type, 0);
        var one = Scalars.Constant(e, type, 1);

        // The loss and the weight of one (n, d) position.
        (LValue Loss, LValue Weight) Term(LValue row, LValue d)
        {
            var at = e.Add(e.Mul(row, spatial), d);
            var raw = Scalars.Load(e, targetType, k.Input(1), at);
            var ignored = e.B.ICmp(IntPredicate.Eq, Scalars.Convert(e, raw, targetType, DataType.Int64), e.Ctx.Int(e.Ctx.I64, ignoreIndex));
            var target = AxisKernels.LoadIndex(e, targetType, k.Input(1), at, classes);
            var weight = weighted ? Scalars.Load(e, type, k.Input(2), target) : one;
            weight = e.B.Select(ignored, zero, weight);
            var x = Scalars.Load(e, type, k.Input(0), e.Add(e.Mul(e.Add(e.Mul(row, classes), target), spatial), d));
            return (e.B.Select(ignored, zero, e.B.FNeg(e.FMul(x, weight))), weight);
        }

        if (reduction == "none")
        {
            e.For(n, row => e.For(spatial, d => Scalars.Store(e, type, Term(row, d).Loss, k.Output(0), e.Add(e.Mul(row, spatial), d))));
            return;
        }
        var totals = e.FoldMany(0, n, 1, [zero, zero], (row, outer) => e.FoldMany(0, spatial, 1, outer, (d, inner) =>
        {
            var (loss, weight) = Term(row, d);
            return [e.FAdd(inner[0], loss), e.FAdd(inner[1], weight)];
        }));
        var result = reduction == "mean" ? e.FDiv(totals[0], totals[1]) : totals[0];
        Scalars.Store(e, type, result, k.Output(0), e.I(0));
    }
}
