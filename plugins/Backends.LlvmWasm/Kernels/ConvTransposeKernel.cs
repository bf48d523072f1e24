using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// ConvTranspose (1-D, 2-D and 3-D, groups, dilations, pads, output_padding) in gather form: each output pixel sums
/// the input pixels whose stride grid reaches it, y[n,m,o] = Σ x[n,c,i]·w[c,m,k] with o = i·s − pad + k·d per axis.
/// Taps whose (o + pad − k·d) is not a multiple of the stride or leaves the input are skipped by a mask, so each
/// output is written once and needs no zero-initialised accumulator buffer. Lower ranks are the 3-D case with unit
/// leading axes, whose loops are not emitted (a unit count calls the body directly) and whose masks fold to true.
/// </summary>
internal sealed class ConvTransposeKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["ConvTranspose"];

    /// <summary>Per spatial axis (depth, height, width): input and output extent, kernel, stride, dilation, leading pad.</summary>
    private sealed record Axis(long In, long Out, long Kernel, long Stride, long Dilation, long PadBegin);

    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32)
        {
            return "only float32 ConvTranspose is lowered";
        }
        return x.Shape.Rank is 3 or 4 or 5 ? null : $"only 1-D, 2-D and 3-D ConvTranspose is lowered (input {x.Shape})";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var xs = k.InputType(0).Shape;
        var ws = k.InputType(1).Shape;
        var ys = k.OutputType(0).Shape;
        var a = k.Attributes;
        int spatial = xs.Rank - 2;
        var strides = a.GetInts("strides");
        var dilations = a.GetInts("dilations");
        var pads = a.GetInts("pads");
        var axes = Enumerable.Range(0, 3).Select(i =>
        {
            int d = i - (3 - spatial);
            return d < 0 ? new Axis(1, 1, 1, 1, 1, 0) : new Axis(xs[d + 2], ys[d + 2], ws[d + 2], strides[d], dilations[d], pads[d]);
        }).ToArray();
        var (ad, ah, aw) = (axes[0], axes[1], axes[2]);
        long n = xs[0], c = xs[1], m = ys[1];
        long group = a.GetInt("group");
        long cPerGroup = c / group, mPerGroup = m / group;
        bool hasBias = k.HasInput(2);
        LValue Taps(long count, LValue initial, Func<LValue, LValue, LValue> body)
            => e.FoldMany(0, count, 1, [initial], (i, acc) => [body(i, acc[0])])[0];

        // With threads: output channels split over the workers (each output element is its own sum).
        e.For(n, b => e.ParallelFor(0, m, 1, oc => e.For(ad.Out, z => e.For(ah.Out, y => e.For(aw.Out, x =>
        {
            var g = e.B.Binary(BinaryOp.UDiv, oc, e.I(mPerGroup));
            var ocInGroup = e.B.Binary(BinaryOp.URem, oc, e.I(mPerGroup));
            var initial = hasBias ? e.LoadF32(k.Input(2), oc) : e.F(0);
            var sum = Taps(cPerGroup, initial, (ci, acc0) =>
            {
                var ic = e.Add(e.Mul(g, cPerGroup), ci);
                return Taps(ad.Kernel, acc0, (kz, acc1) =>
                {
                    var (iz, depthOk) = Source(e, e.Sub(e.Add(z, e.I(ad.PadBegin)), e.Mul(kz, ad.Dilation)), ad.Stride, ad.In);
                    return Taps(ah.Kernel, acc1, (ky, acc2) =>
                    {
                        var (iy, rowOk) = Source(e, e.Sub(e.Add(y, e.I(ah.PadBegin)), e.Mul(ky, ah.Dilation)), ah.Stride, ah.In);
                        return Taps(aw.Kernel, acc2, (kx, acc3) =>
                        {
                            var (ix, colOk) = Source(e, e.Sub(e.Add(x, e.I(aw.PadBegin)), e.Mul(kx, aw.Dilation)), aw.Stride, aw.In);
                            var ok = e.B.Binary(BinaryOp.And, e.B.Binary(BinaryOp.And, depthOk, rowOk), colOk);
                            var inIndex = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(b, c), ic), ad.In), iz), ah.In), iy), aw.In), ix);
                            var safe = e.B.Select(ok, inIndex, e.I(0));
                            var tap = e.Add(e.Mul(e.Add(e.Mul(kz, ah.Kernel), ky), aw.Kernel), kx);
                            var wIndex = e.Add(e.Mul(e.Add(e.Mul(ic, mPerGroup), ocInGroup), ad.Kernel * ah.Kernel * aw.Kernel), tap);
                            var product = e.FMul(e.LoadF32(k.Input(0), safe), e.LoadF32(k.Input(1), wIndex));
                            return e.B.Select(ok, e.FAdd(acc3, product), acc3);
                        });
                    });
                });
            });
            var outIndex = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(b, m), oc), ad.Out), z), ah.Out), y), aw.Out), x);
            e.StoreF32(sum, k.Output(0), outIndex);
        })))));
    }

    /// <summary>The input coordinate span/stride when span is a non-negative multiple of the stride inside the input.</summary>
    private static (LValue Index, LValue Valid) Source(Emitter e, LValue span, long stride, long limit)
    {
        var nonNegative = e.B.ICmp(IntPredicate.Sge, span, e.I(0));
        var safeSpan = e.B.Select(nonNegative, span, e.I(0));
        var index = e.B.Binary(BinaryOp.UDiv, safeSpan, e.I(stride));
        var exact = e.B.ICmp(IntPredicate.Eq, e.B.Binary(BinaryOp.URem, safeSpan, e.I(stride)), e.I(0));
        var valid = e.B.Binary(BinaryOp.And, e.B.Binary(BinaryOp.And, nonNegative, exact), e.InRange(index, limit));
        return (index, valid);
    }
}
