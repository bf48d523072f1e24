using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// LayerNormalization over the trailing axes from <c>axis</c>: per row, the mean, then the variance of the centred
/// values (two passes, as ONNX Runtime does, for accuracy), then (x − mean) / √(var + ε) · scale + bias.
/// </summary>
internal sealed class LayerNormKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["LayerNormalization"];

    public string? CheckSupported(Node node, Graph graph)
    {
        if (graph.TypeOf(node.Inputs[0]).ElementType != DataType.Float32)
        {
            return "only float32 LayerNormalization is lowered";
        }
        var x = graph.TypeOf(node.Inputs[0]).Shape;
        long inner = x.Dims.Skip((int)node.Attributes.GetInt("axis")).Aggregate(1L, (a, b) => a * b);
        return node.Inputs.Skip(1).Where(i => i.Length > 0).All(i => graph.TypeOf(i).ElementCount is var n && (n == inner || n == 1))
            ? null : "scale and bias must cover the whole normalised shape or be scalars";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        int axis = (int)k.Attributes.GetInt("axis");
        float epsilon = k.Attributes.GetFloat("epsilon", 1e-5f);
        long inner = x.Dims.Skip(axis).Aggregate(1L, (a, b) => a * b);
        long rows = x.ElementCount / Math.Max(inner, 1);
        bool scalarScale = k.InputType(1).ElementCount == 1;
        bool hasBias = k.HasInput(2);
        bool scalarBias = hasBias && k.InputType(2).ElementCount == 1;
        e.ParallelForLarge(rows, inner, r => // with threads: rows split over the workers
        {
            var start = e.Mul(r, inner);
            var sum = e.Fold(0, inner, 1, e.F(0), (j, acc) => e.FAdd(acc, e.LoadF32(k.Input(0), e.Add(start, j)), e.ReductionMath));
            var mean = e.FDiv(sum, e.F(inner));
            var squares = e.Fold(0, inner, 1, e.F(0), (j, acc) =>
            {
                var d = e.FSub(e.LoadF32(k.Input(0), e.Add(start, j)), mean);
                return e.FAdd(acc, e.FMul(d, d), e.ReductionMath);
            });
            var inverse = e.FDiv(e.F(1), e.Sqrt(e.FAdd(e.FDiv(squares, e.F(inner)), e.F(epsilon))));
            if (k.Node.Outputs.Length > 1)
            {
                e.StoreF32(mean, k.Output(1), r);
            }
            if (k.Node.Outputs.Length > 2)
            {
                e.StoreF32(inverse, k.Output(2), r);
            }
            e.For(inner, j =>
            {
                var normalised = e.FMul(e.FSub(e.LoadF32(k.Input(0), e.Add(start, j)), mean), inverse);
                var y = e.FMul(normalised, e.LoadF32(k.Input(1), scalarScale ? e.I(0) : j));
                if (hasBias)
                {
                    y = e.FAdd(y, e.LoadF32(k.Input(2), scalarBias ? e.I(0) : j));
                }
                e.StoreF32(y, k.Output(0), e.Add(start, j));
            });
        });
    }
}

