using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>Gather: for each outer index and each looked-up index, one contiguous block copy (memory.copy).</summary>
internal sealed class GatherKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Gather"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var data = k.InputType(0);
        var indices = k.InputType(1);
        int axis = (int)k.Attributes.GetInt("axis");
        long axisDim = data.Shape[axis];
        long outer = data.Shape.Dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        long innerBytes = data.Shape.Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b) * data.ElementType.SizeOf();
        long count = indices.ElementCount;
        e.For(outer, o => e.For(count, j =>
        {
            var raw = Scalars.Convert(e, Scalars.Load(e, indices.ElementType, k.Input(1), j), indices.ElementType, DataType.Int32);
            var wrapped = e.B.Select(e.B.ICmp(IntPredicate.Slt, raw, e.I(0)), e.Add(raw, axisDim), raw);
            // An out-of-range index is a model error ONNX leaves undefined; reading row 0 keeps memory safe.
            var index = e.B.Select(e.InRange(wrapped, axisDim), wrapped, e.I(0));
            var source = e.Mul(e.Add(e.Mul(o, axisDim), index), innerBytes);
            var target = e.Mul(e.Add(e.Mul(o, count), j), innerBytes);
            e.CopyBytes(k.Output(0), target, k.Input(0), source, innerBytes);
        }));
    }
}

/// <summary>Slice and Expand: a loop nest over the output reading the input through affine (strided) offsets.</summary>
internal sealed class StridedCopyKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Slice", "Expand"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var input = k.InputType(0);
        var output = k.OutputType(0).Shape;
        long[] strides;
        long start = 0;
        if (k.Node.Op == "Slice")
        {
            var own = input.Shape.Strides();
            var starts = k.Attributes.GetInts("starts");
            var steps = k.Attributes.GetInts("steps");
            strides = own.Select((s, d) => s * steps[d]).ToArray();
            start = own.Select((s, d) => s * starts[d]).Sum();
        }
        else
        {
            strides = BinaryKernel.BroadcastStrides(input.Shape, output);
        }
        var (dims, coalesced) = BinaryKernel.Coalesce(output.Dims.ToArray(), [strides]);
        var (type, size) = ElementStorage.Of(e, input.ElementType);
        e.ForEachIndex(dims, coalesced, (linear, offsets) =>
            e.Store(type, size, e.Load(type, size, k.Input(0), e.Add(offsets[0], start)), k.Output(0), linear));
    }
}

/// <summary>
/// Tile and Pad: a loop nest over the output where each axis maps its coordinate to an input coordinate (modulo for
/// Tile; shifted, then reflected, clamped or checked for Pad). Constant padding stores the pad value where any axis
/// falls outside the input.
/// </summary>
internal sealed class MappedCopyKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Tile", "Pad"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph)
        => node.Op == "Pad" && graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float64 ? "float64 Pad is not lowered" : null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var input = k.InputType(0);
        var inShape = input.Shape;
        var outShape = k.OutputType(0).Shape;
        var inStrides = inShape.Strides();
        int rank = inShape.Rank;
        bool isPad = k.Node.Op == "Pad";
        var pads = isPad ? k.Attributes.GetInts("pads") : [.. new long[2 * rank]];
        string mode = isPad ? k.Attributes.GetString("mode", "constant") : "tile";
        var elementType = input.ElementType;
        LValue? padValue = isPad ? Scalars.Convert(e, e.F(k.Attributes.GetFloat("value", 0f)), DataType.Float32, elementType) : null;
        if (isPad && elementType == DataType.Float32)
        {
            padValue = e.F(k.Attributes.GetFloat("value", 0f));
        }
        if (isPad && k.HasInput(1))
        {
            padValue = Scalars.Load(e, elementType, k.Input(1), e.I(0)); // a run-time pad value (docs/ir.md)
        }

        void Level(int d, LValue outLinear, LValue inLinear, LValue? valid)
        {
            if (d == rank)
            {
                var safeIn = valid is { } ok ? e.B.Select(ok, inLinear, e.I(0)) : inLinear;
                var value = Scalars.Load(e, elementType, k.Input(0), safeIn);
                if (valid is { } inside)
                {
                    value = e.B.Select(inside, value, padValue!.Value);
                }
                Scalars.Store(e, elementType, value, k.Output(0), outLinear);
                return;
            }
            long outStride = outShape.Dims.Skip(d + 1).Aggregate(1L, (a, b) => a * b);
            e.For(outShape[d], i =>
            {
                LValue coordinate;
                LValue? inside = null;
                var shifted = e.Add(i, -pads[d]);
                long dim = inShape[d];
                switch (mode)
                {
                    case "tile":
                        coordinate = e.B.Binary(BinaryOp.URem, i, e.I(dim));
                        break;
                    case "edge":
                        coordinate = Clamp(e, shifted, dim);
                        break;
                    case "reflect":
                        coordinate = Reflect(e, shifted, dim);
                        break;
                    default:
                        inside = e.InRange(shifted, dim);
                        coordinate = shifted;
                        break;
                }
                var nextValid = inside is not { } now ? valid : valid is not { } before ? now : e.B.Binary(BinaryOp.And, before, now);
                Level(d + 1, e.Add(outLinear, e.Mul(i, outStride)), e.Add(inLinear, e.Mul(coordinate, inStrides[d])), nextValid);
            });
        }
        Level(0, e.I(0), e.I(0), null);
    }

    private static LValue Clamp(Emitter e, LValue x, long dim)
    {
        var low = e.B.Select(e.B.ICmp(IntPredicate.Slt, x, e.I(0)), e.I(0), x);
        return e.B.Select(e.B.ICmp(IntPredicate.Sgt, low, e.I(dim - 1)), e.I(dim - 1), low);
    }

    /// <summary>Mirror without repeating the edge, folded into [0, dim) with period 2·(dim − 1).</summary>
    private static LValue Reflect(Emitter e, LValue x, long dim)
    {
        if (dim == 1)
        {
            return e.I(0);
        }
        long period = 2 * (dim - 1);
        // Shift far enough positive that the remainder is of a non-negative number.
        var positive = e.Add(x, period * 1024);
        var m = e.B.Binary(BinaryOp.URem, positive, e.I(period));
        return e.B.Select(e.B.ICmp(IntPredicate.Slt, m, e.I(dim)), m, e.Sub(e.I(period), m));
    }
}

