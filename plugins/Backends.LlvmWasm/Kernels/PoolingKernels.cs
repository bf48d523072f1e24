using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// MaxPool and AveragePool over 1-D, 2-D or 3-D windows with strides, dilations (max), asymmetric pads and ceil_mode.
/// MaxPool also takes int8/uint8 input and may produce its Indices output (flat input offsets, row- or column-major
/// within the plane after storage_order), carried next to the running maximum.
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
        bool integer = x.ElementType is DataType.Int8 or DataType.UInt8;
        if (x.ElementType != DataType.Float32 && !(integer && node.Op == "MaxPool"))
        {
            return node.Op == "MaxPool" ? "only float32, int8 and uint8 MaxPool is lowered" : "only float32 pooling is lowered";
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
        var type = k.InputType(0).ElementType;
        bool isMax = k.Node.Op == "MaxPool";
        bool withIndices = isMax && k.Node.Outputs.Length > 1;
        bool columnMajor = k.Attributes.GetInt("storage_order", 0) != 0;
        LValue? divisors = isMax ? null : k.EmbedFloats(Divisors(w, k.Attributes.GetInt("count_include_pad", 0) != 0));
        long inPlane = ad.In * ah.In * aw.In;
        long outPlane = ad.Out * ah.Out * aw.Out;
        LValue[] Taps(long count, LValue[] initial, Func<LValue, LValue[], LValue[]> body) => e.FoldMany(0, count, 1, initial, body);
        var lowest = type switch
        {
            DataType.Float32 => e.F(isMax ? float.NegativeInfinity : 0f),
            DataType.UInt8 => e.Ctx.Int(e.Ctx.I8, 0),
            _ => e.Ctx.Int(e.Ctx.I8, sbyte.MinValue),
        };
        // The index ONNX Runtime reports: the input's flat offset, the window position in row-major or, with
        // storage_order = 1, column-major (first spatial axis fastest) order within the plane.
        LValue SpatialIndex(LValue id, LValue ih, LValue iw) => columnMajor
            ? e.Add(e.Add(id, e.Mul(ih, ad.In)), e.Mul(iw, ad.In * ah.In))
            : e.Add(e.Mul(e.Add(e.Mul(id, ah.In), ih), aw.In), iw);
        k.ForEachPlane(w.N, w.C, plane => // with threads: planes split over the workers; else to the run-time batch extent
        {
            var inBase = e.Mul(plane, inPlane);
            var outBase = e.Mul(plane, outPlane);
            e.For(ad.Out, od => e.For(ah.Out, oh => e.For(aw.Out, ow =>
            {
                var front = e.Affine(od, ad.Stride, -ad.PadBegin);
                var top = e.Affine(oh, ah.Stride, -ah.PadBegin);
                var left = e.Affine(ow, aw.Stride, -aw.PadBegin);
                LValue[] initial = withIndices ? [lowest, e.I(-1)] : [lowest];
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
                            var v = Scalars.Load(e, type, k.Input(0), safe);
                            var combined = !isMax ? e.FAdd(acc[0], v)
                                : type == DataType.Float32 ? e.FMaxKeepNaN(v, acc[0])
                                : e.B.Select(Greater(e, type, v, acc[0]), v, acc[0]);
                            if (!withIndices)
                            {
                                return [e.B.Select(inside, combined, acc[0])];
                            }
                            // First maximum wins (strictly greater replaces), as in ONNX Runtime.
                            var first = e.B.ICmp(IntPredicate.Slt, acc[1], e.I(0));
                            var better = e.B.Binary(BinaryOp.And, inside, e.B.Binary(BinaryOp.Or, first, Greater(e, type, v, acc[0])));
                            var index = e.Add(inBase, SpatialIndex(id, ih, iw));
                            return [e.B.Select(inside, combined, acc[0]), e.B.Select(better, index, acc[1])];
                        });
                    });
                });
                var position = e.Add(e.Mul(e.Add(e.Mul(od, ah.Out), oh), aw.Out), ow);
                var value = result[0];
                if (divisors is { } table)
                {
                    value = e.FMul(value, e.LoadF32(table, position));
                }
                Scalars.Store(e, type, value, k.Output(0), e.Add(outBase, position));
                if (withIndices)
                {
                    var index = e.B.Select(e.B.ICmp(IntPredicate.Slt, result[1], e.I(0)), inBase, result[1]);
                    e.Store(e.Ctx.I64, 8, e.B.Cast(CastOp.SExt, index, e.Ctx.I64), k.Output(1), e.Add(outBase, position));
                }
            })));
        });
    }

    private static LValue Greater(Emitter e, DataType type, LValue a, LValue b) => type switch
    {
        DataType.Float32 => e.B.FCmp(RealPredicate.Ogt, a, b),
        DataType.UInt8 => e.B.ICmp(IntPredicate.Ugt, a, b),
        _ => e.B.ICmp(IntPredicate.Sgt, a, b),
    };

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
        k.ForEachPlane(x[0], x[1], p => // with threads: planes split over the workers; else to the run-time batch extent
        {
            var baseIndex = e.Mul(p, plane);
            var sum = e.Fold(0, plane, 1, e.F(0), (i, acc) => e.FAdd(acc, e.LoadF32(k.Input(0), e.Add(baseIndex, i)), e.ReductionMath));
            e.StoreF32(e.FMul(sum, e.F(1.0 / plane)), k.Output(0), p);
        });
    }
}

