using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;
using In = WasmGraph.Abstractions.Ops.QuantizedOps.Input;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Direct int8 convolution (2-D, group 1, any kernel, stride, dilation and padding; 1×1 included) with
/// <c>i32x4.dot_i16x8_s</c>, no im2col. The GEMM of <see cref="Int8Product"/> first copied every input value once per
/// kernel tap into an im2col row (9× the input for a 3×3, scalar, about a third of the layer's time); here the input
/// is copied once, and the taps are address arithmetic:
/// <list type="number">
/// <item>Each image is packed into scratch as [C/2][row phase][column phase][row][column] of int32, each int32 two
/// channels' activations as int16 (c even in the low half). Padding holds the input zero point (its share cancels
/// against the offset's −x₀·Σw′, as in the GEMM), and the phases (the stride × stride split of
/// <see cref="ConvGeometry"/>) make the pixels consecutive output columns read at one tap consecutive int32s, also for
/// stride 2. Each phase row is padded to whole 4-pixel tiles, so no tile needs a bounds check.</item>
/// <item>A register tile is 4 consecutive output pixels of one row × 8 output channels: 8 i32x4 accumulators (lane = a
/// channel). Per tap and channel pair: one v128 load of the 4 pixels' pairs, a lane shuffle that broadcasts each pixel,
/// 2 weight loads (8 int8 weights: 4 channels × the pair, widened to int16 by <c>v128.load8x8_s</c>), and 8
/// <c>dot_i16x8_s</c> + adds: 64 multiply-adds. Weights are packed at compile time in that order
/// ([M/8][tap][C/2][2 vectors][4 channels][2]), so the inner loop walks them sequentially.</item>
/// <item>The epilogue requantises each accumulator as <see cref="Int8Product.Requantize"/> does (bit-exact with ONNX
/// Runtime) and stores the real pixels and channels.</item>
/// </list>
/// Exact on every engine with SIMD128: x ∈ [0, 255] (int8 activations enter as x + 128), w′ ∈ [−128, 127], so each
/// int16 product pair fits int32. Measured in docs/performance.md, "int8 kernels".
/// </summary>
internal static class Int8DirectConv
{
    /// <summary>Output pixels per register tile (one v128 of int16 pairs).</summary>
    internal const int TilePixels = 4;

    /// <summary>Output channels per register tile: two vectors of four.</summary>
    internal const int TileChannels = 8;

    private const int Vectors = TileChannels / 4;

    public static bool Applies(ConvGeometry g) => g.Group == 1;

    private static long Pairs(ConvGeometry g) => (g.C + 1) / 2;

    /// <summary>Rows of one phase: every row an output row reads at any tap.</summary>
    private static long PhaseRows(ConvGeometry g) => g.OH + (g.KH - 1) * g.DH / g.SH;

    /// <summary>Columns of one phase: the output row padded to whole tiles, plus what the last tap reaches.</summary>
    private static long PhaseColumns(ConvGeometry g) => RoundUp(g.OW, TilePixels) + (g.KW - 1) * g.DW / g.SW;

    private static long PhasePlane(ConvGeometry g) => PhaseRows(g) * PhaseColumns(g);

    /// <summary>int32s per channel pair: all stride × stride phases.</summary>
    private static long PairStride(ConvGeometry g) => g.SH * g.SW * PhasePlane(g);

    public static long ScratchBytes(ConvGeometry g) => Pairs(g) * PairStride(g) * 4 + 16;

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Offset in int32s of tap (kh, kw) from an output pixel's position (oh·PhaseColumns + ow) in its pair.</summary>
    private static long TapOffset(ConvGeometry g, long kh, long kw)
        => (kh * g.DH % g.SH * g.SW + kw * g.DW % g.SW) * PhasePlane(g) + kh * g.DH / g.SH * PhaseColumns(g) + kw * g.DW / g.SW;