/// <summary>Trilu: over each matrix of the last two axes, keep element (i, j) when j − i ≥ k (upper) or ≤ k (lower).</summary>
internal sealed class TriluKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Trilu"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var shape = k.InputType(0).Shape;
        var type = k.InputType(0).ElementType;
        long rows = shape[shape.Rank - 2], columns = shape[shape.Rank - 1];
        long matrices = shape.ElementCount / Math.Max(rows * columns, 1);
        bool upper = k.Attributes.GetInt("upper") != 0;
        var zero = Scalars.Constant(e, type, 0);
        var offset = k.HasInput(1) ? RunTimeOffset(e, k.Input(1), rows, columns) : e.I(k.Attributes.GetInt("k"));
        e.For(matrices, m => e.For(rows, i => e.For(columns, j =>
        {
            var index = e.Add(e.Mul(e.Add(e.Mul(m, rows), i), columns), j);
            var diagonal = e.Sub(j, i);
            var keep = e.B.ICmp(upper ? IntPredicate.Sge : IntPredicate.Sle, diagonal, offset);
            var value = Scalars.Load(e, type, k.Input(0), index);
            Scalars.Store(e, type, e.B.Select(keep, value, zero), k.Output(0), index);
        })));
    }

    /// <summary>
    /// k read from input 1 (int64) as an i32: clamped to [−rows − 1, columns + 1] first, where every j − i compares
    /// the same as for any k beyond, so truncating to 32 bits cannot change which elements are kept.
    /// </summary>
    private static LValue RunTimeOffset(Emitter e, LValue input, long rows, long columns)
    {
        var k = Scalars.Load(e, DataType.Int64, input, e.I(0));
        var low = Scalars.Constant(e, DataType.Int64, -rows - 1);
        var high = Scalars.Constant(e, DataType.Int64, columns + 1);
        var clamped = e.B.Select(e.B.ICmp(IntPredicate.Slt, k, low), low, e.B.Select(e.B.ICmp(IntPredicate.Sgt, k, high), high, k));
        return Scalars.Convert(e, clamped, DataType.Int64, DataType.Int32);
    }
}

/// <summary>Cast: one flat loop converting each element.</summary>
internal sealed class CastKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Cast"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var from = k.InputType(0).ElementType;
        var to = k.OutputType(0).ElementType;
        e.For(k.OutputType(0).ElementCount, i =>
            Scalars.Store(e, to, Scalars.Convert(e, Scalars.Load(e, from, k.Input(0), i), from, to), k.Output(0), i));
    }
}