/// <summary>
/// MaxUnpool: zero the output, then scatter each input value to the position its index names. Indices are flat
/// offsets into the unpooled tensor of the inferred shape ((in − 1)·stride + kernel − pads per axis). A larger
/// output_shape places that tensor at the origin of the output, as the ONNX reference implementation and the ONNX
/// test data do (ONNX Runtime instead reads the index as a flat offset into output_shape; the two agree whenever
/// output_shape is the inferred shape). Indices outside the tensor are skipped rather than trusted.
/// </summary>
internal sealed class MaxUnpoolKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["MaxUnpool"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 MaxUnpool is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var xs = k.InputType(0).Shape;
        var ys = k.OutputType(0).Shape;
        var inferred = Inferred(k.Attributes, xs);
        long inferredTotal = inferred.Aggregate(1L, (a, b) => a * b);
        bool sameShape = inferred.SequenceEqual(ys.Dims);
        var outStrides = ys.Strides();
        e.ZeroBytes(k.Output(0), ys.ElementCount * 4);
        e.For(xs.ElementCount, i =>
        {
            var index = e.Load(e.Ctx.I64, 8, k.Input(1), i);
            e.If(e.B.ICmp(IntPredicate.Ult, index, e.Ctx.Int(e.Ctx.I64, inferredTotal)), () =>
            {
                var flat = e.B.Cast(CastOp.Trunc, index, e.Ctx.I32);
                var value = e.LoadF32(k.Input(0), i);
                if (sameShape)
                {
                    e.StoreF32(value, k.Output(0), flat);
                    return;
                }
                // Re-address the coordinates of the inferred shape in the output; those beyond it are dropped.
                var target = e.I(0);
                var fits = e.Ctx.Int(e.Ctx.I1, 1);
                var rest = flat;
                for (int d = inferred.Length - 1; d >= 0; d--)
                {
                    var coordinate = e.B.Binary(BinaryOp.URem, rest, e.I(inferred[d]));
                    rest = e.B.Binary(BinaryOp.UDiv, rest, e.I(inferred[d]));
                    fits = e.B.Binary(BinaryOp.And, fits, e.InRange(coordinate, ys[d]));
                    target = e.Add(target, e.Mul(coordinate, outStrides[d]));
                }
                e.If(fits, () => e.StoreF32(value, k.Output(0), target));
            });
        });
    }

    private static long[] Inferred(Attributes a, Shape x)
    {
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var pads = a.GetInts("pads");
        int spatial = kernel.Length;
        return [x[0], x[1], .. Enumerable.Range(0, spatial).Select(i => (x[i + 2] - 1) * strides[i] + kernel[i] - pads[i] - pads[i + spatial])];
    }
}
