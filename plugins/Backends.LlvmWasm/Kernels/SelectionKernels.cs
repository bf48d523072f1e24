using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>Shared pieces of the axis-wise kernels: runtime index loading and typed arithmetic.</summary>
internal static class AxisKernels
{
    /// <summary>
    /// Loads a runtime index, wraps a negative one by <paramref name="dim"/>, and maps an out-of-range one to 0: ONNX
    /// leaves that undefined, and reading or writing element 0 keeps memory safe.
    /// </summary>
    public static LValue LoadIndex(Emitter e, DataType type, LValue basePtr, LValue at, long dim)
    {
        var raw = Scalars.Convert(e, Scalars.Load(e, type, basePtr, at), type, DataType.Int32);
        var wrapped = e.B.Select(e.B.ICmp(IntPredicate.Slt, raw, e.I(0)), e.Add(raw, dim), raw);
        return e.B.Select(e.InRange(wrapped, dim), wrapped, e.I(0));
    }

    /// <summary>a + b, a · b, max or min in the element type (float max/min propagate NaN as ONNX Runtime does).</summary>
    public static LValue Combine(Emitter e, DataType type, string op, LValue a, LValue b)
    {
        bool isFloat = Scalars.IsFloat(type);
        return op switch
        {
            "add" => isFloat ? e.FAdd(a, b) : e.Add(a, b),
            "mul" => isFloat ? e.FMul(a, b) : e.Mul(a, b),
            "max" => isFloat ? e.FMaxKeepNaN(a, b) : e.B.Select(e.B.ICmp(IntPredicate.Sgt, a, b), a, b),
            "min" => isFloat ? e.FMinKeepNaN(a, b) : e.B.Select(e.B.ICmp(IntPredicate.Slt, a, b), a, b),
            _ => b,
        };
    }

    public static bool IsNumeric(DataType type) => type is DataType.Float32 or DataType.Float64 or DataType.Int32 or DataType.Int64;

    /// <summary>The Scatter family's support check: reduction none moves any type, the others combine numeric ones.</summary>
    public static string? CheckScatterReduction(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[0]).ElementType;
        return node.Attributes.GetString("reduction", "none") == "none" || IsNumeric(type) ? null : $"{type.Name()} scatter reduction is not lowered";
    }

    /// <summary>(outer, axis, inner) extents of a shape split at <paramref name="axis"/>.</summary>
    public static (long Outer, long Axis, long Inner) Split(Shape shape, int axis)
        => (shape.Dims.Take(axis).Aggregate(1L, (a, b) => a * b), shape[axis], shape.Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b));
}

/// <summary>GatherElements: a loop nest over the indices; each reads data at its own position with the axis coordinate replaced.</summary>
internal sealed class GatherElementsKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["GatherElements"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var data = k.InputType(0);
        var indices = k.InputType(1);
        int axis = (int)k.Attributes.GetInt("axis");
        var strides = data.Shape.Strides().ToArray();
        long axisStride = strides[axis];
        strides[axis] = 0;
        var (type, size) = ElementStorage.Of(e, data.ElementType);
        e.ForEachIndex(indices.Shape.Dims.ToArray(), [strides], (linear, offsets) =>
        {
            var index = AxisKernels.LoadIndex(e, indices.ElementType, k.Input(1), linear, data.Shape[axis]);
            var source = e.Add(offsets[0], e.Mul(index, axisStride));
            e.Store(type, size, e.Load(type, size, k.Input(0), source), k.Output(0), linear);
        });
    }
}

/// <summary>
/// ScatterElements (and Scatter): copy the data, then visit the updates in order, so a duplicate index keeps the last
/// update for reduction none and accumulates for add/mul/max/min, as ONNX Runtime does.
/// </summary>
internal sealed class ScatterElementsKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["ScatterElements"];

    public string? CheckSupported(Node node, Graph graph) => AxisKernels.CheckScatterReduction(node, graph);

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var data = k.InputType(0);
        var indices = k.InputType(1);
        int axis = (int)k.Attributes.GetInt("axis");
        string reduction = k.Attributes.GetString("reduction", "none");
        var strides = data.Shape.Strides().ToArray();
        long axisStride = strides[axis];
        strides[axis] = 0;
        e.CopyBytes(k.Output(0), e.I(0), k.Input(0), e.I(0), data.ElementCount * data.ElementType.SizeOf());
        var type = data.ElementType;
        e.ForEachIndex(indices.Shape.Dims.ToArray(), [strides], (linear, offsets) =>
        {
            var index = AxisKernels.LoadIndex(e, indices.ElementType, k.Input(1), linear, data.Shape[axis]);
            var target = e.Add(offsets[0], e.Mul(index, axisStride));
            var update = Scalars.Load(e, type, k.Input(2), linear);
            var value = reduction == "none" ? update : AxisKernels.Combine(e, type, reduction, Scalars.Load(e, type, k.Output(0), target), update);
            Scalars.Store(e, type, value, k.Output(0), target);
        });
    }
}

/// <summary>CumSum: for each (outer, inner) line, one carried sum along the axis, walked backwards for reverse.</summary>
internal sealed class CumSumKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["CumSum"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[0]).ElementType;
        return AxisKernels.IsNumeric(type) ? null : $"{type.Name()} CumSum is not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var type = k.InputType(0).ElementType;
        var (outer, axisDim, inner) = AxisKernels.Split(k.InputType(0).Shape, (int)k.Attributes.GetInt("axis"));
        bool exclusive = k.Attributes.GetInt("exclusive") != 0, reverse = k.Attributes.GetInt("reverse") != 0;
        e.For(outer, o => e.For(inner, i => e.Fold(0, axisDim, 1, Scalars.Constant(e, type, 0), (j, sum) =>
        {
            var position = reverse ? e.Sub(e.I(axisDim - 1), j) : j;
            var at = e.Add(e.Mul(e.Add(e.Mul(o, axisDim), position), inner), i);
            var next = AxisKernels.Combine(e, type, "add", sum, Scalars.Load(e, type, k.Input(0), at));
            Scalars.Store(e, type, exclusive ? sum : next, k.Output(0), at);
            return next;
        })));
    }
}

/// <summary>Hardmax: per line along the axis, find the first maximum (strictly greater wins), then write the one-hot row.</summary>
internal sealed class HardmaxKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Hardmax"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var type = graph.TypeOf(node.Inputs[0]).ElementType;
        return Scalars.IsFloat(type) ? null : $"{type.Name()} Hardmax is not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var type = k.InputType(0).ElementType;
        var (outer, axisDim, inner) = AxisKernels.Split(k.InputType(0).Shape, (int)k.Attributes.GetInt("axis"));
        if (axisDim == 0)
        {
            return;
        }
        e.For(outer, o => e.For(inner, i =>
        {
            LValue At(LValue j) => e.Add(e.Mul(e.Add(e.Mul(o, axisDim), j), inner), i);
            var first = Scalars.Load(e, type, k.Input(0), At(e.I(0)));
            var best = e.FoldMany(1, axisDim, 1, [first, e.I(0)], (j, carried) =>
            {
                var x = Scalars.Load(e, type, k.Input(0), At(j));
                var greater = e.B.FCmp(RealPredicate.Ogt, x, carried[0]);
                return [e.B.Select(greater, x, carried[0]), e.B.Select(greater, j, carried[1])];
            });
            e.For(axisDim, j => Scalars.Store(e, type,
                e.B.Select(e.B.ICmp(IntPredicate.Eq, j, best[1]), Scalars.Constant(e, type, 1), Scalars.Constant(e, type, 0)), k.Output(0), At(j)));
        }));
    }
}