    /// <summary>The weights as the inner loop reads them: [M/8][tap][C/2][vector][4 channels][2 channels of the pair], int8.</summary>
    private static byte[] PackWeights(ConvGeometry g, QuantizedGemmPlan plan)
    {
        long taps = g.Taps, pairs = Pairs(g);
        long blocks = RoundUp(g.M, TileChannels) / TileChannels;
        var packed = new byte[blocks * taps * pairs * TileChannels * 2];
        int Weight(long m, long c, long tap) => m < g.M && c < g.C ? plan.Weights[(m * g.C + c) * taps + tap] : 0;
        long at = 0;
        for (long block = 0; block < blocks; block++)
        {
            for (long tap = 0; tap < taps; tap++)
            {
                for (long pair = 0; pair < pairs; pair++)
                {
                    for (long m = block * TileChannels; m < (block + 1) * TileChannels; m++)
                    {
                        packed[at++] = (byte)Weight(m, 2 * pair, tap);
                        packed[at++] = (byte)Weight(m, 2 * pair + 1, tap);
                    }
                }
            }
        }
        return packed;
    }

    public static void Emit(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan)
    {
        var e = k.E;
        var scratch = k.Scratch!.Value;
        long blocks = RoundUp(g.M, TileChannels) / TileChannels;
        var weights = QuantizedGemmKernel.EmbedBytes(k, PackWeights(g, plan));
        var offsets = k.EmbedInts(Enumerable.Range(0, (int)(blocks * TileChannels)).Select(m => m < g.M ? plan.Offsets[m] : 0).ToArray());
        var multipliers = k.EmbedFloats(Enumerable.Range(0, (int)(blocks * TileChannels)).Select(m => m < g.M ? plan.Multipliers[m] : 0f).ToArray());
        var tapOffsets = k.EmbedInts(Enumerable.Range(0, (int)g.Taps).Select(t => (int)TapOffset(g, t / g.KW, t % g.KW)).ToArray());
        long tiles = RoundUp(g.OW, TilePixels) / TilePixels;
        // With threads: the packing is split over channel pairs, then the (block, output row) pairs over the workers,
        // block-major so each worker reads about 1/W of the weights; a barrier between the two, and one after the
        // product when another image repacks the scratch.
        e.For(g.N, image =>
        {
            Pack(k, g, plan, image, scratch);
            e.WorkerBarrier();
            e.ParallelFor(0, blocks * g.OH, 1, blockRow =>
            {
                var block = e.B.Binary(BinaryOp.UDiv, blockRow, e.I(g.OH));
                var oh = e.B.Binary(BinaryOp.URem, blockRow, e.I(g.OH));
                e.For(tiles, tile =>
                {
                    var ow = e.Mul(tile, TilePixels);
                    var sums = Tile(e, g, scratch, weights, tapOffsets, block, e.Add(e.Mul(oh, PhaseColumns(g)), ow));
                    Store(k, g, plan, sums, offsets, multipliers, image, block, oh, ow);
                });
            });
            if (g.N > 1)
            {
                e.WorkerBarrier();
            }
        });
    }

