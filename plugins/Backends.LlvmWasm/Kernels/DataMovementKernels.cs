using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>Reshape: the bytes do not change, so it is one bulk copy (memory.copy).</summary>
internal sealed class ReshapeKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Reshape"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k) => k.E.CopyBytes(k.Output(0), k.E.I(0), k.Input(0), k.E.I(0), k.OutputType(0).ByteSize);
}

/// <summary>Transpose: a loop nest over the output reading the input through permuted strides.</summary>
internal sealed class TransposeKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Transpose"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var input = k.InputType(0);
        var perm = k.Attributes.GetInts("perm");
        var inStrides = input.Shape.Strides();
        var permuted = perm.Select(p => inStrides[p]).ToArray();
        var (dims, strides) = BinaryKernel.Coalesce(k.OutputType(0).Shape.Dims.ToArray(), [permuted]);
        var (type, size) = ElementStorage.Of(e, input.ElementType);
        e.ParallelForEachIndex(dims, strides, (linear, offsets) => // large ones split over the workers
            e.Store(type, size, e.Load(type, size, k.Input(0), offsets[0]), k.Output(0), linear));
    }
}

/// <summary>Concat: for each index before the axis, each input contributes one contiguous block.</summary>
internal sealed class ConcatKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Concat"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var output = k.OutputType(0);
        int axis = (int)k.Attributes.GetInt("axis");
        long outer = output.Shape.Dims.Take(axis).Aggregate(1L, (x, y) => x * y);
        long outRow = output.ByteSize / Math.Max(outer, 1);
        e.For(outer, o =>
        {
            long offset = 0;
            for (int i = 0; i < k.Node.Inputs.Length; i++)
            {
                long block = k.InputType(i).ByteSize / Math.Max(outer, 1);
                e.CopyBytes(k.Output(0), e.Affine(o, outRow, offset), k.Input(i), e.Mul(o, block), block);
                offset += block;
            }
        });
    }
}

/// <summary>Split: the inverse of Concat, one contiguous block per output per outer index.</summary>
internal sealed class SplitKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Split"];

    public IReadOnlySet<DataType> ElementTypes => KernelTypes.All;

    public string? CheckSupported(Node node, Graph graph) => null;

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var input = k.InputType(0);
        int axis = (int)k.Attributes.GetInt("axis");
        long outer = input.Shape.Dims.Take(axis).Aggregate(1L, (x, y) => x * y);
        long inRow = input.ByteSize / Math.Max(outer, 1);
        e.For(outer, o =>
        {
            long offset = 0;
            for (int i = 0; i < k.Node.Outputs.Length; i++)
            {
                long block = k.OutputType(i).ByteSize / Math.Max(outer, 1);
                e.CopyBytes(k.Output(i), e.Mul(o, block), k.Input(0), e.Affine(o, inRow, offset), block);
                offset += block;
            }
        });
    }
}

/// <summary>How an element type is loaded and stored by data-movement kernels: as an integer of the same width.</summary>
internal static class ElementStorage
{
    public static (LType Type, int Size) Of(Emitter e, DataType type) => type.SizeOf() switch
    {
        1 => (e.Ctx.I8, 1),
        2 => (e.Ctx.I16, 2),
        4 => (e.Ctx.I32, 4),
        _ => (e.Ctx.I64, 8),
    };
}
