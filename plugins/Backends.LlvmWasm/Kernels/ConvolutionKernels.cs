using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// 1-D and 2-D convolution and FusedConv (groups, strides, dilations, asymmetric pads, bias, fused residual and
/// activation) as a
/// register-blocked SIMD128 micro-kernel, with no im2col copy.
///
/// 1. The input is copied once into a zero-bordered scratch image, split into stride×stride phases, so that for a
///    fixed kernel tap the pixels of consecutive output columns are consecutive floats.
/// 2. Outputs are computed over a "virtual" row width equal to the phase width (columns past the real width are
///    computed and discarded), which makes a tile of consecutive virtual pixels a plain vector load at a constant
///    offset from the tile start, for every tap, across row ends.
/// 3. A tile of MR output channels × NR virtual pixels is accumulated in MR·NR/4 vector registers over all input
///    channels of the group, with the kernel taps unrolled and weights packed at compile time as [block][c][tap][MR].
/// 4. An epilogue adds the bias, applies the fused activation and writes the real columns to the output.
/// 3×3 stride-1 convolutions may go to <see cref="WinogradConvKernel"/> instead: <see cref="ConvAlgorithms"/> decides.
/// </summary>
internal sealed class ConvKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["Conv", FusedOps.Conv];

    /// <summary>FusedConv's and ConvBlocked's residual (made by fuse-residual), added to the output before the activation.</summary>
    public static LValue? Residual(KernelContext k) => k.HasInput(FusedOps.ResidualInput) ? k.Input(FusedOps.ResidualInput) : null;

    /// <summary>3-D convolutions (rank-5 inputs) go to the direct N-d kernel; this one stays 1-D/2-D only.</summary>
    private static readonly DirectConvKernel Direct = new();

    /// <summary>The algorithm forced by <c>Pipeline:Backend:ConvAlgorithm</c> where it fits, or null for the measured choice.</summary>
    private readonly ConvAlgorithm? _forced;

    /// <summary>The choices of a tuning log for this target (<see cref="ConvTuning"/>), or null for the built-in table alone.</summary>
    private readonly IReadOnlyDictionary<ConvShape, ConvAlgorithm>? _tuned;

    public ConvKernel(ConvAlgorithm? forced = null, IReadOnlyDictionary<ConvShape, ConvAlgorithm>? tuned = null)
    {
        _forced = forced;
        _tuned = tuned;
    }

    private ConvAlgorithm Choose(ConvGeometry g) => ConvAlgorithms.Choose(g, _forced, _tuned);

    /// <summary>The algorithm of a 2-D conv (direct, a Winograd variant, or depthwise) and what chose it; 3-D convs have no choice.</summary>
    public (string Algorithm, string ChosenBy)? Choice(Node node, Graph graph)
    {
        if (IsDirect(node, graph))
        {
            return null;
        }
        if (IsDepthwise(node, graph))
        {
            return ("depthwise", ConvChoice.Default);
        }
        var choice = ConvAlgorithms.Decide(ConvGeometry.Describe(node, graph), _forced, _tuned);
        return (ConvAlgorithms.Name(choice.Algorithm), choice.ChosenBy);
    }

    private static bool IsDirect(Node node, Graph graph) => graph.TypeOf(node.Inputs[0]).Shape.Rank == 5;

    public string? CheckSupported(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32)
        {
            return "only float32 convolution is lowered";
        }
        if (x.Shape.Rank == 5)
        {
            return Direct.CheckSupported(node, graph);
        }
        if (x.Shape.Rank is not (3 or 4))
        {
            return $"only 1-D, 2-D and 3-D convolution is lowered (input {x.Shape})";
        }
        if (!graph.IsConstant(node.Inputs[1]))
        {
            // A QDQ model's Conv keeps its DequantizeLinear weights for the fuse-qdq pass (the importer leaves them so).
            return graph.Producers().TryGetValue(node.Inputs[1], out var producer) && producer.Op == "DequantizeLinear"
                ? "weights must be constant (they are packed at compile time); these come from a DequantizeLinear: put the fuse-qdq pass first in the pass list (it is in the default pipeline)"
                : "weights must be constant (they are packed at compile time)";
        }
        return Activation.Check(node);
    }

    /// <summary>The direct 2-D kernel packs the weights at compile time; the Winograd kernels transform them at run time.</summary>
    public IReadOnlyList<int> CompileTimeInputs(Node node, Graph graph)
        => IsDirect(node, graph) || Choose(ConvGeometry.Describe(node, graph)) != ConvAlgorithm.Direct ? [] : [1];

    private static bool IsDepthwise(Node node, Graph graph) => !IsDirect(node, graph) && DepthwiseConvKernel.Applies(node, graph);

    public long ScratchBytes(Node node, Graph graph)
    {
        if (IsDirect(node, graph))
        {
            return 0;
        }
        if (IsDepthwise(node, graph))
        {
            return DepthwiseConvKernel.ScratchBytes(node, graph);
        }
        var g = ConvGeometry.Describe(node, graph);
        if (Choose(g) is not ConvAlgorithm.Direct and var winograd)
        {
            return WinogradConvKernel.ScratchBytes(g, winograd);
        }
        return ((ReadsInputDirectly(g) ? 0 : AlignedFloats(g.InputScratchFloats)) + g.OutputScratchFloats) * 4;
    }

    /// <summary>
    /// Whether the direct kernel reads its input tensor in place instead of a phase-split copy: a 1×1 convolution with
    /// stride 1 and no padding, whose "phase-split" layout is the NCHW input itself, when its planes are whole vectors
    /// (so the last tile reads nothing past a channel). ResNet50 has 35 such layers; the copy wrote each one's whole
    /// input (up to 3.2 MB) once more and took a phase and a barrier of its own.
    /// </summary>
    private static bool ReadsInputDirectly(ConvGeometry g)
        => g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.CopyFillsChannel && g.VirtualPixels % 4 == 0;

    /// <summary>The Winograd kernels' transformed weights (a zero-initialised global, filled on the first run).</summary>
    public long StaticBytes(Node node, Graph graph)
    {
        if (IsDirect(node, graph) || IsDepthwise(node, graph))
        {
            return 0;
        }
        var g = ConvGeometry.Describe(node, graph);
        return Choose(g) is not ConvAlgorithm.Direct and var winograd ? WinogradConvKernel.StaticBytes(g, winograd) : 0;
    }

    private static long AlignedFloats(long floats) => (floats + 15) / 16 * 16;

    /// <summary>Weights re-laid out as [group][block][c][tap][MR], zero-filled past the group's last channel.</summary>
    private static float[] PackWeights(ConvGeometry g, float[] w)
    {
        long k = g.ChannelsPerGroup * g.Taps;
        var packed = new float[g.Group * g.Blocks * k * g.MR];
        for (long grp = 0; grp < g.Group; grp++)
        {
            for (long m = 0; m < g.OutputsPerGroup; m++)
            {
                long block = m / g.MR, lane = m % g.MR;
                long source = (grp * g.OutputsPerGroup + m) * k;
                long target = (grp * g.Blocks + block) * k * g.MR + lane;
                for (long i = 0; i < k; i++)
                {
                    packed[target + i * g.MR] = w[source + i];
                }
            }
        }
        return packed;
    }

    public void Emit(KernelContext k)
    {
        if (IsDirect(k.Node, k.Graph))
        {
            Direct.Emit(k);
            return;
        }
        if (IsDepthwise(k.Node, k.Graph))
        {
            DepthwiseConvKernel.Emit(k);
            return;
        }
        var e = k.E;
        var g = ConvGeometry.Describe(k.Node, k.Graph);
        if (Choose(g) is not ConvAlgorithm.Direct and var winograd)
        {
            WinogradConvKernel.Emit(k, g, winograd);
            return;
        }
        var weights = k.EmbedFloats(PackWeights(g, k.ConstantInput(1)!.ToFloatArray()));
        if (ReadsInputDirectly(g))
        {
            var output = k.Scratch!.Value;
            k.ForEachImage(g.N, n =>
            {
                Tiles(k, g, weights, k.Input(0), output, e.Mul(n, g.C * g.H * g.W));
                e.WorkerBarrier();
                Epilogue(k, g, n, output);
                if (g.N > 1)
                {
                    e.WorkerBarrier(); // the next image's tiles overwrite the output scratch this epilogue reads
                }
            });
            return;
        }
        var scratchIn = k.Scratch!.Value;
        var scratchOut = e.B.Gep(e.Ctx.F32, scratchIn, e.I(AlignedFloats(g.InputScratchFloats)));

        // With threads, each phase is split over the workers (channels, then (block, tile) pairs in the order Tiles
        // chooses, then output channels), with a barrier where the next phase reads what the previous wrote (WorkSplit).
        k.ForEachImage(g.N, n => // to the run-time batch extent where the batch follows one
        {
            var imageBase = e.Mul(n, g.C * g.H * g.W);
            e.ParallelFor(0, g.C, 1, c => g.ZeroAndCopyChannel(k, imageBase, c, scratchIn, g.InputScratchFloats));
            e.WorkerBarrier();
            Tiles(k, g, weights, scratchIn, scratchOut, e.I(0));
            e.WorkerBarrier();
            Epilogue(k, g, n, scratchOut);
        });
    }

    /// <summary>
    /// Whether <see cref="Tiles"/> goes pixel-major: when the input scratch is larger than both the packed weights and
    /// the output scratch (a convolution that reduces channels, e.g. ResNet's 1×1 256 → 64 on 56×56). Where the output
    /// is the larger (the stem, 1×1 64 → 256), pixel-major measured 1.13–1.25× slower on one worker than block-major:
    /// each chunk then writes a few tiles into every one of many output rows (hundreds of pages), where block-major
    /// streams one block's rows at a time.
    /// </summary>
    private static bool PixelMajor(ConvGeometry g)
    {
        long weightFloats = g.Group * g.Blocks * g.ChannelsPerGroup * g.Taps * g.MR;
        return g.VirtualPixels / g.NR >= 2 && g.InputScratchFloats > weightFloats && g.InputScratchFloats > g.OutputScratchFloats;
    }

    /// <summary>Pixel tiles per chunk of <see cref="Tiles"/>' pixel-major order, at most: a chunk's input stays in L1/L2 across the blocks.</summary>
    private const long TilesPerChunk = 8;

    /// <summary>
    /// Every (output-channel block, pixel tile) of the image into the output scratch, in one of two orders, each
    /// split over the workers as one loop:
    /// <list type="bullet">
    /// <item>block-major (for each block, every tile): each worker then reads its share of the weights and the whole
    /// input (ResNet's last stage, 7×7 planes of 512–2048 channels; convolutions that widen the channels);</item>
    /// <item>pixel-major (for each chunk of <see cref="TilesPerChunk"/> tiles, every block) where <see cref="PixelMajor"/>:
    /// each worker then reads its share of the pixels and all the (smaller) weights, and a chunk's input is reused by
    /// every block while it is in cache. Split block-major, each of two workers read the whole input of a 1×1
    /// convolution of 256 channels on 56×56 (3.2 MB, with the other half in the other core's cache), and such
    /// kernels took 1.18–1.33× the CPU time of one worker (docs/performance.md, "Pixel-major direct convolution").</item>
    /// </list>
    /// Either way each tile is computed by the same code, so the results do not depend on the order or the workers.
    /// </summary>
    /// <param name="input">The phase-split input scratch, or the input tensor itself (<see cref="ReadsInputDirectly"/>).</param>
    /// <param name="imageBase">The image's first float in <paramref name="input"/>: 0 in the scratch, n·C·H·W in the tensor.</param>
    private static void Tiles(KernelContext k, ConvGeometry g, LValue weights, LValue input, LValue scratchOut, LValue imageBase)
    {
        var e = k.E;
        long groupBlocks = g.Group * g.Blocks;
        // Full tiles, then one narrower tile for the rest, so small planes (7×7 in ResNet's last stage) do not
        // compute a mostly empty final tile.
        long fullTiles = g.VirtualPixels / g.NR;
        long rest = g.VirtualPixels - fullTiles * g.NR;
        void Block(LValue groupBlock, Action<Action<LValue>, Action> tiles)
        {
            var grp = e.B.Binary(BinaryOp.UDiv, groupBlock, e.I(g.Blocks));
            var block = e.B.Binary(BinaryOp.URem, groupBlock, e.I(g.Blocks));
            var weightBase = e.Mul(e.Add(e.Mul(grp, g.Blocks), block), g.ChannelsPerGroup * g.Taps * g.MR);
            var inputBase = e.Add(imageBase, e.Mul(grp, g.ChannelsPerGroup * g.ChannelStride));
            var outBase = e.Mul(e.Add(e.Mul(grp, g.Blocks), block), g.MR * g.PaddedPixels);
            tiles(tile => MicroKernel(k, g, (int)g.Vectors, weights, input, scratchOut, weightBase, inputBase, outBase, e.Mul(tile, g.NR)),
                  () => MicroKernel(k, g, (int)((rest + 3) / 4), weights, input, scratchOut, weightBase, inputBase, outBase, e.I(fullTiles * g.NR)));
        }

        if (!PixelMajor(g))
        {
            e.ParallelFor(0, groupBlocks, 1, groupBlock => Block(groupBlock, (tile, restTile) =>
            {
                e.For(fullTiles, tile);
                if (rest > 0)
                {
                    restTile();
                }
            }));
            return;
        }
        // Chunks of whole tiles, and the narrow rest tile (if any) as a last chunk of its own.
        long tilesPerChunk = Math.Min(TilesPerChunk, fullTiles);
        long fullChunks = (fullTiles + tilesPerChunk - 1) / tilesPerChunk;
        long chunks = fullChunks + (rest > 0 ? 1 : 0);
        e.ParallelFor(0, chunks * groupBlocks, 1, index =>
        {
            var chunk = e.B.Binary(BinaryOp.UDiv, index, e.I(groupBlocks));
            Block(e.B.Binary(BinaryOp.URem, index, e.I(groupBlocks)), (tile, restTile) =>
            {
                var first = e.Mul(chunk, tilesPerChunk);
                var end = e.Add(first, tilesPerChunk);
                end = e.B.Select(e.B.ICmp(IntPredicate.Ult, end, e.I(fullTiles)), end, e.I(fullTiles));
                if (rest > 0)
                {
                    e.If(e.B.ICmp(IntPredicate.Eq, chunk, e.I(fullChunks)), restTile);
                    end = e.B.Select(e.B.ICmp(IntPredicate.Eq, chunk, e.I(fullChunks)), first, end); // the rest chunk has no full tile
                }
                e.ForRuntime(first, end, tile);
            });
        });
    }

    /// <summary>One MR × NR tile: accumulate over the group's channels and all taps, then store to the output scratch.</summary>
    private static void MicroKernel(KernelContext k, ConvGeometry g, int vectors, LValue weights, LValue scratchIn, LValue scratchOut,
                                    LValue weightBase, LValue inputBase, LValue outBase, LValue pixel)
    {
        var e = k.E;
        int mr = (int)g.MR;
        bool fullTile = mr == ConvGeometry.TileChannels;
        var zero = Enumerable.Repeat(e.ZeroF32x4(), mr * vectors).ToArray();
        var tileInput = e.Add(inputBase, pixel);
        // Kernel rows are a run-time loop and only the columns of one row are unrolled: each accumulator then gets
        // KW multiply-adds per iteration, so the 12 dependency chains stay interleaved in the emitted code instead
        // of being laid out one after another (which starves the FMA pipes when the chains are long).
        var rowOffsets = k.EmbedInts(Enumerable.Range(0, (int)g.KH).Select(kh => (int)g.RowOffset(kh)).ToArray());
        LValue[] OneChannel(LValue c, LValue[] channelAcc)
        {
            var channelInput = e.Add(tileInput, e.Mul(c, g.ChannelStride));
            var channelWeights = e.Add(weightBase, e.Mul(c, g.Taps * g.MR));
            return e.FoldMany(0, g.KH, 1, channelAcc, (kh, acc) =>
            {
                var rowInput = g.KH == 1 ? channelInput : e.Add(channelInput, e.Load(e.Ctx.I32, 4, rowOffsets, kh));
                var rowWeights = e.Add(channelWeights, e.Mul(kh, g.KW * g.MR));
                var next = acc.ToArray();
                for (long kw = 0; kw < g.KW; kw++)
                {
                    long at = g.ColumnOffset(kw);
                    var x = Enumerable.Range(0, vectors).Select(v => e.LoadF32x4(scratchIn, rowInput, at + v * 4)).ToArray();
                    // A full tile's MR = 4 weights of this tap are one vector: load it once and broadcast its lanes.
                    var tapWeights = fullTile ? e.LoadF32x4(weights, rowWeights, kw * g.MR) : default;
                    for (int r = 0; r < mr; r++)
                    {
                        var w = fullTile ? e.BroadcastLane(tapWeights, r) : e.SplatF32x4(e.LoadF32(weights, rowWeights, kw * g.MR + r));
                        for (int v = 0; v < vectors; v++)
                        {
                            next[r * vectors + v] = e.MulAddF32x4(w, x[v], next[r * vectors + v]);
                        }
                    }
                }
                return next;
            });
        }
        // A 1×1 kernel has one tap per channel: two channels per iteration give each accumulator two multiply-adds
        // between loop back-edges, where Cranelift moves every accumulator back into its loop register (4.5 → 3.4
        // x86 instructions per multiply-add; four channels per iteration spill).
        int unroll = g.Taps == 1 ? 2 : 1;
        long unrolled = g.ChannelsPerGroup / unroll * unroll;
        var sums = e.FoldMany(0, unrolled, unroll, zero, (c, acc) =>
        {
            for (int u = 0; u < unroll; u++)
            {
                acc = OneChannel(e.Add(c, u), acc);
            }
            return acc;
        });
        for (long c = unrolled; c < g.ChannelsPerGroup; c++)
        {
            sums = OneChannel(e.I(c), sums);
        }
        for (int r = 0; r < mr; r++)
        {
            var row = e.Add(outBase, pixel);
            for (int v = 0; v < vectors; v++)
            {
                e.StoreF32x4(sums[r * vectors + v], scratchOut, row, r * g.PaddedPixels + v * 4);
            }
        }
    }

    /// <summary>Bias, residual, activation and the real columns of each virtual row, into the NCHW output.</summary>
    private static void Epilogue(KernelContext k, ConvGeometry g, LValue n, LValue scratchOut)
    {
        var e = k.E;
        e.ParallelFor(0, g.M, 1, m =>
        {
            var grp = e.B.Binary(BinaryOp.SDiv, m, e.I(g.OutputsPerGroup));
            var local = e.B.Binary(BinaryOp.SRem, m, e.I(g.OutputsPerGroup));
            var block = e.B.Binary(BinaryOp.SDiv, local, e.I(g.MR));
            var lane = e.B.Binary(BinaryOp.SRem, local, e.I(g.MR));
            var source = e.Add(e.Mul(e.Add(e.Mul(grp, g.Blocks), block), g.MR * g.PaddedPixels), e.Mul(lane, g.PaddedPixels));
            var target = e.Add(e.Mul(n, g.M * g.OH * g.OW), e.Mul(m, g.OH * g.OW));
            var bias = k.HasInput(2) ? e.LoadF32(k.Input(2), m) : e.F(0);
            g.StorePlane(k, scratchOut, source, g.PhaseWidth, target, bias);
        });
    }
}
