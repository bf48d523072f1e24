using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Shared pieces of the kernels with bounded outputs (NonZero, NonMaxSuppression, Unique). Their output buffers have
/// the bound's layout; entries past the actual extent along a dynamic axis are padding, with the values docs/abi.md
/// promises: −1 in int64 index outputs, 0 in Unique's Y and counts. Each kernel writes its actual extents through
/// <see cref="KernelContext.StoreOutputDim"/>. The loops are scalar; these ops run once, at the end of a model.
/// </summary>
internal static class BoundedKernels
{
    /// <summary>Fills <paramref name="count"/> int64 elements with −1 (every byte 0xFF).</summary>
    public static void PadWithMinusOne(Emitter e, LValue output, long count)
    {
        if (count > 0)
        {
            e.B.MemSet(output, e.Ctx.Int(e.Ctx.I8, 0xFF), e.I(8 * count), 8);
        }
    }

    public static LValue ToI64(Emitter e, LValue i32) => e.B.Cast(CastOp.SExt, i32, e.Ctx.I64);

    public static LValue Count(Emitter e, LValue condition) => e.B.Cast(CastOp.ZExt, condition, e.Ctx.I32);

    public static LValue And(Emitter e, LValue a, LValue b) => e.B.Binary(BinaryOp.And, a, b);

    /// <summary>a &lt; b and a &gt; b in the element's compute type (ordered float compares, unsigned for unsigned types).</summary>
    public static (LValue Less, LValue Greater) Order(Emitter e, DataType computeType, LValue a, LValue b)
        => Scalars.IsFloat(computeType)
            ? (e.B.FCmp(RealPredicate.Olt, a, b), e.B.FCmp(RealPredicate.Ogt, a, b))
            : computeType.IsUnsigned() || computeType == DataType.Bool
                ? (e.B.ICmp(IntPredicate.Ult, a, b), e.B.ICmp(IntPredicate.Ugt, a, b))
                : (e.B.ICmp(IntPredicate.Slt, a, b), e.B.ICmp(IntPredicate.Sgt, a, b));
}

/// <summary>
/// NonZero: one pass over the input in row-major order carrying the count so far; each non-zero element writes its
/// coordinates into column <c>count</c> of the [rank, numel] bound (columns past the count stay −1). NaN is non-zero,
/// −0.0 is zero, as in NumPy.
/// </summary>
internal sealed class NonZeroKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["NonZero"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0);
        long numel = x.ElementCount;
        var dims = x.Shape.Dims;
        var strides = x.Shape.Strides();
        var compute = Scalars.ComputeType(x.ElementType);
        BoundedKernels.PadWithMinusOne(e, k.Output(0), dims.Length * numel);
        var count = e.Fold(0, numel, 1, e.I(0), (linear, found) =>
        {
            var value = Scalars.LoadForCompute(e, x.ElementType, k.Input(0), linear);
            var zero = Scalars.Constant(e, compute, 0);
            var nonZero = Scalars.IsFloat(compute) ? e.B.FCmp(RealPredicate.Une, value, zero) : e.B.ICmp(IntPredicate.Ne, value, zero);
            e.If(nonZero, () =>
            {
                for (int d = 0; d < dims.Length; d++)
                {
                    var coordinate = e.B.Binary(BinaryOp.URem, e.B.Binary(BinaryOp.UDiv, linear, e.I(strides[d])), e.I(dims[d]));
                    e.Store(e.Ctx.I64, 8, BoundedKernels.ToI64(e, coordinate), k.Output(0), e.Add(found, d * numel));
                }
            });
            return e.Add(found, BoundedKernels.Count(e, nonZero));
        });
        k.StoreOutputDim(0, 1, count);
    }
}

