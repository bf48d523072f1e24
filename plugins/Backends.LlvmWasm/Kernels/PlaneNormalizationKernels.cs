using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// InstanceNormalization: per (n, c) plane a mean pass and a variance pass (two passes, not E[x²] − E[x]², which
/// cancels badly for planes with a large mean), then y = (x − mean)·scale[c]/√(var + ε) + bias[c].
/// </summary>
internal sealed class InstanceNormKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["InstanceNormalization"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        long channels = x[1];
        long plane = x.ElementCount / Math.Max(x[0] * channels, 1);
        e.For(x[0] * channels, p =>
        {
            var start = e.Mul(p, plane);
            var c = e.B.Binary(Interop.BinaryOp.URem, p, e.I(channels));
            var sum = e.Fold(0, plane, 1, e.F(0), (i, acc) => e.FAdd(acc, e.LoadF32(k.Input(0), e.Add(start, i)), e.ReductionMath));
            var mean = e.FMul(sum, e.F(1.0 / plane));
            var squares = e.Fold(0, plane, 1, e.F(0), (i, acc) =>
            {
                var d = e.FSub(e.LoadF32(k.Input(0), e.Add(start, i)), mean);
                return e.FAdd(acc, e.FMul(d, d), e.ReductionMath);
            });
            var inverse = e.FDiv(e.F(1), e.Sqrt(e.FAdd(e.FMul(squares, e.F(1.0 / plane)), e.F(k.Attributes.GetFloat("epsilon")))));
            var scale = e.FMul(inverse, e.LoadF32(k.Input(1), c));
            var bias = e.LoadF32(k.Input(2), c);
            e.For(plane, i =>
            {
                var at = e.Add(start, i);
                e.StoreF32(e.FAdd(e.FMul(e.FSub(e.LoadF32(k.Input(0), at), mean), scale), bias), k.Output(0), at);
            });
        });
    }
}

/// <summary>
/// LRN: y = x / (bias + α/size · Σ x²)^β, the sum over channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉ clipped to the
/// tensor, for every (n, c, spatial) element.
/// </summary>
internal sealed class LrnKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["LRN"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        long channels = x[1];
        long plane = x.ElementCount / Math.Max(x[0] * channels, 1);
        long size = k.Attributes.GetInt("size");
        long before = (size - 1) / 2, after = size - 1 - before;
        float alpha = k.Attributes.GetFloat("alpha"), beta = k.Attributes.GetFloat("beta"), bias = k.Attributes.GetFloat("bias");
        e.For(x[0], n => e.For(channels, c => e.For(plane, i =>
        {
            var batchStart = e.Add(e.Mul(n, channels * plane), i);
            var sum = e.Fold(-before, after + 1, 1, e.F(0), (offset, acc) =>
            {
                var channel = e.Add(c, offset);
                var inside = e.InRange(channel, channels);
                var v = e.LoadF32(k.Input(0), e.Add(batchStart, e.Mul(e.B.Select(inside, channel, e.I(0)), plane)));
                return e.B.Select(inside, e.FAdd(acc, e.FMul(v, v)), acc);
            });
            var at = e.Add(batchStart, e.Mul(c, plane));
            var denominator = e.Pow(e.FAdd(e.F(bias), e.FMul(sum, e.F(alpha / size))), e.F(beta));
            e.StoreF32(e.FDiv(e.LoadF32(k.Input(0), at), denominator), k.Output(0), at);
        })));
    }
}
