using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Depthwise 1-D/2-D convolution (group = input channels = output channels), as in MobileNet's and BlazeFace's
/// separable blocks. <see cref="ConvKernel"/> blocks over output channels, which a depthwise conv does not have: each
/// output channel reads one input channel, so its tile degenerates to one channel and every multiply-add needs its own
/// vector load. This kernel instead works one channel at a time:
/// 1. the channel is copied into a small zero-bordered, phase-split scratch plane (<see cref="ConvGeometry"/>), which
///    stays in L1 while it is used KH·KW times;
/// 2. the channel's KH·KW weights are splatted into registers once, outside the pixel loops;
/// 3. a register tile covers <see cref="TileRows"/> output rows × up to 2 four-pixel vectors, and the loads of the tile
///    are shared: output rows r and r+1 read the same input row at taps kh+1 and kh (stride 1), so a 2-row tile of a
///    3×3 conv issues 4·3 loads per vector column for 2·9 multiply-adds instead of 9 for 9;
/// 4. the epilogue adds bias and residual, applies the fused activation on vectors and writes the real columns.
/// </summary>
internal sealed class DepthwiseConvKernel
{
    /// <summary>Output rows per register tile.</summary>
    private const int TileRows = 2;

    /// <summary>Up to this many taps, the splatted weights stay in registers for the whole channel.</summary>
    private const long HoistedTaps = 9;

    /// <summary>True for a 1-D/2-D float convolution with one output channel per input channel and constant weights.</summary>
    public static bool Applies(Node node, Graph graph)
    {
        var x = graph.TypeOf(node.Inputs[0]);
        if (x.ElementType != DataType.Float32 || x.Shape.Rank is not (3 or 4) || !graph.IsConstant(node.Inputs[1]))
        {
            return false;
        }
        var g = ConvGeometry.Describe(node, graph);
        return g.Group > 1 && g.Group == g.C && g.M == g.C;
    }

    /// <summary>Four-pixel vectors per tile row: the choice of 1 or 2 that pads the output row the least.</summary>
    private static int Vectors(ConvGeometry g) => Padded(g.OW, 2) <= Padded(g.OW, 1) ? 2 : 1;

    private static long Padded(long width, int vectors) => (width + 4 * vectors - 1) / (4 * vectors) * (4 * vectors);

    /// <summary>Output scratch row stride: the row width rounded up to whole tiles.</summary>
    private static long OutputRow(ConvGeometry g) => Padded(g.OW, Vectors(g));

    /// <summary>One phase-split channel plus room for the discarded columns of the last tile to read.</summary>
    private static long InputFloats(ConvGeometry g) => (g.ChannelStride + g.TapOffset(g.KH - 1, g.KW - 1) + OutputRow(g) + 15) / 16 * 16;

    public static long ScratchBytes(Node node, Graph graph)
    {
        var g = ConvGeometry.Describe(node, graph);
        return (InputFloats(g) + g.OH * OutputRow(g)) * 4;
    }

    public static void Emit(KernelContext k)
    {
        var e = k.E;
        var g = ConvGeometry.Describe(k.Node, k.Graph);
        var weights = k.EmbedFloats(k.ConstantInput(1)!.ToFloatArray()); // [c][1][kh][kw] is already [c][tap]
        // With threads each worker works in its own copy of the scratch (the planes split over the workers).
        var scratchIn = e.Threads is { } threads ? threads.WorkerScratch(ScratchBytes(k.Node, k.Graph)) : k.Scratch!.Value;
        var scratchOut = e.B.Gep(e.Ctx.F32, scratchIn, e.I(InputFloats(g)));
        int vectors = Vectors(g);
        long outputRow = OutputRow(g);
        long tilesPerRow = outputRow / (4 * vectors);

        e.ZeroBytes(scratchIn, InputFloats(g) * 4); // borders and slack stay zero for every channel
        e.ParallelFor(0, g.N * g.C, 1, plane =>
        {
            g.CopyChannelIntoPhases(k, e.Mul(plane, g.H * g.W), scratchIn, e.I(0));
            var channel = e.B.Binary(BinaryOp.SRem, plane, e.I(g.C));
            var channelWeights = e.Mul(channel, g.Taps);
            var splats = g.Taps <= HoistedTaps
                ? Enumerable.Range(0, (int)g.Taps).Select(t => e.SplatF32x4(e.LoadF32(weights, channelWeights, t))).ToArray()
                : null;
            LValue Weight(long tap) => splats?[tap] ?? e.SplatF32x4(e.LoadF32(weights, channelWeights, tap));

            void Rows(LValue firstRow, int rows) => e.For(tilesPerRow, tile =>
            {
                var column = e.Mul(tile, 4 * vectors);
                var input = e.Add(e.Mul(firstRow, g.PhaseWidth), column);
                var output = e.Add(e.Mul(firstRow, outputRow), column);
                Tile(k, g, Weight, scratchIn, scratchOut, input, output, rows, vectors, outputRow);
            });

            long fullGroups = g.OH / TileRows;
            e.For(fullGroups, group => Rows(e.Mul(group, TileRows), TileRows));
            if (g.OH % TileRows != 0)
            {
                Rows(e.I(fullGroups * TileRows), (int)(g.OH % TileRows));
            }
            var bias = k.HasInput(2) ? e.LoadF32(k.Input(2), channel) : e.F(0);
            g.StorePlane(k, scratchOut, e.I(0), outputRow, e.Mul(plane, g.OH * g.OW), bias);
        });
    }

    /// <summary>
    /// One tile of <paramref name="rows"/> × <paramref name="vectors"/> accumulators. Every (row, tap, vector) reads the
    /// scratch at a constant offset from <paramref name="input"/>; equal offsets are loaded once, in increasing
    /// order, and each load feeds all the accumulators that need it right away, so it dies immediately.
    /// </summary>
    private static void Tile(KernelContext k, ConvGeometry g, Func<long, LValue> weight, LValue scratchIn, LValue scratchOut,
                             LValue input, LValue output, int rows, int vectors, long outputRow)
    {
        var e = k.E;
        var uses = new SortedDictionary<long, List<(int Accumulator, long Tap)>>();
        for (int r = 0; r < rows; r++)
        {
            for (long kh = 0; kh < g.KH; kh++)
            {
                for (long kw = 0; kw < g.KW; kw++)
                {
                    for (int v = 0; v < vectors; v++)
                    {
                        long offset = r * g.PhaseWidth + g.TapOffset(kh, kw) + 4 * v;
                        if (!uses.TryGetValue(offset, out var list))
                        {
                            uses[offset] = list = [];
                        }
                        list.Add((r * vectors + v, kh * g.KW + kw));
                    }
                }
            }
        }
        var acc = Enumerable.Repeat(e.ZeroF32x4(), rows * vectors).ToArray();
        foreach (var (offset, consumers) in uses)
        {
            var x = e.LoadF32x4(scratchIn, input, offset);
            foreach (var (accumulator, tap) in consumers)
            {
                acc[accumulator] = e.MulAddF32x4(weight(tap), x, acc[accumulator]);
            }
        }
        for (int r = 0; r < rows; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                e.StoreF32x4(acc[r * vectors + v], scratchOut, output, r * outputRow + 4 * v);
            }
        }
    }
}
