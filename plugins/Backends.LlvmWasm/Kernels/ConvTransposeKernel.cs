using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// ConvTranspose (1-D and 2-D, groups, dilations, pads, output_padding) in gather form: each output pixel sums the
/// input pixels whose stride grid reaches it, y[n,m,oh,ow] = Σ x[n,c,ih,iw]·w[c,m,kh,kw] with oh = ih·s − pad + kh·d.
/// Taps whose (oh + pad − kh·d) is not a multiple of the stride or leaves the input are skipped by a mask, so each
/// output is written once and needs no zero-initialised accumulator buffer.
/// </summary>
internal sealed class ConvTransposeKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["ConvTranspose"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32)
        {
            return "only float32 ConvTranspose is lowered";
        }
        return x.Shape.Rank is 3 or 4 ? Activation.Check(node) : $"only 1-D and 2-D ConvTranspose is lowered (input {x.Shape})";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var xs = k.InputType(0).Shape;
        var ws = k.InputType(1).Shape;
        var ys = k.OutputType(0).Shape;
        bool oneD = xs.Rank == 3;
        var a = k.Attributes;
        long At(string name, int i, long oneDValue) => oneD && i == 0 ? oneDValue : a.GetInts(name)[oneD ? i - 1 : i];
        long n = xs[0], c = xs[1], h = oneD ? 1 : xs[2], w = xs[xs.Rank - 1];
        long m = ys[1], oh = oneD ? 1 : ys[2], ow = ys[ys.Rank - 1];
        long kh = oneD ? 1 : ws[2], kw = ws[ws.Rank - 1];
        long sh = At("strides", 0, 1), sw = At("strides", 1, 1);
        long dh = At("dilations", 0, 1), dw = At("dilations", 1, 1);
        var pads = a.GetInts("pads");
        long padTop = oneD ? 0 : pads[0], padLeft = oneD ? pads[0] : pads[1];
        long group = a.GetInt("group");
        long cPerGroup = c / group, mPerGroup = m / group;
        bool hasBias = k.HasInput(2);

        e.For(n, b => e.For(m, oc => e.For(oh, y => e.For(ow, x =>
        {
            var g = e.B.Binary(BinaryOp.UDiv, oc, e.I(mPerGroup));
            var ocInGroup = e.B.Binary(BinaryOp.URem, oc, e.I(mPerGroup));
            var initial = hasBias ? e.LoadF32(k.Input(2), oc) : e.F(0);
            var sum = e.Fold(0, cPerGroup, 1, initial, (ci, acc0) =>
            {
                var ic = e.Add(e.Mul(g, cPerGroup), ci);
                return e.Fold(0, kh, 1, acc0, (ky, acc1) =>
                {
                    var rowSpan = e.Sub(e.Add(y, e.I(padTop)), e.Mul(ky, dh));
                    var (iy, rowOk) = Source(e, rowSpan, sh, h);
                    return e.Fold(0, kw, 1, acc1, (kx, acc2) =>
                    {
                        var colSpan = e.Sub(e.Add(x, e.I(padLeft)), e.Mul(kx, dw));
                        var (ix, colOk) = Source(e, colSpan, sw, w);
                        var ok = e.B.Binary(BinaryOp.And, rowOk, colOk);
                        var inIndex = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(b, c), ic), h), iy), w), ix);
                        var safe = e.B.Select(ok, inIndex, e.I(0));
                        var wIndex = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(ic, mPerGroup), ocInGroup), kh), ky), kw), kx);
                        var product = e.FMul(e.LoadF32(k.Input(0), safe), e.LoadF32(k.Input(1), wIndex));
                        return e.B.Select(ok, e.FAdd(acc2, product), acc2);
                    });
                });
            });
            var outIndex = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(b, m), oc), oh), y), ow), x);
            e.StoreF32(Activation.Apply(e, a, sum), k.Output(0), outIndex);
        }))));
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
