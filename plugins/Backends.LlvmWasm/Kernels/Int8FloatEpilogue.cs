using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The store of <see cref="QuantizedOps.MatMulToFloat"/>'s int8 product: y = float32(acc + offset) · (x_scale·w_scale)
/// + bias, in that order (a multiply, then an add, no fused multiply-add, so every target rounds alike), which is what
/// ONNX Runtime's MatMulIntegerToFloat computes from the same int32 sum (float32(sum) × scale, then + bias). The int32
/// sum is exact, so the only difference to ONNX Runtime is the rounding of those two float operations.
/// Kept apart from <see cref="Int8Product"/>, which calls it in place of its requantisation when the op's output is float.
/// </summary>
internal static class Int8FloatEpilogue
{
    /// <summary>float32(<paramref name="sum"/>) · <paramref name="multiplier"/> + <paramref name="bias"/>, for i32x4/f32x4 or i32/f32.</summary>
    public static LValue Value(Emitter e, LValue sum, LValue multiplier, LValue bias, bool vector)
        => e.FAdd(e.FMul(e.B.Cast(CastOp.SIToFP, sum, vector ? e.Ctx.F32x4 : e.Ctx.F32), multiplier), bias);

    /// <summary>
    /// Stores four channels' values of one row. The lanes are consecutive channels of one row of the [rows, N] output,
    /// so when the group's channel count is a multiple of 4 (a vector is then all real or all padding) one vector store
    /// does; otherwise each real lane is stored alone.
    /// </summary>
    public static void Store(Emitter e, LValue values, int channelsPerGroup, long pixels, LValue channel, LValue pixel,
                             LValue output, Func<LValue, LValue, LValue> outputIndex)
    {
        if (channelsPerGroup % 4 == 0)
        {
            var real = e.B.Binary(BinaryOp.And, e.InRange(channel, channelsPerGroup), e.InRange(pixel, pixels));
            e.If(real, () => e.StoreF32x4(values, output, outputIndex(channel, pixel)));
            return;
        }
        for (int lane = 0; lane < 4; lane++)
        {
            var c = e.Add(channel, lane);
            var real = e.B.Binary(BinaryOp.And, e.InRange(c, channelsPerGroup), e.InRange(pixel, pixels));
            var value = e.B.ExtractElement(values, e.I(lane));
            e.If(real, () => e.StoreF32(value, output, outputIndex(c, pixel)));
        }
    }
}
