using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// OneHot: a loop nest over the output. A second stride vector that is 1 on the depth axis and 0 elsewhere hands
/// the body its depth coordinate, which is compared with the (wrapped) index; values are read at run time.
/// </summary>
internal sealed class OneHotKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["OneHot"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[0]).ElementType;
        return type is DataType.Float32 or DataType.Float64 or DataType.Int32 or DataType.Int64 ? null : $"{type.Name()} indices are not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var indices = k.InputType(0);
        var output = k.OutputType(0);
        int axis = (int)k.Attributes.GetInt("axis");
        long depth = k.Attributes.GetInt("depth");
        var indexStrides = indices.Shape.Strides().ToList();
        indexStrides.Insert(axis, 0);
        var depthSelector = new long[output.Shape.Rank];
        depthSelector[axis] = 1;
        var type = output.ElementType;
        var off = Scalars.Load(e, type, k.Input(1), e.I(0));
        var on = Scalars.Load(e, type, k.Input(1), e.I(1));
        e.ForEachIndex(output.Shape.Dims.ToArray(), [indexStrides.ToArray(), depthSelector], (linear, offsets) =>
        {
            // Float indices truncate toward zero; an index outside [−depth, depth) matches no position.
            var raw = Scalars.Convert(e, Scalars.Load(e, indices.ElementType, k.Input(0), offsets[0]), indices.ElementType, DataType.Int32);
            var index = e.B.Select(e.B.ICmp(IntPredicate.Slt, raw, e.I(0)), e.Add(raw, depth), raw);
            var hit = e.B.ICmp(IntPredicate.Eq, index, offsets[1]);
            Scalars.Store(e, type, e.B.Select(hit, on, off), k.Output(0), linear);
        });
    }
}

/// <summary>
/// TopK by ranking: each element's rank is the number of elements that order before it (larger, or equal with a
/// smaller index, for largest=1), and elements ranked below k are written at their rank. Quadratic in the axis
/// length, which suits the small axes models take top-k over, and gives ONNX Runtime's lower-index-first tie order.
/// </summary>
internal sealed class TopKKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["TopK"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[0]).ElementType;
        return AxisKernels.IsNumeric(type) ? null : $"{type.Name()} TopK is not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var type = k.InputType(0).ElementType;
        var (outer, length, inner) = AxisKernels.Split(k.InputType(0).Shape, (int)k.Attributes.GetInt("axis"));
        long count = k.Attributes.GetInt("k");
        bool largest = k.Attributes.GetInt("largest") != 0;
        bool isFloat = Scalars.IsFloat(type);
        e.For(outer, o => e.For(inner, i =>
        {
            LValue At(LValue j) => e.Add(e.Mul(e.Add(e.Mul(o, length), j), inner), i);
            e.For(length, j =>
            {
                var x = Scalars.Load(e, type, k.Input(0), At(j));
                var rank = e.Fold(0, length, 1, e.I(0), (other, acc) =>
                {
                    var y = Scalars.Load(e, type, k.Input(0), At(other));
                    var before = isFloat
                        ? e.B.FCmp(largest ? RealPredicate.Ogt : RealPredicate.Olt, y, x)
                        : e.B.ICmp(largest ? IntPredicate.Sgt : IntPredicate.Slt, y, x);
                    var tie = isFloat ? e.B.FCmp(RealPredicate.Oeq, y, x) : e.B.ICmp(IntPredicate.Eq, y, x);
                    var earlierTie = e.B.Binary(BinaryOp.And, tie, e.B.ICmp(IntPredicate.Slt, other, j));
                    var counts = e.B.Binary(BinaryOp.Or, before, earlierTie);
                    return e.Add(acc, e.B.Cast(CastOp.ZExt, counts, e.Ctx.I32));
                });
                e.If(e.InRange(rank, count), () =>
                {
                    var target = e.Add(e.Mul(e.Add(e.Mul(o, count), rank), inner), i);
                    Scalars.Store(e, type, x, k.Output(0), target);
                    e.Store(e.Ctx.I64, 8, e.B.Cast(CastOp.SExt, j, e.Ctx.I64), k.Output(1), target);
                });
            });
        }));
    }
}

/// <summary>
/// ReverseSequence: a loop nest over the output where selector strides hand the body its batch and time coordinates;
/// a step before the entry's length reads its mirror step, the others copy through.
/// </summary>
internal sealed class ReverseSequenceKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["ReverseSequence"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var shape = k.InputType(0).Shape;
        var type = k.InputType(0).ElementType;
        int batchAxis = (int)k.Attributes.GetInt("batch_axis"), timeAxis = (int)k.Attributes.GetInt("time_axis");
        long steps = shape[timeAxis];
        long timeStride = shape.Strides()[timeAxis];
        var batchSelector = new long[shape.Rank];
        var timeSelector = new long[shape.Rank];
        batchSelector[batchAxis] = 1;
        timeSelector[timeAxis] = 1;
        var lengthType = k.InputType(1).ElementType;
        e.ForEachIndex(shape.Dims.ToArray(), [batchSelector, timeSelector], (linear, offsets) =>
        {
            var raw = Scalars.Convert(e, Scalars.Load(e, lengthType, k.Input(1), offsets[0]), lengthType, DataType.Int32);
            // Lengths outside [0, steps] are clamped, keeping the read inside the tensor.
            var length = e.B.Select(e.B.ICmp(IntPredicate.Sgt, raw, e.I(steps)), e.I(steps), e.B.Select(e.B.ICmp(IntPredicate.Slt, raw, e.I(0)), e.I(0), raw));
            var t = offsets[1];
            var mirrored = e.Sub(e.Sub(length, e.I(1)), t);
            var sourceStep = e.B.Select(e.B.ICmp(IntPredicate.Slt, t, length), mirrored, t);
            var source = e.Add(linear, e.Mul(e.Sub(sourceStep, t), timeStride));
            Scalars.Store(e, type, Scalars.Load(e, type, k.Input(0), source), k.Output(0), linear);
        });
    }
}
