using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;
using In = WasmGraph.Abstractions.Ops.QuantizedOps.Input;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Depthwise QuantizedConv (group = input channels = output channels): the GEMM of <see cref="Int8Product"/> would pad
/// each one-channel group to a block of 8 and each 9-tap reduction to 12, wasting 10 of every 11 multiply-adds. Here
/// one channel at a time is copied into a zero-point-bordered int32 plane in scratch, then each output row accumulates
/// tap by tap in an int32 row (w · plane row, a unit-stride loop over output columns for LLVM's loop vectoriser; not yet checked in the machine code), and
/// the row is requantised as the GEMM's epilogue does. Exact on every target: int32 products of 8-bit values.
/// </summary>
internal static class Int8DepthwiseConv
{
    public static bool Applies(ConvGeometry g) => g.Group > 1 && g.Group == g.C && g.M == g.C;

    private static long PlaneWidth(ConvGeometry g) => g.W + g.PadLeft + g.PadRight;

    private static long PlaneInts(ConvGeometry g) => (g.H + g.PadTop + g.PadBottom) * PlaneWidth(g);

    private static long RowInts(ConvGeometry g) => (g.OW + 3) / 4 * 4;

    public static long ScratchBytes(ConvGeometry g) => (PlaneInts(g) + RowInts(g)) * 4;

    public static void Emit(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan)
    {
        var e = k.E;
        var scratch = k.Scratch!.Value;
        if (e.Threads is { } threads)
        {
            scratch = threads.WorkerScratch(ScratchBytes(g)); // with threads, each worker pads its own channels' planes
        }
        var row = e.B.Gep(e.Ctx.I32, scratch, e.I(PlaneInts(g)));
        long taps = g.KH * g.KW, width = PlaneWidth(g);
        var weights = k.EmbedInts(plan.Weights);
        var offsets = k.EmbedInts(plan.Offsets);
        var multipliers = k.EmbedFloats(plan.Multipliers);
        var inputType = k.InputType(In.X).ElementType;
        int inputZero = (int)k.ConstantInput(In.XZero)!.ToInt64Array()[0] + (plan.SignedInput ? 128 : 0);
        e.ParallelFor(0, g.N * g.C, 1, imageChannel =>
        {
            var image = e.B.Binary(BinaryOp.UDiv, imageChannel, e.I(g.C));
            var channel = e.B.Binary(BinaryOp.URem, imageChannel, e.I(g.C));
            var plane = e.Mul(e.Add(e.Mul(image, g.C), channel), g.H * g.W);
            e.For(g.H + g.PadTop + g.PadBottom, ph => e.For(width, pw =>
            {
                var ih = e.Add(ph, -g.PadTop);
                var iw = e.Add(pw, -g.PadLeft);
                var inside = e.B.Binary(BinaryOp.And, e.InRange(ih, g.H), e.InRange(iw, g.W));
                var at = e.B.Select(inside, e.Add(plane, e.Add(e.Mul(ih, g.W), iw)), e.I(0));
                var raw = e.Load(e.Ctx.I8, 1, k.Input(In.X), at);
                if (inputType == DataType.Int8)
                {
                    raw = e.B.Binary(BinaryOp.Xor, raw, e.Ctx.Int(e.Ctx.I8, 0x80));
                }
                var value = e.B.Select(inside, e.B.Cast(CastOp.ZExt, raw, e.Ctx.I32), e.I(inputZero));
                e.Store(e.Ctx.I32, 4, value, scratch, e.Add(e.Mul(ph, width), pw));
            }));
            var offset = e.Load(e.Ctx.I32, 4, offsets, channel);
            var multiplier = e.LoadF32(multipliers, channel);
            e.For(g.OH, oh =>
            {
                e.For(g.OW, ow => e.Store(e.Ctx.I32, 4, offset, row, ow));
                e.For(g.KH, i => e.For(g.KW, j =>
                {
                    var w = e.Load(e.Ctx.I32, 4, weights, e.Add(e.Mul(channel, taps), e.Add(e.Mul(i, g.KW), j)));
                    var source = e.Add(e.Mul(e.Add(e.Mul(oh, g.SH), e.Mul(i, g.DH)), width), e.Mul(j, g.DW));
                    e.For(g.OW, ow =>
                    {
                        var x = e.Load(e.Ctx.I32, 4, scratch, e.Add(source, e.Mul(ow, g.SW)));
                        e.Store(e.Ctx.I32, 4, e.Add(e.Load(e.Ctx.I32, 4, row, ow), e.Mul(w, x)), row, ow);
                    });
                }));
                var output = e.Mul(e.Add(e.Mul(e.Add(e.Mul(image, g.C), channel), g.OH), oh), g.OW);
                e.For(g.OW, ow =>
                {
                    var value = Int8Product.Requantize(e, plan, e.Load(e.Ctx.I32, 4, row, ow), multiplier, e.Ctx.I32);
                    e.Store(e.Ctx.I8, 1, e.B.Cast(CastOp.Trunc, value, e.Ctx.I8), k.Output(0), e.Add(output, ow));
                });
            });
        });
    }
}
