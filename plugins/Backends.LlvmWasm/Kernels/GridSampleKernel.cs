using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// GridSample on 4-D input: for every grid point the kernel denormalises (x, y) and turns the interpolation mode into
/// a short list of taps (1 for nearest, 4 for linear, 16 for cubic) of plane offset and weight. The padding mode
/// applies to each tap's integer coordinates, as in ONNX Runtime and PyTorch: zeros drops a tap outside the image,
/// border clamps it, reflection folds it back across the border. The taps are shared by all channels, so the channel
/// loop is innermost and only gathers and sums. The grid is a runtime input, so nothing is tabulated at compile time.
/// </summary>
internal sealed class GridSampleKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["GridSample"];

    private readonly record struct Tap(LValue Offset, LValue Weight);

    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32 || graph.TypeOf(node.Inputs[1]).ElementType != DataType.Float32)
        {
            return "only float32 GridSample is lowered";
        }
        return x.Shape.Rank == 4 ? null : $"only 4-D GridSample (2-D sampling) is lowered (input {x.Shape})";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var xs = k.InputType(0).Shape;
        var ys = k.OutputType(0).Shape;
        long n = xs[0], c = xs[1], h = xs[2], w = xs[3], oh = ys[2], ow = ys[3];
        string mode = k.Attributes.GetString("mode", "linear");
        string padding = k.Attributes.GetString("padding_mode", "zeros");
        bool alignCorners = k.Attributes.GetInt("align_corners", 0) != 0;
        var bounds = new Bounds(e, alignCorners, w, h);

        e.For(n, b => e.For(oh, gy => e.For(ow, gx =>
        {
            var point = e.Mul(e.Add(e.Mul(e.Add(e.Mul(b, oh), gy), ow), gx), 2);
            var x = Denormalize(e, e.LoadF32(k.Input(1), point), w, alignCorners);
            var y = Denormalize(e, e.LoadF32(k.Input(1), e.Add(point, 1)), h, alignCorners);
            if (mode == "nearest")
            {
                x = e.CallIntrinsic("llvm.roundeven", e.Ctx.F32, x);
                y = e.CallIntrinsic("llvm.roundeven", e.Ctx.F32, y);
            }
            var taps = Taps(e, mode, x, y, (ix, iy, weight) => Pixel(e, padding, bounds, ix, iy, weight));
            var planeBase = e.Mul(e.Mul(b, c), h * w);
            var outBase = e.Add(e.Mul(e.Mul(b, c), oh * ow), e.Add(e.Mul(gy, ow), gx));
            e.For(c, channel =>
            {
                var plane = e.Add(planeBase, e.Mul(channel, h * w));
                var sum = taps.Aggregate(e.F(0), (acc, t) => e.FAdd(acc, e.FMul(t.Weight, e.LoadF32(k.Input(0), e.Add(plane, t.Offset)))));
                e.StoreF32(sum, k.Output(0), e.Add(outBase, e.Mul(channel, oh * ow)));
            });
        })));
    }

    /// <summary>The taps of one sample point; <paramref name="pixel"/> maps integer coordinates and a weight to a tap.</summary>
    private static List<Tap> Taps(Emitter e, string mode, LValue x, LValue y, Func<LValue, LValue, LValue, Tap> pixel)
    {
        if (mode == "nearest")
        {
            return [pixel(ToInt(e, x), ToInt(e, y), e.F(1))];
        }
        var fx = e.Floor(x);
        var fy = e.Floor(y);
        var x0 = ToInt(e, fx);
        var y0 = ToInt(e, fy);
        var tx = e.FSub(x, fx);
        var ty = e.FSub(y, fy);
        if (mode == "linear")
        {
            var (wx0, wx1) = (e.FSub(e.F(1), tx), tx);
            var (wy0, wy1) = (e.FSub(e.F(1), ty), ty);
            var x1 = e.Add(x0, 1);
            var y1 = e.Add(y0, 1);
            return
            [
                pixel(x0, y0, e.FMul(wy0, wx0)), pixel(x1, y0, e.FMul(wy0, wx1)),
                pixel(x0, y1, e.FMul(wy1, wx0)), pixel(x1, y1, e.FMul(wy1, wx1)),
            ];
        }
        var cx = CubicCoefficients(e, tx);
        var cy = CubicCoefficients(e, ty);
        var taps = new List<Tap>(16);
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                taps.Add(pixel(e.Add(x0, j - 1), e.Add(y0, i - 1), e.FMul(cy[i], cx[j])));
            }
        }
        return taps;
    }

    /// <summary>A tap at integer (ix, iy) under the padding mode: zeros drops it, border clamps, reflection folds.</summary>
    private static Tap Pixel(Emitter e, string padding, Bounds bounds, LValue ix, LValue iy, LValue weight)
    {
        if (padding == "zeros")
        {
            var inside = e.B.Binary(BinaryOp.And, e.InRange(ix, bounds.Width), e.InRange(iy, bounds.Height));
            var offset = e.Add(e.Mul(iy, bounds.Width), ix);
            return new Tap(e.B.Select(inside, offset, e.I(0)), e.B.Select(inside, weight, e.F(0)));
        }
        if (padding == "reflection")
        {
            ix = ToInt(e, Reflect(e, e.B.Cast(CastOp.SIToFP, ix, e.Ctx.F32), bounds.XMin, bounds.XMax));
            iy = ToInt(e, Reflect(e, e.B.Cast(CastOp.SIToFP, iy, e.Ctx.F32), bounds.YMin, bounds.YMax));
        }
        // Border clamps; after reflection the clamp only guards the address against NaN coordinates.
        ix = ClampI(e, ix, bounds.Width - 1);
        iy = ClampI(e, iy, bounds.Height - 1);
        return new Tap(e.Add(e.Mul(iy, bounds.Width), ix), weight);
    }

    /// <summary>[-1, 1] to pixel coordinates: [0, length − 1] with align_corners, else [−0.5, length − 0.5].</summary>
    private static LValue Denormalize(Emitter e, LValue normalized, long length, bool alignCorners)
    {
        var shifted = e.FAdd(normalized, e.F(1));
        return alignCorners
            ? e.FMul(e.FDiv(shifted, e.F(2)), e.F(length - 1))
            : e.FDiv(e.FSub(e.FMul(shifted, e.F(length)), e.F(1)), e.F(2));
    }

    /// <summary>Folds x back into [min, max] by repeated reflection at the nearer border (ONNX Runtime's GsReflect).</summary>
    private static LValue Reflect(Emitter e, LValue x, LValue min, LValue max)
    {
        var range = e.FSub(max, min);
        var below = e.B.FCmp(RealPredicate.Olt, x, min);
        var above = e.B.FCmp(RealPredicate.Ogt, x, max);
        var distance = e.B.Select(below, e.FSub(min, x), e.FSub(x, max));
        var folds = e.Floor(e.FDiv(distance, range));
        var rest = e.FSub(distance, e.FMul(folds, range));
        var even = e.B.ICmp(IntPredicate.Eq, e.B.Binary(BinaryOp.And, ToInt(e, folds), e.I(1)), e.I(0));
        var fromMin = e.FAdd(min, rest);
        var fromMax = e.FSub(max, rest);
        var reflectedBelow = e.B.Select(even, fromMin, fromMax);
        var reflectedAbove = e.B.Select(even, fromMax, fromMin);
        return e.B.Select(below, reflectedBelow, e.B.Select(above, reflectedAbove, x));
    }

    /// <summary>Keys cubic convolution weights (a = −0.75) of the taps at −1, 0, 1, 2 for a fraction t in [0, 1).</summary>
    private static LValue[] CubicCoefficients(Emitter e, LValue t)
    {
        const double a = -0.75;
        LValue Far(LValue s) // |s| in [1, 2): ((a·s − 5a)·s + 8a)·s − 4a
            => e.FSub(e.FMul(e.FAdd(e.FMul(e.FSub(e.FMul(e.F(a), s), e.F(5 * a)), s), e.F(8 * a)), s), e.F(4 * a));
        LValue Near(LValue s) // |s| in [0, 1): ((a + 2)·s − (a + 3))·s·s + 1
            => e.FAdd(e.FMul(e.FMul(e.FSub(e.FMul(e.F(a + 2), s), e.F(a + 3)), s), s), e.F(1));
        var oneMinus = e.FSub(e.F(1), t);
        return [Far(e.FAdd(t, e.F(1))), Near(t), Near(oneMinus), Far(e.FSub(e.F(2), t))];
    }

    /// <summary>float → i32, saturating, NaN to 0 (never poison, since the result feeds addresses).</summary>
    private static LValue ToInt(Emitter e, LValue value) => e.FloatToI32(value);

    private static LValue ClampI(Emitter e, LValue value, long max)
    {
        var low = e.B.Select(e.B.ICmp(IntPredicate.Slt, value, e.I(0)), e.I(0), value);
        return e.B.Select(e.B.ICmp(IntPredicate.Sgt, low, e.I(max)), e.I(max), low);
    }

    /// <summary>The reflection borders: [0, n − 1] with align_corners, else [−0.5, n − 0.5]; and the image size.</summary>
    private sealed class Bounds(Emitter e, bool alignCorners, long width, long height)
    {
        public long Width => width;
        public long Height => height;
        public LValue XMin { get; } = e.F(alignCorners ? 0 : -0.5);
        public LValue XMax { get; } = e.F(alignCorners ? width - 1 : width - 0.5);
        public LValue YMin { get; } = e.F(alignCorners ? 0 : -0.5);
        public LValue YMax { get; } = e.F(alignCorners ? height - 1 : height - 0.5);
    }
}
