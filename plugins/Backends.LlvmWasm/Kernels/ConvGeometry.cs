using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The static geometry of a 1-D or 2-D convolution and its phase-split input layout, shared by
/// <see cref="ConvKernel"/> and <see cref="DepthwiseConvKernel"/>.
/// <para>
/// Phase split: a channel of the zero-padded input is stored as stride×stride phases [row phase][column phase][row]
/// [column], so that for a fixed kernel tap the pixels read by consecutive output columns are consecutive floats, and
/// output row <c>oh</c>, column <c>ow</c> reads tap (kh, kw) at <c>oh·PhaseWidth + ow + TapOffset(kh, kw)</c>.
/// </para>
/// </summary>
internal sealed record ConvGeometry(long N, long C, long H, long W, long M, long OH, long OW, long KH, long KW,
                                    long SH, long SW, long DH, long DW, long PadTop, long PadLeft, long PadBottom, long PadRight, long Group)
{
    /// <summary>
    /// Output channels per register tile of <see cref="ConvKernel"/>: the four weights of one tap are then one
    /// vector, loaded once and broadcast lane by lane (docs/performance.md, "Conv tile").
    /// </summary>
    public const long TileChannels = 4;

    /// <summary>
    /// Four-pixel vectors per register tile of <see cref="ConvKernel"/>: 4 × 2 = 8 accumulators. Cranelift's x64
    /// FMA ties its result to a multiplicand, so every multiply-add needs a spare register for a copy; with 12
    /// accumulators the loop spilled accumulators to the stack on every iteration.
    /// </summary>
    public const long TileVectors = 2;

    public long ChannelsPerGroup => C / Group;
    public long OutputsPerGroup => M / Group;
    public long PhaseHeight => (H + PadTop + PadBottom + SH - 1) / SH;
    public long PhaseWidth => (W + PadLeft + PadRight + SW - 1) / SW;
    public long PhasePlane => PhaseHeight * PhaseWidth;
    public long ChannelStride => SH * SW * PhasePlane;
    public long Taps => KH * KW;

    /// <summary>Output channels per register tile: <see cref="TileChannels"/>, or fewer when a group has fewer.</summary>
    public long MR => Math.Min(TileChannels, OutputsPerGroup);

    /// <summary>Vectors of 4 pixels per tile: more when the tile has fewer channels, to keep enough accumulators.</summary>
    public long Vectors => MR >= TileChannels ? TileVectors : 4;
    public long NR => Vectors * 4;
    public long Blocks => (OutputsPerGroup + MR - 1) / MR;
    public long VirtualPixels => OH * PhaseWidth;
    public long Tiles => (VirtualPixels + NR - 1) / NR;
    public long PaddedPixels => Tiles * NR;

    /// <summary>Float offset of tap (kh, kw) from a virtual pixel's position in its channel: a row part plus a column part.</summary>
    public long TapOffset(long kh, long kw) => RowOffset(kh) + ColumnOffset(kw);

    /// <summary>The kernel row's share of a tap offset: its row phase and the phase rows it skips.</summary>
    public long RowOffset(long kh) => kh * DH % SH * SW * PhasePlane + kh * DH / SH * PhaseWidth;

    /// <summary>The kernel column's share of a tap offset: its column phase and the phase columns it skips.</summary>
    public long ColumnOffset(long kw) => kw * DW % SW * PhasePlane + kw * DW / SW;

    /// <summary>Room past the last channel for the discarded columns of the last tile to read.</summary>
    public long Slack => TapOffset(KH - 1, KW - 1) + NR + PhaseWidth;
    public long InputScratchFloats => C * ChannelStride + Slack;
    public long OutputScratchFloats => Group * Blocks * MR * PaddedPixels;

    public static ConvGeometry Describe(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]).Shape;
        var y = graph.TypeOf(node.Outputs[0]).Shape;
        var a = node.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetInts("dilations");
        var pads = a.GetInts("pads");
        if (x.Rank == 3)
        {
            // 1-D: a 2-D convolution over an image of height 1.
            return new ConvGeometry(x[0], x[1], 1, x[2], y[1], 1, y[2], 1, kernel[0], 1, strides[0], 1, dilations[0],
                                    0, pads[0], 0, pads[1], a.GetInt("group"));
        }
        return new ConvGeometry(x[0], x[1], x[2], x[3], y[1], y[2], y[3], kernel[0], kernel[1], strides[0], strides[1],
                                dilations[0], dilations[1], pads[0], pads[1], pads[2], pads[3], a.GetInt("group"));
    }

    /// <summary>Whether <see cref="CopyChannelIntoPhases"/> writes every float of a channel's region: no padding, and the strides divide the plane.</summary>
    public bool CopyFillsChannel => PadTop == 0 && PadBottom == 0 && PadLeft == 0 && PadRight == 0 && H % SH == 0 && W % SW == 0;

    /// <summary>
    /// Channel <paramref name="c"/> of image <paramref name="imageBase"/> (a float offset into input 0) into its region
    /// of the phase-split <paramref name="scratch"/> (<see cref="ChannelStride"/> floats at c·ChannelStride): zeroed where
    /// the copy leaves borders, then <see cref="CopyChannelIntoPhases"/>; for the last channel also the rest of the
    /// scratch's <paramref name="scratchFloats"/> (the slack that edge tiles read), so no garbage (a denormal, say)
    /// enters the arithmetic. Done per channel, by the worker that copies it, the zeroing writes lines the copy is about
    /// to overwrite while they are in cache; zeroing the whole scratch first was one memset of up to 3.2 MB per kernel
    /// (ResNet50's 256-channel 56×56 inputs) on worker 0 while the others waited at a barrier.
    /// </summary>
    public void ZeroAndCopyChannel(KernelContext k, LValue imageBase, LValue c, LValue scratch, long scratchFloats)
    {
        var e = k.E;
        var target = e.Mul(c, ChannelStride);
        if (!CopyFillsChannel)
        {
            e.ZeroBytes(e.B.Gep(e.Ctx.F32, scratch, target), ChannelStride * 4);
        }
        CopyChannelIntoPhases(k, e.Add(imageBase, e.Mul(c, H * W)), scratch, target);
        e.If(e.B.ICmp(IntPredicate.Eq, c, e.I(C - 1)), () => e.ZeroBytes(e.B.Gep(e.Ctx.F32, scratch, e.I(C * ChannelStride)), (scratchFloats - C * ChannelStride) * 4));
    }

    /// <summary>
    /// Copies one H×W input channel (starting at float <paramref name="source"/> of input 0) into the zero-bordered,
    /// phase-split layout [phase][row][col] at float <paramref name="target"/> of <paramref name="scratch"/>. Borders
    /// are not written: see <see cref="ZeroAndCopyChannel"/>.
    /// </summary>
    public void CopyChannelIntoPhases(KernelContext k, LValue source, LValue scratch, LValue target)
    {
        var e = k.E;
        e.For(H, h =>
        {
            var paddedRow = e.Add(h, PadTop);
            var rowPhase = e.B.Binary(BinaryOp.SRem, paddedRow, e.I(SH));
            var phaseRow = e.B.Binary(BinaryOp.SDiv, paddedRow, e.I(SH));
            var rowSource = e.Add(source, e.Mul(h, W));
            var rowBase = e.Add(target, e.Add(e.Mul(rowPhase, SW * PhasePlane), e.Mul(phaseRow, PhaseWidth)));
            if (SW == 1)
            {
                e.CopyBytes(scratch, e.Mul(e.Add(rowBase, PadLeft), 4), k.Input(0), e.Mul(rowSource, 4), W * 4);
                return;
            }
            e.For(W, w =>
            {
                var paddedCol = e.Add(w, PadLeft);
                var colPhase = e.B.Binary(BinaryOp.SRem, paddedCol, e.I(SW));
                var phaseCol = e.B.Binary(BinaryOp.SDiv, paddedCol, e.I(SW));
                var at = e.Add(rowBase, e.Add(e.Mul(colPhase, PhasePlane), phaseCol));
                e.StoreF32(e.LoadF32(k.Input(0), e.Add(rowSource, w)), scratch, at);
            });
        });
    }

    /// <summary>
    /// The epilogue of one output channel's plane: each of the OH rows (starting at <paramref name="from"/> in
    /// <paramref name="scratch"/>, <paramref name="fromRowStride"/> floats apart) gets the channel's bias, the fused
    /// residual (read from input 3 at the output position) and the fused activation, and its OW real columns are
    /// stored at <paramref name="to"/> in output 0. Whole vectors of four columns first, then the leftover columns.
    /// </summary>
    public void StorePlane(KernelContext k, LValue scratch, LValue from, long fromRowStride, LValue to, LValue bias)
    {
        var e = k.E;
        var epilogue = new ConvEpilogue(k);
        var biasVector = e.SplatF32x4(bias);
        e.For(OH, oh =>
        {
            var source = e.Add(from, e.Mul(oh, fromRowStride));
            var target = e.Add(to, e.Mul(oh, OW));
            e.For(OW / 4, quad =>
            {
                var at = e.Mul(quad, 4);
                epilogue.Store(e.FAdd(e.LoadF32x4(scratch, e.Add(source, at)), biasVector), e.Add(target, at));
            });
            e.For(OW / 4 * 4, OW, 1, ow => epilogue.Store(e.FAdd(e.LoadF32(scratch, e.Add(source, ow)), bias), e.Add(target, ow)));
        });
    }
}
