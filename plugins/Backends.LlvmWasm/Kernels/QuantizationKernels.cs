using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// DequantizeLinear and QuantizeLinear, per tensor or per axis: one loop nest over the elements where scale and
/// zero point advance only along the quantisation axis (stride 0 elsewhere, or everywhere for a scalar scale).
/// Quantising rounds half to even and saturates to the 8-bit range, as ONNX specifies; per tensor with SIMD128 it runs
/// four elements at a time (<see cref="QuantizePerTensorVectors"/>).
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
        if (!dequantize && k.InputType(1).ElementCount == 1 && e.Simd128)
        {
            long count = shape.ElementCount, vectorEnd = count / 4 * 4;
            QuantizePerTensorVectors(k, quantized, hasZero, vectorEnd, split: count >= WorkSplit.MinSplitElements);
            if (count >= WorkSplit.MinSplitElements)
            {
                e.ParallelFor(vectorEnd, count, 1, i => QuantizeOne(k, quantized, hasZero, i, e.I(0))); // a split kernel writes only in split loops
            }
            else
            {
                e.For(vectorEnd, count, 1, i => QuantizeOne(k, quantized, hasZero, i, e.I(0)));
            }
            return;
        }
        e.ParallelForEachIndex(shape.Dims.ToArray(), [parameterStrides], (linear, offsets) =>
        {
            if (!dequantize)
            {
                QuantizeOne(k, quantized, hasZero, linear, offsets[0]);
                return;
            }
            var scale = e.LoadF32(k.Input(1), offsets[0]);
            var zero = hasZero
                ? Scalars.Convert(e, Scalars.Load(e, quantized, k.Input(2), offsets[0]), quantized, DataType.Float32)
                : e.F(0);
            var x = Scalars.Convert(e, Scalars.Load(e, inType, k.Input(0), linear), inType, DataType.Float32);
            e.StoreF32(e.FMul(e.FSub(x, zero), scale), k.Output(0), linear);
        });
    }

    /// <summary>One element of QuantizeLinear: saturate(round_half_even(x / scale) + zero), as ONNX specifies.</summary>
    private static void QuantizeOne(KernelContext k, DataType quantized, bool hasZero, LValue linear, LValue parameter)
    {
        var e = k.E;
        var scale = e.LoadF32(k.Input(1), parameter);
        var zero = hasZero ? Scalars.Convert(e, Scalars.Load(e, quantized, k.Input(2), parameter), quantized, DataType.Float32) : e.F(0);
        var x = e.LoadF32(k.Input(0), linear);
        var q = e.FAdd(e.CallIntrinsic("llvm.roundeven", e.Ctx.F32, e.FDiv(x, scale)), zero);
        var (low, high) = quantized == DataType.Int8 ? (-128.0, 127.0) : (0.0, 255.0);
        q = e.FMinKeepNaN(e.FMaxKeepNaN(q, e.F(low)), e.F(high));
        Scalars.Store(e, quantized, Scalars.Convert(e, q, DataType.Float32, quantized), k.Output(0), linear);
    }

    /// <summary>
    /// Per-tensor QuantizeLinear over the first <paramref name="end"/> elements, four at a time: the same division,
    /// rounding and clamp as <see cref="QuantizeOne"/> on f32x4 (IEEE division and round-half-even are exact per lane,
    /// so the bytes are the scalar loop's), then a saturating conversion to i32x4 narrowed to four bytes. Why: a
    /// quantized transformer has a QuantizeLinear before every product (49 in MiniLM), and the scalar loop, one
    /// division per element, took 6 % of its int8 run (docs/performance.md, "MiniLM int8").
    /// </summary>
    /// <param name="split">Whether the vectors are split over the workers of a threaded module (a large tensor).</param>
    private static void QuantizePerTensorVectors(KernelContext k, DataType quantized, bool hasZero, long end, bool split)
    {
        var e = k.E;
        var scale = e.SplatF32x4(e.LoadF32(k.Input(1), e.I(0)));
        var zero = e.SplatF32x4(hasZero ? Scalars.Convert(e, Scalars.Load(e, quantized, k.Input(2), e.I(0)), quantized, DataType.Float32) : e.F(0));
        var (low, high) = quantized == DataType.Int8 ? (-128.0, 127.0) : (0.0, 255.0);
        var lowVector = e.SplatF32x4(e.F(low));
        var highVector = e.SplatF32x4(e.F(high));
        var bytes = e.Ctx.Vector(e.Ctx.I8, 4);
        void Vector(LValue i)
        {
            var q = e.FAdd(e.CallIntrinsic("llvm.roundeven", e.Ctx.F32x4, e.FDiv(e.LoadF32x4(k.Input(0), i), scale)), zero);
            q = e.FMinKeepNaN(e.FMaxKeepNaN(q, lowVector), highVector);
            var integers = e.CallIntrinsic2("llvm.fptosi.sat", e.Ctx.I32x4, e.Ctx.F32x4, q);
            e.B.Store(e.B.Cast(CastOp.Trunc, integers, bytes), e.B.Gep(e.Ctx.I8, k.Output(0), i), 1);
        }
        if (split)
        {
            e.ParallelFor(0, end, 4, Vector);
        }
        else
        {
            e.For(0, end, 4, Vector);
        }
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