/// <summary>
/// NonMaxSuppression with ONNX Runtime's semantics, per batch and class: the candidates are the boxes whose score is
/// above score_threshold (strictly), ranked by descending score with ties in box order (each candidate's rank counts
/// the candidates before it, O(N²)); then greedily, a candidate is kept unless its IoU with a box already kept in this
/// class exceeds iou_threshold (O(N · kept)), until max_output_boxes_per_class are kept. Rows (batch, class, box) are
/// written in that order: batch, then class, then selection. The IoU follows ONNX Runtime's SuppressByIOU step by step
/// (corners min/max-normalised for center_point_box 0, centre ± half size for 1; no overlap, or a non-positive area,
/// never suppresses), so the float rounding is the same. An absent score_threshold is −∞, which drops −∞ and NaN
/// scores that ONNX Runtime would keep.
/// </summary>
internal sealed class NonMaxSuppressionKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["NonMaxSuppression"];

    public string? CheckSupported(Node node, Graph graph) => null;

    /// <summary>The candidate order (N i32) and the boxes kept in the current class (at most N i32).</summary>
    public long ScratchBytes(Node node, Graph graph) => 8 * graph.TypeOf(node.Inputs[0]).Shape[1];

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var scores = k.InputType(1).Shape;
        long batches = scores[0], classes = scores[1], boxes = scores[2];
        long perClass = Math.Min(k.Attributes.GetInt("max_output_boxes_per_class"), boxes);
        BoundedKernels.PadWithMinusOne(e, k.Output(0), k.OutputType(0).ElementCount);
        if (perClass == 0 || batches * classes == 0)
        {
            k.StoreOutputDim(0, 0, e.I(0));
            return;
        }
        var order = k.Scratch!.Value;
        var kept = e.B.GepConst(e.Ctx.I32, order, boxes);
        var scoreThreshold = e.F(k.Attributes.GetFloat("score_threshold"));
        var total = e.Fold(0, batches * classes, 1, e.I(0), (bc, written) =>
        {
            var batch = e.B.Binary(BinaryOp.UDiv, bc, e.I(classes));
            var cls = e.B.Binary(BinaryOp.URem, bc, e.I(classes));
            LValue Score(LValue box) => e.LoadF32(k.Input(1), e.Add(e.Mul(bc, boxes), box));
            LValue IsCandidate(LValue score) => e.B.FCmp(RealPredicate.Ogt, score, scoreThreshold);
            e.For(boxes, box =>
            {
                var score = Score(box);
                e.If(IsCandidate(score), () =>
                {
                    var rank = e.Fold(0, boxes, 1, e.I(0), (other, before) =>
                    {
                        var otherScore = Score(other);
                        var earlierTie = BoundedKernels.And(e, e.B.FCmp(RealPredicate.Oeq, otherScore, score), e.B.ICmp(IntPredicate.Slt, other, box));
                        var ahead = e.B.Binary(BinaryOp.Or, e.B.FCmp(RealPredicate.Ogt, otherScore, score), earlierTie);
                        return e.Add(before, BoundedKernels.Count(e, BoundedKernels.And(e, IsCandidate(otherScore), ahead)));
                    });
                    e.Store(e.Ctx.I32, 4, box, order, rank);
                });
            });
            var candidates = e.Fold(0, boxes, 1, e.I(0), (box, n) => e.Add(n, BoundedKernels.Count(e, IsCandidate(Score(box)))));
            var selected = e.FoldRuntime(e.I(0), candidates, [e.I(0)], (position, carried) =>
            {
                var count = carried[0];
                var box = e.Load(e.Ctx.I32, 4, order, position);
                var suppressed = e.FoldRuntime(e.I(0), count, [e.Ctx.Int(e.Ctx.I1, 0)], (s, any) =>
                    [e.B.Binary(BinaryOp.Or, any[0], Suppresses(k, batch, box, e.Load(e.Ctx.I32, 4, kept, s)))])[0];
                var take = BoundedKernels.And(e, e.B.ICmp(IntPredicate.Eq, suppressed, e.Ctx.Int(e.Ctx.I1, 0)), e.B.ICmp(IntPredicate.Slt, count, e.I(perClass)));
                e.If(take, () =>
                {
                    e.Store(e.Ctx.I32, 4, box, kept, count);
                    var row = e.Mul(e.Add(written, count), 3);
                    e.Store(e.Ctx.I64, 8, BoundedKernels.ToI64(e, batch), k.Output(0), row);
                    e.Store(e.Ctx.I64, 8, BoundedKernels.ToI64(e, cls), k.Output(0), e.Add(row, 1));
                    e.Store(e.Ctx.I64, 8, BoundedKernels.ToI64(e, box), k.Output(0), e.Add(row, 2));
                });
                return [e.Add(count, BoundedKernels.Count(e, take))];
            })[0];
            return e.Add(written, selected);
        });
        k.StoreOutputDim(0, 0, total);
    }

    /// <summary>IoU(box a, box b) &gt; iou_threshold, as ONNX Runtime's SuppressByIOU computes it.</summary>
    private static LValue Suppresses(KernelContext k, LValue batch, LValue a, LValue b)
    {
        var e = k.E;
        long boxes = k.InputType(0).Shape[1];
        LValue[] Corners(LValue box)
        {
            var at = e.Mul(e.Add(e.Mul(batch, boxes), box), 4);
            var c = Enumerable.Range(0, 4).Select(i => e.LoadF32(k.Input(0), e.Add(at, i))).ToArray();
            if (k.Attributes.GetInt("center_point_box") == 0)
            {
                // [y1, x1, y2, x2] with either corner first: (x min, x max, y min, y max).
                return [Min(c[1], c[3]), Max(c[1], c[3]), Min(c[0], c[2]), Max(c[0], c[2])];
            }
            var halfWidth = e.FDiv(c[2], e.F(2));
            var halfHeight = e.FDiv(c[3], e.F(2));
            return [e.FSub(c[0], halfWidth), e.FAdd(c[0], halfWidth), e.FSub(c[1], halfHeight), e.FAdd(c[1], halfHeight)];
        }
        LValue Min(LValue x, LValue y) => e.B.Select(e.B.FCmp(RealPredicate.Olt, y, x), y, x); // std::min
        LValue Max(LValue x, LValue y) => e.B.Select(e.B.FCmp(RealPredicate.Olt, x, y), y, x); // std::max
        LValue Positive(LValue x) => e.B.FCmp(RealPredicate.Ogt, x, e.F(0));
        LValue Area(LValue[] r) => e.FMul(e.FSub(r[1], r[0]), e.FSub(r[3], r[2]));

        var p = Corners(a);
        var q = Corners(b);
        LValue[] intersection = [Max(p[0], q[0]), Min(p[1], q[1]), Max(p[2], q[2]), Min(p[3], q[3])];
        var overlaps = BoundedKernels.And(e, e.B.FCmp(RealPredicate.Ogt, intersection[1], intersection[0]),
                                          e.B.FCmp(RealPredicate.Ogt, intersection[3], intersection[2]));
        var intersectionArea = Area(intersection);
        var (areaA, areaB) = (Area(p), Area(q));
        var union = e.FSub(e.FAdd(areaA, areaB), intersectionArea);
        var valid = BoundedKernels.And(e, BoundedKernels.And(e, overlaps, Positive(intersectionArea)),
                                       BoundedKernels.And(e, BoundedKernels.And(e, Positive(areaA), Positive(areaB)), Positive(union)));
        var iou = e.FDiv(intersectionArea, union);
        return BoundedKernels.And(e, valid, e.B.FCmp(RealPredicate.Ogt, iou, e.F(k.Attributes.GetFloat("iou_threshold"))));
    }
}

