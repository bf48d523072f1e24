using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// RoiAlign: each output bin of a region samples a grid of points (sampling_ratio per axis, or ⌈bin size⌉ when it is
/// 0, so the grid is only known at run time), interpolates each point bilinearly and averages or takes the maximum.
/// Regions are runtime data, so every position is computed in the kernel; the four taps and weights of a sample are
/// shared by all channels, which form the innermost loop and accumulate in the output. The arithmetic follows ONNX
/// Runtime's CPU kernel, including its max mode (the maximum over samples of the largest weighted corner) and its
/// treatment of points up to one pixel outside the image (clamped) or further (contributing 0).
/// </summary>
internal sealed class RoiAlignKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["RoiAlign"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 && graph.TypeOf(node.Inputs[1]).ElementType == DataType.Float32
            ? null : "only float32 RoiAlign is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var xs = k.InputType(0).Shape;
        var ys = k.OutputType(0).Shape;
        var a = k.Attributes;
        long n = xs[0], c = xs[1], h = xs[2], w = xs[3], oh = ys[2], ow = ys[3];
        bool isMax = a.GetString("mode", "avg") == "max";
        bool halfPixel = a.GetString("coordinate_transformation_mode", "half_pixel") == "half_pixel";
        long sampling = a.GetInt("sampling_ratio");
        var scale = e.F(a.GetFloat("spatial_scale"));
        LValue ToFloat(LValue i) => e.B.Cast(CastOp.SIToFP, i, e.Ctx.F32);
        LValue Max(LValue x, LValue y) => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, y), y, x); // std::max

        e.For(ys[0], r =>
        {
            var batch = e.B.Cast(CastOp.Trunc, e.Load(e.Ctx.I64, 8, k.Input(2), r), e.Ctx.I32);
            batch = e.B.Select(e.InRange(batch, n), batch, e.I(0)); // never read outside X
            LValue Corner(int i) => e.FSub(e.FMul(e.LoadF32(k.Input(1), e.Add(e.Mul(r, 4), i)), scale), e.F(halfPixel ? 0.5 : 0));
            var (startW, startH, endW, endH) = (Corner(0), Corner(1), Corner(2), Corner(3));
            var roiW = e.FSub(endW, startW);
            var roiH = e.FSub(endH, startH);
            if (!halfPixel)
            {
                (roiW, roiH) = (Max(roiW, e.F(1)), Max(roiH, e.F(1))); // malformed regions become 1×1
            }
            var binH = e.FDiv(roiH, e.F(oh));
            var binW = e.FDiv(roiW, e.F(ow));
            var gridH = sampling > 0 ? e.I(sampling) : e.FloatToI32(e.CallIntrinsic("llvm.ceil", e.Ctx.F32, e.FDiv(roiH, e.F(oh))));
            var gridW = sampling > 0 ? e.I(sampling) : e.FloatToI32(e.CallIntrinsic("llvm.ceil", e.Ctx.F32, e.FDiv(roiW, e.F(ow))));
            var product = e.Mul(gridH, gridW);
            var count = ToFloat(e.B.Select(e.B.ICmp(IntPredicate.Sgt, product, e.I(1)), product, e.I(1)));
            var sampled = e.B.Binary(BinaryOp.And, e.B.ICmp(IntPredicate.Sgt, gridH, e.I(0)), e.B.ICmp(IntPredicate.Sgt, gridW, e.I(0)));
            var planeBase = e.Mul(e.Mul(batch, c), h * w);
            e.For(oh, ph => e.For(ow, pw =>
            {
                var outBase = e.Add(e.Mul(e.Mul(r, c), oh * ow), e.Add(e.Mul(ph, ow), pw));
                LValue OutAt(LValue channel) => e.Add(outBase, e.Mul(channel, oh * ow));
                e.For(c, ch => e.StoreF32(e.F(isMax ? float.NegativeInfinity : 0), k.Output(0), OutAt(ch)));
                e.ForRuntime(e.I(0), gridH, iy =>
                {
                    var y = e.FAdd(e.FAdd(startH, e.FMul(ToFloat(ph), binH)), e.FDiv(e.FMul(e.FAdd(ToFloat(iy), e.F(0.5)), binH), ToFloat(gridH)));
                    e.ForRuntime(e.I(0), gridW, ix =>
                    {
                        var x = e.FAdd(e.FAdd(startW, e.FMul(ToFloat(pw), binW)), e.FDiv(e.FMul(e.FAdd(ToFloat(ix), e.F(0.5)), binW), ToFloat(gridW)));
                        var (taps, weights) = Bilinear(e, x, y, h, w);
                        e.For(c, ch =>
                        {
                            var plane = e.Add(planeBase, e.Mul(ch, h * w));
                            var weighted = Enumerable.Range(0, 4).Select(t => e.FMul(weights[t], e.LoadF32(k.Input(0), e.Add(plane, taps[t])))).ToArray();
                            var at = OutAt(ch);
                            var old = e.LoadF32(k.Output(0), at);
                            var value = isMax
                                ? Max(old, Max(Max(Max(weighted[0], weighted[1]), weighted[2]), weighted[3]))
                                : e.FAdd(old, e.FAdd(e.FAdd(e.FAdd(weighted[0], weighted[1]), weighted[2]), weighted[3]));
                            e.StoreF32(value, k.Output(0), at);
                        });
                    });
                });
                e.For(c, ch =>
                {
                    var at = OutAt(ch);
                    var value = e.LoadF32(k.Output(0), at);
                    e.StoreF32(isMax ? e.B.Select(sampled, value, e.F(0)) : e.FDiv(value, count), k.Output(0), at);
                });
            }));
        });
    }

    /// <summary>The four plane offsets and weights of a sample point (ONNX Runtime's pre_calc_for_bilinear_interpolate).</summary>
    private static (LValue[] Taps, LValue[] Weights) Bilinear(Emitter e, LValue x, LValue y, long h, long w)
    {
        var outside = e.B.Binary(BinaryOp.Or,
            e.B.Binary(BinaryOp.Or, e.B.FCmp(RealPredicate.Olt, y, e.F(-1)), e.B.FCmp(RealPredicate.Ogt, y, e.F(h))),
            e.B.Binary(BinaryOp.Or, e.B.FCmp(RealPredicate.Olt, x, e.F(-1)), e.B.FCmp(RealPredicate.Ogt, x, e.F(w))));
        (LValue Low, LValue High, LValue Fraction) Axis(LValue v, long size)
        {
            v = e.B.Select(e.B.FCmp(RealPredicate.Ole, v, e.F(0)), e.F(0), v);
            var low = e.FloatToI32(v);
            var atEnd = e.B.ICmp(IntPredicate.Sge, low, e.I(size - 1));
            var clampedLow = e.B.Select(atEnd, e.I(size - 1), low);
            var high = e.B.Select(atEnd, e.I(size - 1), e.Add(low, 1));
            var position = e.B.Select(atEnd, e.F(size - 1), v);
            return (clampedLow, high, e.FSub(position, e.B.Cast(CastOp.SIToFP, clampedLow, e.Ctx.F32)));
        }
        var (yLow, yHigh, ly) = Axis(y, h);
        var (xLow, xHigh, lx) = Axis(x, w);
        var hy = e.FSub(e.F(1), ly);
        var hx = e.FSub(e.F(1), lx);
        LValue Tap(LValue row, LValue col) => e.B.Select(outside, e.I(0), e.Add(e.Mul(row, w), col));
        LValue Weight(LValue a, LValue b) => e.B.Select(outside, e.F(0), e.FMul(a, b));
        return ([Tap(yLow, xLow), Tap(yLow, xHigh), Tap(yHigh, xLow), Tap(yHigh, xHigh)],
                [Weight(hy, hx), Weight(hy, lx), Weight(ly, hx), Weight(ly, lx)]);
    }
}
