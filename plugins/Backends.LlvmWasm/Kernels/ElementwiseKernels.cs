using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Relu, Sigmoid and Clip (the elementwise table's activations): one flat loop over the elements, each through the
/// table; Clip also on integers, with integer bounds.
/// </summary>
internal sealed class UnaryKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ElementwiseLowering.Activations;

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Outputs[0]).ElementType switch
        {
            DataType.Float32 => null,
            DataType.Int8 or DataType.UInt8 or DataType.Int32 or DataType.Int64 when node.Op == "Clip" => null,
            _ => "only float32 is lowered",
        };

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var type = k.OutputType(0).ElementType;
        if (type != DataType.Float32)
        {
            ClipIntegers(k, type);
            return;
        }
        var op = ElementwiseLowering.Get(k.Node.Op);
        e.For(k.OutputType(0).ElementCount, i => e.StoreF32(op.Scalar(e, [e.LoadF32(k.Input(0), i)], k.Attributes), k.Output(0), i));
    }

    /// <summary>
    /// Integer Clip: the float bounds (±float.MaxValue when absent) are narrowed to the element type's range and
    /// rounded inwards at compile time, then each element is clamped with integer compares.
    /// </summary>
    private static void ClipIntegers(KernelContext k, DataType type)
    {
        var e = k.E;
        var (low, high) = type switch
        {
            DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            DataType.UInt8 => (byte.MinValue, byte.MaxValue),
            DataType.Int32 => (int.MinValue, int.MaxValue),
            _ => (long.MinValue, (double)long.MaxValue),
        };
        double min = Math.Ceiling(Math.Max(k.Attributes.GetFloat("min", float.NegativeInfinity), low));
        double max = Math.Floor(Math.Min(k.Attributes.GetFloat("max", float.PositiveInfinity), high));
        var lo = Scalars.Constant(e, type, min);
        var hi = Scalars.Constant(e, type, max);
        bool unsigned = Scalars.IsUnsigned(type);
        e.For(k.OutputType(0).ElementCount, i =>
        {
            var x = Scalars.Load(e, type, k.Input(0), i);
            x = e.B.Select(e.B.ICmp(unsigned ? IntPredicate.Ult : IntPredicate.Slt, x, lo), lo, x);
            x = e.B.Select(e.B.ICmp(unsigned ? IntPredicate.Ugt : IntPredicate.Sgt, x, hi), hi, x);
            Scalars.Store(e, type, x, k.Output(0), i);
        });
    }
}
