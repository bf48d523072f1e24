using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// ConvBlocked: a 2-D, group-1 convolution on the blocked layout [N, C/4, H, W, 4] (made by convert-conv-layout),
/// vectorised over output channels. One f32x4 is one pixel of four output channels, so:
/// 1. a register tile is P consecutive output pixels of one row × B blocks of four output channels (P·B = 12
///    accumulators); per input channel and tap it loads B weight vectors (packed [M/4, C, KH, KW, 4] at compile time)
///    and P input values as <c>v128.load32_splat</c>, and issues P·B multiply-adds;
/// 2. the input is read in place, with no padded or phase-split copy: each output row is cut into tiles of P pixels
///    from its left edge; the run of tiles whose taps all land inside the row is a loop with no bounds checks, and the
///    few tiles that touch the left or right border are emitted one by one, with the taps that fall outside left out at
///    compile time. Rows near the top and bottom run only the kernel rows inside the image (a per-row range table);
/// 3. strides and dilations are address arithmetic; the tap loop of the interior tiles reads its input offsets from a
///    table, so its body is the four input channels of a block × P·B multiply-adds whatever the kernel size;
/// 4. input channels go in slices whose weights for one tile stay in L1 while the whole plane uses them (sweeping all
///    channels per tile streamed up to 221 KB of weights per tile from L2); later slices add to the partial sums stored
///    in the output;
/// 5. the last slice's epilogue adds the bias vector, the (blocked) residual, applies the fused activation and stores
///    each accumulator straight to the blocked output: no scratch, no copy.
/// Measured against the NCHW kernel in docs/performance.md, "Blocked layout".
/// </summary>
internal sealed class BlockedConvKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["ConvBlocked"];

    /// <summary>The channel block: one f32x4 lane per channel.</summary>
    public const long Block = 4;

    /// <summary>Output-channel blocks per tile; with <see cref="Pixels"/> this gives 12 accumulators (see docs/performance.md).</summary>
    public const int OutputBlocks = 3;

    /// <summary>Output pixels per tile for a tile of <paramref name="blocks"/> blocks: 12 accumulators whenever possible.</summary>
    public static int Pixels(int blocks) => 12 / blocks;

    public string? CheckSupported(Node node, Graph graph)
    {
        if (graph.TypeOf(node.Inputs[0]).ElementType != DataType.Float32)
        {
            return "only float32 convolution is lowered";
        }
        return node.Attributes.GetInt("block") != Block ? $"only block {Block} is lowered" : Activation.Check(node);
    }

    private sealed record Geometry(long N, long CB, long H, long W, long MB, long OH, long OW, long KH, long KW,
                                   long SH, long SW, long DH, long DW, long PadTop, long PadLeft)
    {
        public long C => CB * Block;
        public long Taps => KH * KW;

        /// <summary>ConvGeometry reads the blocked shapes as they are, so its C and M are counts of channel blocks here.</summary>
        public static Geometry Describe(Node node, Graph graph)
        {
            var c = ConvGeometry.Describe(node, graph);
            return new Geometry(c.N, c.C, c.H, c.W, c.M, c.OH, c.OW, c.KH, c.KW, c.SH, c.SW, c.DH, c.DW, c.PadTop, c.PadLeft);
        }

        /// <summary>The input column that output column <paramref name="ow"/> reads at kernel column <paramref name="kw"/>.</summary>
        public long InputColumn(long ow, long kw) => ow * SW - PadLeft + kw * DW;

        /// <summary>The kernel rows [start, end) whose input row lies inside the image, for output row <paramref name="oh"/>.</summary>
        public (int Start, int End) KernelRows(long oh)
        {
            int start = 0, end = 0;
            for (long kh = KH - 1; kh >= 0; kh--)
            {
                long ih = oh * SH - PadTop + kh * DH;
                if (ih >= 0 && ih < H)
                {
                    start = (int)kh;
                    end = end == 0 ? (int)kh + 1 : end;
                }
            }
            return (start, end);
        }

        /// <summary>True when no tap of output column <paramref name="ow"/> falls outside the row.</summary>
        public bool Interior(long ow) => InputColumn(ow, 0) >= 0 && InputColumn(ow, KW - 1) < W;
    }

    /// <summary>A row tile: its first output column (a run-time value in the interior loop), its width, and where it reads.</summary>
    /// <param name="ColumnBase">The input column (×4 floats) all offsets are relative to.</param>
    /// <param name="Offset">Float offset from ColumnBase of pixel p at kernel column kw, or null when that tap is padding.</param>
    private sealed record Tile(LValue Column, int Width, LValue ColumnBase, Func<int, long, long?> Offset, bool Interior);

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var g = Geometry.Describe(k.Node, k.Graph);
        var rows = Enumerable.Range(0, (int)g.OH).Select(oh => g.KernelRows(oh)).ToArray();
        bool allRowsFull = rows.All(r => r.Start == 0 && r.End == g.KH);
        var rowTable = allRowsFull ? default : k.EmbedInts(rows.SelectMany(r => new[] { r.Start, r.End }).ToArray());
        var tapOffsets = k.EmbedInts(Enumerable.Range(0, (int)g.Taps).Select(t => (int)((t / g.KW * g.DH * g.W + t % g.KW * g.DW) * Block)).ToArray());
        // The input channels in slices whose weights stay in L1 while every pixel of the plane uses them: the first slice
        // starts from zero, later ones add to the partial sums stored in the output, and only the last runs the epilogue.
        long slice = SliceBlocks(g);
        long slices = g.CB / slice;
        long fullGroups = g.MB / OutputBlocks;
        k.ForEachImage(g.N, n => // to the run-time batch extent where the batch follows one
        {
            e.For(fullGroups, group => Rows(n, e.Mul(group, OutputBlocks), OutputBlocks));
            if (g.MB % OutputBlocks != 0)
            {
                Rows(n, e.I(fullGroups * OutputBlocks), (int)(g.MB % OutputBlocks));
            }
        });

        void Rows(LValue n, LValue firstBlock, int blocks)
        {
            Plane(n, firstBlock, blocks, new ChannelSlice(e.I(0), slice, Accumulate: false, Finish: slices == 1));
            if (slices > 1)
            {
                e.For(1, slices - 1, 1, s => Plane(n, firstBlock, blocks, new ChannelSlice(e.Mul(s, slice), slice, Accumulate: true, Finish: false)));
                Plane(n, firstBlock, blocks, new ChannelSlice(e.I((slices - 1) * slice), slice, Accumulate: true, Finish: true));
            }
        }

        void Plane(LValue n, LValue firstBlock, int blocks, ChannelSlice channels)
        {
            int width = Pixels(blocks);
            e.For(g.OH, oh =>
            {
                var (start, end) = allRowsFull
                    ? (e.I(0), e.I(g.KH))
                    : (e.Load(e.Ctx.I32, 4, rowTable, e.Mul(oh, 2)), e.Load(e.Ctx.I32, 4, rowTable, e.Add(e.Mul(oh, 2), 1)));
                var kernelRows = new KernelRowRange(start, end, allRowsFull);
                long tiles = (g.OW + width - 1) / width;
                long t = 0;
                while (t < tiles)
                {
                    long run = 0;
                    while (t + run < tiles && (t + run + 1) * width <= g.OW && g.Interior((t + run) * width) && g.Interior((t + run + 1) * width - 1))
                    {
                        run++;
                    }
                    if (run > 0)
                    {
                        long first = t;
                        e.For(run, i =>
                        {
                            var ow = e.Mul(e.Add(i, first), width);
                            var columnBase = e.Mul(e.Add(e.Mul(ow, g.SW), -g.PadLeft), Block);
                            MicroKernel(k, g, n, oh, firstBlock, blocks, channels, kernelRows, tapOffsets,
                                        new Tile(ow, width, columnBase, (p, kw) => (p * g.SW + kw * g.DW) * Block, Interior: true));
                        });
                        t += run;
                        continue;
                    }
                    long ow0 = t * width;
                    int w = (int)Math.Min(width, g.OW - ow0);
                    MicroKernel(k, g, n, oh, firstBlock, blocks, channels, kernelRows, tapOffsets,
                                new Tile(e.I(ow0), w, e.I(0), (p, kw) => g.InputColumn(ow0 + p, kw) is var iw && iw >= 0 && iw < g.W ? iw * Block : null, Interior: false));
                    t++;
                }
            });
        }
    }

    /// <summary>Weight bytes of one tile's input-channel slice that should stay in L1 (B blocks × slice × taps × 16 B).</summary>
    private const long SliceWeightBytes = 12 * 1024;

    /// <summary>Input channel blocks per slice: the largest divisor of C/4 whose weights fit <see cref="SliceWeightBytes"/>.</summary>
    private static long SliceBlocks(Geometry g)
    {
        long limit = Math.Max(1, SliceWeightBytes / (OutputBlocks * Block * g.Taps * Block * 4));
        return Enumerable.Range(1, (int)Math.Min(limit, g.CB)).Last(d => g.CB % d == 0);
    }

    /// <summary>The input channel blocks [First, First + Count) one pass over the plane accumulates.</summary>
    private sealed record ChannelSlice(LValue First, long Count, bool Accumulate, bool Finish);

    /// <summary>The kernel rows a row of output reads: run-time bounds from the row table, or all of them.</summary>
    private sealed record KernelRowRange(LValue Start, LValue End, bool Full);

    /// <summary>One tile: accumulate over all input channels and taps, then bias, residual, activation and store.</summary>
    private static void MicroKernel(KernelContext k, Geometry g, LValue n, LValue oh, LValue firstBlock, int blocks, ChannelSlice channels,
                                    KernelRowRange kernelRows, LValue tapOffsets, Tile tile)
    {
        var e = k.E;
        var x = k.Input(0);
        var weights = k.Input(1);
        long blockWeights = g.C * g.Taps * Block;       // floats per output block
        long laneWeights = g.Taps * Block;              // floats per input channel
        // Input row (oh·SH − PadTop) of image n; the taps add kh·DH rows, so the sum is a real row for every tap read.
        var rowStart = e.Mul(e.Add(e.Mul(oh, g.SH), -g.PadTop), g.W * Block);
        var tileInput = e.Add(e.Add(e.Mul(n, g.CB * g.H * g.W * Block), rowStart), tile.ColumnBase);
        var tileWeights = e.Mul(firstBlock, blockWeights);
        long blockStride = g.OH * g.OW * Block;
        var outputAt = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(n, g.MB), firstBlock), g.OH), oh), g.OW * Block), e.Mul(tile.Column, Block));
        long OutputOffset(int p, int b) => b * blockStride + p * Block;
        var initial = Enumerable.Range(0, tile.Width * blocks)
                                .Select(i => channels.Accumulate ? e.LoadF32x4(k.Output(0), outputAt, OutputOffset(i / blocks, i % blocks)) : e.ZeroF32x4())
                                .ToArray();

        // One tap of the four input channels of a block: per channel, B weight vectors and P splatted inputs.
        LValue[] Step(LValue input, LValue weight, long kw, LValue[] acc)
        {
            var next = acc.ToArray();
            for (int lane = 0; lane < Block; lane++)
            {
                var w = Enumerable.Range(0, blocks).Select(b => e.LoadF32x4(weights, weight, b * blockWeights + lane * laneWeights)).ToArray();
                for (int p = 0; p < tile.Width; p++)
                {
                    if (tile.Offset(p, kw) is not { } offset)
                    {
                        continue;
                    }
                    var v = e.SplatF32x4(e.LoadF32(x, input, offset + lane));
                    for (int b = 0; b < blocks; b++)
                    {
                        next[p * blocks + b] = e.MulAddF32x4(w[b], v, next[p * blocks + b]);
                    }
                }
            }
            return next;
        }

        var sums = e.FoldMany(0, channels.Count, 1, initial, (local, channelAcc) =>
        {
            var cb = e.Add(local, channels.First);
            var channelInput = e.Add(tileInput, e.Mul(cb, g.H * g.W * Block));
            var channelWeights = e.Add(tileWeights, e.Mul(cb, Block * laneWeights));
            if (tile.Interior)
            {
                // All taps of the tile's pixels are inside the row: one loop over the taps of the valid kernel rows.
                LValue[] Tap(LValue tap, LValue[] acc)
                    => Step(e.Add(channelInput, e.Load(e.Ctx.I32, 4, tapOffsets, tap)), e.Add(channelWeights, e.Mul(tap, Block)), 0, acc);
                return kernelRows.Full
                    ? e.FoldMany(0, g.Taps, 1, channelAcc, Tap)
                    : e.FoldRuntime(e.Mul(kernelRows.Start, g.KW), e.Mul(kernelRows.End, g.KW), channelAcc, Tap);
            }
            // A border tile: kernel columns unrolled, taps that read padding left out at compile time.
            LValue[] KernelRow(LValue kh, LValue[] acc)
            {
                var rowInput = e.Add(channelInput, e.Mul(kh, g.DH * g.W * Block));
                var rowWeights = e.Add(channelWeights, e.Mul(kh, g.KW * Block));
                for (long kw = 0; kw < g.KW; kw++)
                {
                    acc = Step(rowInput, e.Add(rowWeights, kw * Block), kw, acc);
                }
                return acc;
            }
            return kernelRows.Full
                ? e.FoldMany(0, g.KH, 1, channelAcc, KernelRow)
                : e.FoldRuntime(kernelRows.Start, kernelRows.End, channelAcc, KernelRow);
        });
        if (!channels.Finish)
        {
            for (int i = 0; i < sums.Length; i++)
            {
                e.StoreF32x4(sums[i], k.Output(0), outputAt, OutputOffset(i / blocks, i % blocks));
            }
            return;
        }
        Epilogue(k, firstBlock, blocks, tile, sums, outputAt, OutputOffset);
    }

    private static void Epilogue(KernelContext k, LValue firstBlock, int blocks, Tile tile, LValue[] sums, LValue at, Func<int, int, long> outputOffset)
    {
        var e = k.E;
        LValue? bias = k.HasInput(2) ? k.Input(2) : null;
        LValue? residual = ConvKernel.Residual(k);
        var biases = Enumerable.Range(0, blocks)
                               .Select(b => bias is { } bp ? e.LoadF32x4(bp, e.Mul(firstBlock, Block), b * Block) : e.ZeroF32x4()).ToArray();
        for (int p = 0; p < tile.Width; p++)
        {
            for (int b = 0; b < blocks; b++)
            {
                long offset = outputOffset(p, b);
                var v = e.FAdd(sums[p * blocks + b], biases[b]);
                if (residual is { } shortcut)
                {
                    v = e.FAdd(v, e.LoadF32x4(shortcut, at, offset));
                }
                e.StoreF32x4(Activation.Apply(e, k.Attributes, v), k.Output(0), at, offset);
            }
        }
    }
}
