using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>GatherND and ScatterND: each index tuple (the last axis of indices) addresses one contiguous slice.</summary>
internal static class TupleIndex
{
    /// <summary>
    /// Element offset of the slice that tuple <paramref name="tuple"/> addresses in a tensor of <paramref name="shape"/>,
    /// starting at axis <paramref name="firstAxis"/> (after batch axes); negative indices wrap, out-of-range ones read 0.
    /// </summary>
    public static LValue SliceOffset(Emitter e, KernelContext k, int indicesInput, Shape shape, int firstAxis, LValue tuple, long width)
    {
        var indices = k.InputType(indicesInput).ElementType;
        var strides = shape.Strides();
        var offset = e.I(0);
        for (int j = 0; j < width; j++)
        {
            var index = AxisKernels.LoadIndex(e, indices, k.Input(indicesInput), e.Add(e.Mul(tuple, width), j), shape[firstAxis + j]);
            offset = e.Add(offset, e.Mul(index, strides[firstAxis + j]));
        }
        return offset;
    }
}

/// <summary>GatherND: one block copy per index tuple, from its batch's data at the addressed slice.</summary>
internal sealed class GatherNdKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["GatherND"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var data = k.InputType(0);
        var indices = k.InputType(1).Shape;
        int b = (int)k.Attributes.GetInt("batch_dims");
        long width = indices[indices.Rank - 1];
        long tuples = indices.ElementCount / width;
        long batches = data.Shape.Dims.Take(b).Aggregate(1L, (p, d) => p * d);
        long tuplesPerBatch = tuples / Math.Max(batches, 1);
        long batchElements = data.Shape.Dims.Skip(b).Aggregate(1L, (p, d) => p * d);
        long sliceElements = data.Shape.Dims.Skip(b + (int)width).Aggregate(1L, (p, d) => p * d);
        long size = data.ElementType.SizeOf();
        var batchShape = new Shape(data.Shape.Dims.Skip(b).ToArray());
        e.For(tuples, t =>
        {
            var batch = e.B.Binary(BinaryOp.UDiv, t, e.I(tuplesPerBatch));
            var source = e.Add(e.Mul(batch, batchElements), TupleIndex.SliceOffset(e, k, 1, batchShape, 0, t, width));
            e.CopyBytes(k.Output(0), e.Mul(t, sliceElements * size), k.Input(0), e.Mul(source, size), sliceElements * size);
        });
    }
}

/// <summary>
/// ScatterND: copy the data, then visit the tuples in order; reduction none copies each update slice (a later
/// duplicate wins), add/mul/max/min combine element by element.
/// </summary>
internal sealed class ScatterNdKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["ScatterND"];

    public string? CheckSupported(Node node, Graph graph) => AxisKernels.CheckScatterReduction(node, graph);

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var data = k.InputType(0);
        var indices = k.InputType(1).Shape;
        string reduction = k.Attributes.GetString("reduction", "none");
        long width = indices[indices.Rank - 1];
        long tuples = indices.ElementCount / width;
        long sliceElements = data.Shape.Dims.Skip((int)width).Aggregate(1L, (p, d) => p * d);
        long size = data.ElementType.SizeOf();
        var type = data.ElementType;
        e.CopyBytes(k.Output(0), e.I(0), k.Input(0), e.I(0), data.ElementCount * size);
        e.For(tuples, t =>
        {
            var target = TupleIndex.SliceOffset(e, k, 1, data.Shape, 0, t, width);
            var source = e.Mul(t, sliceElements);
            if (reduction == "none")
            {
                e.CopyBytes(k.Output(0), e.Mul(target, size), k.Input(2), e.Mul(source, size), sliceElements * size);
                return;
            }
            e.For(sliceElements, i =>
            {
                var at = e.Add(target, i);
                var combined = AxisKernels.Combine(e, type, reduction, Scalars.Load(e, type, k.Output(0), at), Scalars.Load(e, type, k.Input(2), e.Add(source, i)));
                Scalars.Store(e, type, combined, k.Output(0), at);
            });
        });
    }
}
