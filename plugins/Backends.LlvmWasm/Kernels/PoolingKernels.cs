using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// MaxPool and AveragePool over 1-D, 2-D or 3-D windows with strides, dilations (max), asymmetric pads and ceil_mode.
/// Lower ranks are the 3-D case with unit leading axes, whose loops are not emitted at all (a unit tap count calls
/// the body directly), so 2-D pooling compiles to the same code as before 3-D existed. Padding is never read: each
/// tap checks its coordinates against the input. AveragePool's divisor depends only on the output position, so it is
/// computed at compile time into a table (count_include_pad counts padding cells, but never cells past the end
/// padding that ceil_mode windows can reach, as ONNX Runtime does).
/// </summary>
internal sealed class WindowPoolKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["MaxPool", "AveragePool"];

    /// <summary>Per spatial axis (depth, height, width): input and output extent, kernel, stride, dilation, pads.</summary>
    private sealed record Axis(long In, long Out, long Kernel, long Stride, long Dilation, long PadBegin, long PadEnd);

    private sealed record Window(long N, long C, Axis[] Axes);

    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32)
        {
            return "only float32 pooling is lowered";
        }
        return x.Shape.Rank is 3 or 4 or 5 ? null : $"only 1-D, 2-D and 3-D pooling is lowered (input {x.Shape})";
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
        int spatial = x.Rank - 2;
        var unit = new Axis(1, 1, 1, 1, 1, 0, 0);
        var axes = Enumerable.Range(0, 3).Select(i =>
        {
            int d = i - (3 - spatial);
            return d < 0 ? unit : new Axis(x[d + 2], y[d + 2], kernel[d], strides[d], dilations[d], pads[d], pads[d + spatial]);
        }).ToArray();
        return new Window(x[0], x[1], axes);
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var w = Describe(k.Node, k.Graph);
        var (ad, ah, aw) = (w.Axes[0], w.Axes[1], w.Axes[2]);
        bool isMax = k.Node.Op == "MaxPool";
        LValue? divisors = isMax ? null : k.EmbedFloats(Divisors(w, k.Attributes.GetInt("count_include_pad", 0) != 0));
        long inPlane = ad.In * ah.In * aw.In;
        long outPlane = ad.Out * ah.Out * aw.Out;
        LValue Taps(long count, LValue initial, Func<LValue, LValue, LValue> body)
            => count == 1 ? body(e.I(0), initial) : e.Fold(0, count, 1, initial, body);
        e.For(w.N * w.C, plane =>
        {
            var inBase = e.Mul(plane, inPlane);
            var outBase = e.Mul(plane, outPlane);
            e.For(ad.Out, od => e.For(ah.Out, oh => e.For(aw.Out, ow =>
            {
                var front = e.Affine(od, ad.Stride, -ad.PadBegin);
                var top = e.Affine(oh, ah.Stride, -ah.PadBegin);
                var left = e.Affine(ow, aw.Stride, -aw.PadBegin);
                var initial = e.F(isMax ? float.NegativeInfinity : 0f);
                var result = Taps(ad.Kernel, initial, (kd, depthAcc) =>
                {
                    var id = e.Add(front, e.Mul(kd, ad.Dilation));
                    return Taps(ah.Kernel, depthAcc, (kh, rowAcc) =>
                    {
                        var ih = e.Add(top, e.Mul(kh, ah.Dilation));
                        return Taps(aw.Kernel, rowAcc, (kw, acc) =>
                        {
                            var iw = e.Add(left, e.Mul(kw, aw.Dilation));
                            var inside = e.B.Binary(BinaryOp.And, e.InRange(ih, ah.In), e.InRange(iw, aw.In));
                            if (ad.In > 1 || ad.PadBegin > 0 || ad.PadEnd > 0)
                            {
                                inside = e.B.Binary(BinaryOp.And, inside, e.InRange(id, ad.In));
                            }
                            // Clamp the address so the (discarded) load for a padding tap stays in bounds.
                            var offset = e.Add(e.Mul(e.Add(e.Mul(id, ah.In), ih), aw.In), iw);
                            var safe = e.B.Select(inside, e.Add(inBase, offset), inBase);
                            var v = e.LoadF32(k.Input(0), safe);
                            var combined = isMax ? e.FMaxKeepNaN(v, acc) : e.FAdd(acc, v);
                            return e.B.Select(inside, combined, acc);
                        });
                    });
                });
                var position = e.Add(e.Mul(e.Add(e.Mul(od, ah.Out), oh), aw.Out), ow);
                if (divisors is { } table)
                {
                    result = e.FMul(result, e.LoadF32(table, position));
                }
                e.StoreF32(result, k.Output(0), e.Add(outBase, position));
            })));
        });
    }

    /// <summary>The cells a window covers along one axis, with or without padding (see the class comment).</summary>
    private static long Covered(Axis a, long o, bool countIncludePad)
    {
        long begin = o * a.Stride - a.PadBegin;
        long end = Math.Min(begin + a.Kernel, a.In + a.PadEnd);
        return countIncludePad ? end - begin : Math.Min(end, a.In) - Math.Max(begin, 0);
    }

    /// <summary>Reciprocal window sizes per output position.</summary>
    private static float[] Divisors(Window w, bool countIncludePad)
    {
        var (ad, ah, aw) = (w.Axes[0], w.Axes[1], w.Axes[2]);
        var table = new float[ad.Out * ah.Out * aw.Out];
        for (long od = 0; od < ad.Out; od++)
        {
            for (long oh = 0; oh < ah.Out; oh++)
            {
                for (long ow = 0; ow < aw.Out; ow++)
                {
                    long count = Covered(ad, od, countIncludePad) * Covered(ah, oh, countIncludePad) * Covered(aw, ow, countIncludePad);
                    table[(od * ah.Out + oh) * aw.Out + ow] = count > 0 ? 1f / count : float.NaN;
                }
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