    /// <summary>One image into the phase-split int16-pair layout (see the class comment); padding and absent channels = x₀.</summary>
    private static void Pack(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan, LValue image, LValue scratch)
    {
        var e = k.E;
        int inputZero = (int)k.ConstantInput(In.XZero)!.ToInt64Array()[0] + (plan.SignedInput ? 128 : 0);
        long rows = PhaseRows(g), columns = PhaseColumns(g);
        e.ParallelFor(0, Pairs(g), 1, pair => e.For(g.SH, a => e.For(g.SW, b => e.For(rows, r =>
        {
            var ih = e.Add(e.Add(e.Mul(r, g.SH), a), -g.PadTop);
            var rowInside = e.InRange(ih, g.H);
            var packedRow = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(pair, g.SH), a), g.SW), b), PhasePlane(g)), e.Mul(r, columns));
            e.For(columns, q =>
            {
                var iw = e.Add(e.Add(e.Mul(q, g.SW), b), -g.PadLeft);
                var inside = e.B.Binary(BinaryOp.And, rowInside, e.InRange(iw, g.W));
                var both = PackedPair(k, g, inputZero, image, pair, ih, iw, inside);
                e.Store(e.Ctx.I32, 4, both, scratch, e.Add(packedRow, q));
            });
        }))));
    }

    /// <summary>
    /// The int32 that the packed layouts hold for channel pair <paramref name="pair"/> at input pixel (ih, iw): channel
    /// 2·pair in the low int16, 2·pair + 1 in the high one, each x ∈ [0, 255] (int8 with its top bit flipped), and the
    /// input zero point <paramref name="inputZero"/> where the pixel is padding (<paramref name="inside"/> false) or the
    /// channel is absent (odd C). <see cref="Int8WinogradConv"/>'s packing uses it too.
    /// </summary>
    internal static LValue PackedPair(KernelContext k, ConvGeometry g, int inputZero, LValue image, LValue pair, LValue ih, LValue iw, LValue inside)
    {
        var e = k.E;
        var inputType = k.InputType(In.X).ElementType;
        LValue Value(LValue channel, bool mayBeAbsent)
        {
            var real = mayBeAbsent ? e.B.Binary(BinaryOp.And, inside, e.B.ICmp(IntPredicate.Ult, channel, e.I(g.C))) : inside;
            var at = e.B.Select(real, e.Add(e.Mul(e.Add(e.Mul(image, g.C), channel), g.H * g.W), e.Add(e.Mul(ih, g.W), iw)), e.I(0));
            var raw = e.Load(e.Ctx.I8, 1, k.Input(In.X), at);
            if (inputType == DataType.Int8)
            {
                raw = e.B.Binary(BinaryOp.Xor, raw, e.Ctx.Int(e.Ctx.I8, 0x80));
            }
            return e.B.Select(real, e.B.Cast(CastOp.ZExt, raw, e.Ctx.I32), e.I(inputZero));
        }
        var low = Value(e.Mul(pair, 2), mayBeAbsent: false);
        var high = Value(e.Add(e.Mul(pair, 2), 1), mayBeAbsent: g.C % 2 != 0);
        return e.B.Binary(BinaryOp.Or, low, e.B.Binary(BinaryOp.Shl, high, e.I(16)));
    }

    /// <summary>The 8 accumulators (pixel-major, then channel vector) of the tile at int32 position <paramref name="position"/> of each pair.</summary>
    private static LValue[] Tile(Emitter e, ConvGeometry g, LValue scratch, LValue weights, LValue tapOffsets, LValue block, LValue position)
    {
        var shorts = e.Ctx.Vector(e.Ctx.I16, 8);
        var bytes8 = e.Ctx.Vector(e.Ctx.I8, 8);
        long pairs = Pairs(g);
        long blockBytes = g.Taps * pairs * TileChannels * 2;
        var zeros = Enumerable.Repeat(e.Ctx.Null(e.Ctx.I32x4), TilePixels * Vectors).ToArray();
        return e.FoldMany(0, g.Taps, 1, zeros, (tap, tapAcc) =>
        {
            var tapStart = e.Add(position, e.Load(e.Ctx.I32, 4, tapOffsets, tap));
            var tapWeights = e.Add(e.Mul(block, blockBytes), e.Mul(tap, pairs * TileChannels * 2));
            // One channel pair of the tap: 64 multiply-adds.
            LValue[] Pair(LValue pair, LValue[] acc)
            {
                var x = e.B.Load(e.Ctx.I32x4, e.B.Gep(e.Ctx.I32, scratch, e.Add(tapStart, e.Mul(pair, PairStride(g)))), 4);
                var wAt = e.Add(tapWeights, e.Mul(pair, TileChannels * 2));
                var w = Enumerable.Range(0, Vectors)
                    .Select(v => e.B.Cast(CastOp.SExt, e.B.Load(bytes8, e.B.Gep(e.Ctx.I8, weights, e.Add(wAt, v * 8)), 1), shorts)).ToArray();
                return AccumulatePair(e, x, w, acc);
            }
            // Two pairs per iteration: the loop's address and branch instructions (9 of 33 per pair) are paid once per 128
            // multiply-adds instead of 64 (docs/performance.md, "int8 kernels").
            var sums = e.FoldMany(0, pairs / 2 * 2, 2, tapAcc, (pair, acc) => Pair(e.Add(pair, 1), Pair(pair, acc)));
            return pairs % 2 == 0 ? sums : Pair(e.I(pairs - 1), sums);
        });
    }

    /// <summary>
    /// One channel pair of the register tile: <paramref name="x"/> holds the int16 pairs of <see cref="TilePixels"/>
    /// positions (one i32 lane each), <paramref name="w"/> the <see cref="Vectors"/> vectors of 4 output channels × the
    /// pair's int16 weights; each position is broadcast and dotted with each weight vector (<c>i32x4.dot_i16x8_s</c>)
    /// into acc[position · Vectors + vector]: 64 multiply-adds. <see cref="Int8WinogradConv"/>'s products use it too.
    /// </summary>
    internal static LValue[] AccumulatePair(Emitter e, LValue x, LValue[] w, LValue[] acc)
    {
        var shorts = e.Ctx.Vector(e.Ctx.I16, 8);
        var (dot, dotType) = e.Module.Intrinsic("llvm.wasm.dot");
        var next = new LValue[acc.Length];
        for (int p = 0; p < TilePixels; p++)
        {
            var splat = e.B.Cast(CastOp.BitCast, e.B.Shuffle(x, e.Ctx.Poison(e.Ctx.I32x4), e.Ctx.ConstVector([e.I(p), e.I(p), e.I(p), e.I(p)])), shorts);
            for (int v = 0; v < Vectors; v++)
            {
                next[p * Vectors + v] = e.Add(acc[p * Vectors + v], e.B.Call(dotType, dot, w[v], splat));
            }
        }
        return next;
    }

    /// <summary>Requantises the tile and stores each lane whose channel and pixel are real (checks emitted only where a tile can overhang).</summary>
    private static void Store(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan, LValue[] sums, LValue offsets, LValue multipliers,
                              LValue image, LValue block, LValue oh, LValue ow)
    {
        var e = k.E;
        for (int v = 0; v < Vectors; v++)
        {
            var first = e.Add(e.Mul(block, TileChannels), v * 4);
            var offset = e.B.Load(e.Ctx.I32x4, e.B.Gep(e.Ctx.I32, offsets, first), 4);
            var multiplier = e.LoadF32x4(multipliers, first);
            for (int p = 0; p < TilePixels; p++)
            {
                var quantized = Int8Product.Requantize(e, plan, e.Add(sums[p * Vectors + v], offset), multiplier, e.Ctx.I32x4);
                var column = e.Add(ow, p);
                for (int lane = 0; lane < 4; lane++)
                {
                    var channel = e.Add(first, lane);
                    var at = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(image, g.M), channel), g.OH), oh), g.OW), column);
                    var value = e.B.Cast(CastOp.Trunc, e.B.ExtractElement(quantized, e.I(lane)), e.Ctx.I8);
                    LValue? real = null;
                    if (g.M % TileChannels != 0)
                    {
                        real = e.InRange(channel, g.M);
                    }
                    if (g.OW % TilePixels != 0)
                    {
                        var inRow = e.InRange(column, g.OW);
                        real = real is { } r ? e.B.Binary(BinaryOp.And, r, inRow) : inRow;
                    }
                    if (real is { } check)
                    {
                        e.If(check, () => e.Store(e.Ctx.I8, 1, value, k.Output(0), at));
                    }
                    else
                    {
                        e.Store(e.Ctx.I8, 1, value, k.Output(0), at);
                    }
                }
            }
        }
    }
}
