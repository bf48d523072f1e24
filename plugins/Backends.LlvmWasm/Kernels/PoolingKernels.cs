using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// MaxPool and AveragePool over 1-D or 2-D windows with strides, dilations (max), asymmetric pads and ceil_mode.
/// Padding is never read: each tap checks its row and column against the image. AveragePool's divisor depends only on
/// the output position, so it is computed at compile time into a table (count_include_pad counts padding cells,
/// but never cells past the end padding that ceil_mode windows can reach, as ONNX Runtime does).
/// </summary>
internal sealed class WindowPoolKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["MaxPool", "AveragePool"];

    private sealed record Window(long N, long C, long H, long W, long OH, long OW, long KH, long KW, long SH, long SW,
                                 long DH, long DW, long PadTop, long PadLeft, long PadBottom, long PadRight);

    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32)
        {
            return "only float32 pooling is lowered";
        }
        return x.Shape.Rank is 3 or 4 ? null : $"only 1-D and 2-D pooling is lowered (input {x.Shape})";
    }

    private static Window Describe(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]).Shape;
        var y = graph.TypeOf(node.Outputs[0]).Shape;
        var a = node.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetIntsOrNull("dilations") ?? [.. Enumerable.Repeat(1L, kernel.Length)];
        var pads = a.GetInts("pads");
        return x.Rank == 3
            ? new Window(x[0], x[1], 1, x[2], 1, y[2], 1, kernel[0], 1, strides[0], 1, dilations[0], 0, pads[0], 0, pads[1])
            : new Window(x[0], x[1], x[2], x[3], y[2], y[3], kernel[0], kernel[1], strides[0], strides[1],
                         dilations[0], dilations[1], pads[0], pads[1], pads[2], pads[3]);
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var w = Describe(k.Node, k.Graph);
        bool isMax = k.Node.Op == "MaxPool";
        LValue? divisors = isMax ? null : k.EmbedFloats(Divisors(w, k.Attributes.GetInt("count_include_pad", 0) != 0));
        long inPlane = w.H * w.W;
        long outPlane = w.OH * w.OW;
        e.For(w.N * w.C, plane =>
        {
            var inBase = e.Mul(plane, inPlane);
            var outBase = e.Mul(plane, outPlane);
            e.For(w.OH, oh => e.For(w.OW, ow =>
            {
                var top = e.Affine(oh, w.SH, -w.PadTop);
                var left = e.Affine(ow, w.SW, -w.PadLeft);
                var initial = e.F(isMax ? float.NegativeInfinity : 0f);
                var result = e.Fold(0, w.KH, 1, initial, (kh, rowAcc) =>
                {
                    var ih = e.Add(top, e.Mul(kh, w.DH));
                    return e.Fold(0, w.KW, 1, rowAcc, (kw, acc) =>
                    {
                        var iw = e.Add(left, e.Mul(kw, w.DW));
                        var inside = e.B.Binary(BinaryOp.And, e.InRange(ih, w.H), e.InRange(iw, w.W));
                        // Clamp the address so the (discarded) load for a padding tap stays in bounds.
                        var safe = e.B.Select(inside, e.Add(inBase, e.Add(e.Mul(ih, w.W), iw)), inBase);
                        var v = e.LoadF32(k.Input(0), safe);
                        var combined = isMax ? e.FMaxKeepNaN(v, acc) : e.FAdd(acc, v);
                        return e.B.Select(inside, combined, acc);
                    });
                });
                var position = e.Add(e.Mul(oh, w.OW), ow);
                if (divisors is { } table)
                {
                    result = e.FMul(result, e.LoadF32(table, position));
                }
                e.StoreF32(result, k.Output(0), e.Add(outBase, position));
            }));
        });
    }

    /// <summary>Reciprocal window sizes per output position.</summary>
    private static float[] Divisors(Window w, bool countIncludePad)
    {
        var table = new float[w.OH * w.OW];
        for (long oh = 0; oh < w.OH; oh++)
        {
            for (long ow = 0; ow < w.OW; ow++)
            {
                long h0 = oh * w.SH - w.PadTop, w0 = ow * w.SW - w.PadLeft;
                long h1 = Math.Min(h0 + w.KH, w.H + w.PadBottom), w1 = Math.Min(w0 + w.KW, w.W + w.PadRight);
                long count = countIncludePad
                    ? (h1 - h0) * (w1 - w0)
                    : (Math.Min(h1, w.H) - Math.Max(h0, 0)) * (Math.Min(w1, w.W) - Math.Max(w0, 0));
                table[oh * w.OW + ow] = count > 0 ? 1f / count : float.NaN;
            }
        }
        return table;
    }
}

/// <summary>GlobalAveragePool: one vectorised sum per (batch, channel) plane.</summary>
internal sealed class GlobalAveragePoolKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["GlobalAveragePool"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 pooling is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0).Shape;
        long planes = x[0] * x[1];
        long plane = x.ElementCount / Math.Max(planes, 1);
        e.For(planes, p =>
        {
            var baseIndex = e.Mul(p, plane);
            var sum = e.Fold(0, plane, 1, e.F(0), (i, acc) => e.FAdd(acc, e.LoadF32(k.Input(0), e.Add(baseIndex, i)), e.ReductionMath));
            e.StoreF32(e.FMul(sum, e.F(1.0 / plane)), k.Output(0), p);
        });
    }
}