/// <summary>
/// Softmax and LogSoftmax along one axis, sharing the numerically safe form: the max is subtracted first, then
/// Softmax scales exp(x − max) by 1/Σ and LogSoftmax subtracts log Σ exp(x − max).
/// </summary>
internal sealed class SoftmaxKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Softmax", "LogSoftmax"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : $"only float32 {node.Op} is lowered";

    /// <summary>Along an axis that follows the run-time extent the row stops at the extent (the rest is padding).</summary>
    public bool FollowsRunTimeExtent(Node node, Graph graph) => true;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var shape = k.InputType(0).Shape;
        int axis = (int)k.Attributes.GetInt("axis");
        long length = shape.Rank == 0 ? 1 : shape[axis];
        long inner = shape.Dims.Skip(axis + 1).Aggregate(1L, (x, y) => x * y);
        long outer = shape.ElementCount / Math.Max(length * inner, 1);
        bool log = k.Node.Op == "LogSoftmax";
        var extentAxes = k.InputExtentAxes(0);
        bool rowFollows = extentAxes.Contains(axis);
        LValue? extent = extentAxes.IsEmpty ? null : k.Extent();
        // Fold over j < end: the whole row, or the data part of a row along the run-time axis.
        LValue Fold(LValue initial, Func<LValue, LValue, LValue> body)
            => rowFollows ? e.FoldRuntime(e.I(0), extent!.Value, [initial], (j, acc) => [body(j, acc[0])])[0] : e.Fold(0, length, 1, initial, body);
        void ForRow(Action<LValue> body)
        {
            if (rowFollows)
            {
                e.ForRuntime(e.I(0), extent!.Value, body);
            }
            else
            {
                e.For(length, body);
            }
        }
        // Rows along a run-time axis just before the softmax axis (attention's queries) stop at the extent too.
        long queries = axis > 0 && inner == 1 && extentAxes.Contains(axis - 1) ? shape[axis - 1] : 1;
        void ForRows(Action<LValue> body)
        {
            if (queries == 1)
            {
                e.ParallelForLarge(outer, length * inner, body); // with threads: rows split over the workers
                return;
            }
            e.For(outer / queries, q0 => e.ForRuntime(e.I(0), extent!.Value, q => body(e.Add(e.Mul(q0, queries), q))));
        }
        ForRows(o => e.For(inner, i =>
        {
            var start = e.Add(e.Mul(o, length * inner), i);
            LValue At(LValue j) => e.Add(start, e.Mul(j, inner));
            var max = Fold(e.F(float.NegativeInfinity), (j, acc) => e.FMaxKeepNaN(e.LoadF32(k.Input(0), At(j)), acc));
            var sum = Fold(e.F(0), (j, acc) =>
            {
                var ex = e.Exp(e.FSub(e.LoadF32(k.Input(0), At(j)), max));
                if (!log)
                {
                    e.StoreF32(ex, k.Output(0), At(j));
                }
                return e.FAdd(acc, ex, e.ReductionMath);
            });
            if (log)
            {
                var shift = e.FAdd(max, e.Log(sum));
                ForRow(j => e.StoreF32(e.FSub(e.LoadF32(k.Input(0), At(j)), shift), k.Output(0), At(j)));
                return;
            }
            var reciprocal = e.FDiv(e.F(1), sum);
            ForRow(j => e.StoreF32(e.FMul(e.LoadF32(k.Output(0), At(j)), reciprocal), k.Output(0), At(j)));
        }));
    }
}

/// <summary>
/// Inference-mode BatchNormalization as y = x·s + t, with s and t computed at compile time from constant parameters
/// (per channel, or per element of C×H×W for the opset-8 <c>spatial=0</c> form).
/// </summary>
internal sealed class BatchNormKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["BatchNormalization"];

    public string? CheckSupported(Node node, Graph graph)
        => Enumerable.Range(1, 4).All(i => graph.IsConstant(node.Inputs[i])) ? null : "scale, bias, mean and variance must be constants";

    public IReadOnlyList<int> CompileTimeInputs(Node node, Graph graph) => [1, 2, 3, 4];

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        float eps = k.Attributes.GetFloat("epsilon", 1e-5f);
        var scale = k.ConstantInput(1)!.ToFloatArray();
        var bias = k.ConstantInput(2)!.ToFloatArray();
        var mean = k.ConstantInput(3)!.ToFloatArray();
        var variance = k.ConstantInput(4)!.ToFloatArray();
        var s = new float[scale.Length];
        var t = new float[scale.Length];
        for (int c = 0; c < s.Length; c++)
        {
            s[c] = (float)(scale[c] / Math.Sqrt(variance[c] + (double)eps));
            t[c] = (float)(bias[c] - mean[c] * (double)s[c]);
        }
        var sPtr = k.EmbedFloats(s);
        var tPtr = k.EmbedFloats(t);
        long batch = x[0];
        long perBatch = x.ElementCount / Math.Max(batch, 1);
        long inner = perBatch / s.Length; // spatial size per parameter (1 when spatial=0)
        e.For(batch, n => e.For(s.Length, c =>
        {
            var sc = e.LoadF32(sPtr, c);
            var sh = e.LoadF32(tPtr, c);
            var baseIndex = e.Add(e.Mul(n, perBatch), e.Mul(c, inner));
            e.For(inner, j =>
            {
                var idx = e.Add(baseIndex, j);
                e.StoreF32(e.FAdd(e.FMul(e.LoadF32(k.Input(0), idx), sc), sh), k.Output(0), idx);
            });
        }));
    }
}