/// <summary>
/// Unique along an axis (the frontend flattens the input when the model gives none): slices are compared
/// lexicographically in row-major order. Three O(L²·S) scalar passes over the L slices of S elements: each slice's
/// first equal slice; each first occurrence's output position (the first occurrences that sort before it, or that
/// come before it for sorted=0); then Y, indices, counts and inverse_indices are written at those positions.
/// </summary>
internal sealed class UniqueKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Unique"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    /// <summary>Each slice's first equal slice, and each first occurrence's output position (L i32 each).</summary>
    public long ScratchBytes(Node node, Graph graph)
        => 8 * graph.TypeOf(node.Inputs[0]).Shape[(int)node.Attributes.GetInt("axis")];

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var x = k.InputType(0);
        var (outer, slices, inner) = AxisKernels.Split(x.Shape, (int)k.Attributes.GetInt("axis"));
        bool sorted = k.Attributes.GetInt("sorted") != 0;
        e.ZeroBytes(k.Output(0), x.ByteSize);
        BoundedKernels.PadWithMinusOne(e, k.Output(1), slices);
        e.ZeroBytes(k.Output(3), 8 * slices);
        if (slices == 0)
        {
            StoreCount(k, e.I(0));
            return;
        }
        var first = k.Scratch!.Value;
        var position = e.B.GepConst(e.Ctx.I32, first, slices);
        LValue Element(LValue slice, LValue o, LValue i) => e.Add(e.Mul(e.Add(e.Mul(o, slices), slice), inner), i);
        LValue LoadI32(LValue table, LValue index) => e.Load(e.Ctx.I32, 4, table, index);

        // Lexicographic comparison of two slices: −1, 0 or 1 (the first difference decides).
        var compute = Scalars.ComputeType(x.ElementType);
        LValue Compare(LValue a, LValue b) => e.Fold(0, outer * inner, 1, e.I(0), (t, result) =>
        {
            var o = e.B.Binary(BinaryOp.UDiv, t, e.I(inner));
            var i = e.B.Binary(BinaryOp.URem, t, e.I(inner));
            var (less, greater) = BoundedKernels.Order(e, compute,
                Scalars.LoadForCompute(e, x.ElementType, k.Input(0), Element(a, o, i)),
                Scalars.LoadForCompute(e, x.ElementType, k.Input(0), Element(b, o, i)));
            var here = e.B.Select(less, e.I(-1), e.B.Select(greater, e.I(1), e.I(0)));
            return e.B.Select(e.B.ICmp(IntPredicate.Eq, result, e.I(0)), here, result);
        });
        LValue IsFirst(LValue slice) => e.B.ICmp(IntPredicate.Eq, LoadI32(first, slice), slice);

        e.For(slices, j =>
        {
            var earliest = e.FoldRuntime(e.I(0), e.Add(j, 1), [j], (other, found) =>
            {
                var match = BoundedKernels.And(e, e.B.ICmp(IntPredicate.Eq, found[0], j), e.B.ICmp(IntPredicate.Eq, Compare(other, j), e.I(0)));
                return [e.B.Select(match, other, found[0])];
            })[0];
            e.Store(e.Ctx.I32, 4, earliest, first, j);
        });
        e.For(slices, j => e.If(IsFirst(j), () =>
        {
            var ahead = e.Fold(0, slices, 1, e.I(0), (other, count) =>
            {
                var before = sorted ? e.B.ICmp(IntPredicate.Slt, Compare(other, j), e.I(0)) : e.B.ICmp(IntPredicate.Slt, other, j);
                return e.Add(count, BoundedKernels.Count(e, BoundedKernels.And(e, IsFirst(other), before)));
            });
            e.Store(e.Ctx.I32, 4, ahead, position, j);
            e.Store(e.Ctx.I64, 8, BoundedKernels.ToI64(e, j), k.Output(1), ahead);
            e.For(outer, o => e.For(inner, i =>
                Scalars.Store(e, x.ElementType, Scalars.Load(e, x.ElementType, k.Input(0), Element(j, o, i)), k.Output(0), Element(ahead, o, i))));
        }));
        var unique = e.Fold(0, slices, 1, e.I(0), (j, count) =>
        {
            var at = LoadI32(position, LoadI32(first, j));
            e.Store(e.Ctx.I64, 8, BoundedKernels.ToI64(e, at), k.Output(2), j);
            var counted = e.Add(e.Load(e.Ctx.I64, 8, k.Output(3), at), e.Ctx.Int(e.Ctx.I64, 1));
            e.Store(e.Ctx.I64, 8, counted, k.Output(3), at);
            return e.Add(count, BoundedKernels.Count(e, IsFirst(j)));
        });
        StoreCount(k, unique);
    }

    /// <summary>Y's axis, and the length of indices and counts, are the number of distinct slices.</summary>
    private static void StoreCount(KernelContext k, LValue unique)
    {
        k.StoreOutputDim(0, (int)k.Attributes.GetInt("axis"), unique);
        k.StoreOutputDim(1, 0, unique);
        k.StoreOutputDim(3, 0, unique);
    }
}
