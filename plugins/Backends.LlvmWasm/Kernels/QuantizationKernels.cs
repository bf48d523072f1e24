using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// DequantizeLinear and QuantizeLinear, per tensor or per axis: one loop nest over the elements where scale and
/// zero point advance only along the quantisation axis (stride 0 elsewhere, or everywhere for a scalar scale).
/// Quantising rounds half to even and saturates to the 8-bit range, as ONNX specifies.
/// </summary>
internal sealed class QuantizeLinearKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["DequantizeLinear", "QuantizeLinear"];

    public string? CheckSupported(Node node, Graph graph)
    {
        var quantized = node.Op == "DequantizeLinear" ? graph.TypeOf(node.Inputs[0]).ElementType : graph.TypeOf(node.Outputs[0]).ElementType;
        var real = node.Op == "DequantizeLinear" ? graph.TypeOf(node.Outputs[0]).ElementType : graph.TypeOf(node.Inputs[0]).ElementType;
        bool ok = real == DataType.Float32 && quantized is DataType.Int8 or DataType.UInt8 or DataType.Int32
                  && (node.Op == "DequantizeLinear" || quantized != DataType.Int32);
        return ok ? null : $"{quantized.Name()} ↔ {real.Name()} is not lowered";
    }

    public void Emit(KernelContext k)
    {
        var e = k.E;
        bool dequantize = k.Node.Op == "DequantizeLinear";
        var shape = k.InputType(0).Shape;
        var inType = k.InputType(0).ElementType;
        var outType = k.OutputType(0).ElementType;
        var quantized = dequantize ? inType : outType;
        int axis = (int)k.Attributes.GetInt("axis");
        var parameterStrides = new long[shape.Rank];
        if (k.InputType(1).ElementCount > 1)
        {
            parameterStrides[axis] = 1;
        }
        bool hasZero = k.HasInput(2);
        e.ForEachIndex(shape.Dims.ToArray(), [parameterStrides], (linear, offsets) =>
        {
            var scale = e.LoadF32(k.Input(1), offsets[0]);
            var zero = hasZero
                ? Scalars.Convert(e, Scalars.Load(e, quantized, k.Input(2), offsets[0]), quantized, DataType.Float32)
                : e.F(0);
            var x = Scalars.Convert(e, Scalars.Load(e, inType, k.Input(0), linear), inType, DataType.Float32);
            if (dequantize)
            {
                e.StoreF32(e.FMul(e.FSub(x, zero), scale), k.Output(0), linear);
                return;
            }
            var q = e.FAdd(e.CallIntrinsic("llvm.roundeven", e.Ctx.F32, e.FDiv(x, scale)), zero);
            var (low, high) = quantized == DataType.Int8 ? (-128.0, 127.0) : (0.0, 255.0);
            q = e.FMinKeepNaN(e.FMaxKeepNaN(q, e.F(low)), e.F(high));
            Scalars.Store(e, quantized, Scalars.Convert(e, q, DataType.Float32, quantized), k.Output(0), linear);
        });
    }
}

/// <summary>
/// DynamicQuantizeLinear: one pass for the range [min(0, x), max(0, x)], then scale = range/255, zero point =
/// saturate(round(−min/scale)), and the uint8 quantisation of every element (rounding half to even throughout).
/// </summary>
internal sealed class DynamicQuantizeLinearKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["DynamicQuantizeLinear"];

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType == DataType.Float32 ? null : "only float32 input is lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        long count = k.InputType(0).ElementCount;
        var range = e.FoldMany(0, count, 1, [e.F(0), e.F(0)], (i, carried) =>
        {
            var x = e.LoadF32(k.Input(0), i);
            return [e.FMinKeepNaN(carried[0], x), e.FMaxKeepNaN(carried[1], x)];
        });
        var scale = e.FDiv(e.FSub(range[1], range[0]), e.F(255));
        LValue Saturate(LValue v) => e.FMinKeepNaN(e.FMaxKeepNaN(v, e.F(0)), e.F(255));
        var zero = e.CallIntrinsic("llvm.roundeven", e.Ctx.F32, Saturate(e.FDiv(e.B.FNeg(range[0]), scale)));
        e.StoreF32(scale, k.Output(1), e.I(0));
        Scalars.Store(e, DataType.UInt8, Scalars.Convert(e, zero, DataType.Float32, DataType.UInt8), k.Output(2), e.I(0));
        e.For(count, i =>
        {
            var q = Saturate(e.FAdd(e.CallIntrinsic("llvm.roundeven", e.Ctx.F32, e.FDiv(e.LoadF32(k.Input(0), i), scale)), zero));
            Scalars.Store(e, DataType.UInt8, Scalars.Convert(e, q, DataType.Float32, DataType.UInt8), k.Output(0), i);
        });
    }
}
