using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// A 3×3, stride-1 convolution by Winograd's F(m×m, 3×3) (<see cref="WinogradTransform"/>), chosen per conv by
/// <see cref="ConvAlgorithms"/>; <see cref="ConvKernel"/> dispatches here. Per image:
/// 1. The input is copied into a zero-bordered image (as for the direct kernel), so every tile reads inside it.
/// 2. The output is cut into m×m tiles; a tile past the right or bottom edge is shifted inward to end at the edge (it
///    recomputes a few outputs instead of needing masked stores), so the conv needs OH, OW ≥ m. The tiles of the
///    image, in row-major order, are taken in blocks of <see cref="WinogradPlan.BlockTiles"/> (a multiple of 8) whose
///    transformed data stays in L2; each block runs three steps:
///    a. input transform, four tiles per f32x4: each lane loads its own tile's rows (any tile, also across a row end),
///       a 4×4 lane transpose gives one vector per tile column, Bᵀ·d·B runs on those vectors, and the α² results go to
///       V[ξ][c][tile] (ξ = tile element);
///    b. α² independent products M[ξ] = U[ξ]·V[ξ] by the direct kernel's register tile: 4 output channels × 8 tiles
///       in 8 accumulators, one vector load of the 4 channels' weights broadcast lane by lane, two input channels per
///       loop iteration (the 1×1 conv's loop shape, 3.4 x86 instructions per multiply-add: docs/performance.md);
///    c. output transform Aᵀ·M·A, four tiles per vector, then the bias, a transpose back to rows of each tile, the
///       fused residual and activation, and the store to NCHW.
/// The weights are transformed and packed as U[ξ][output block of 4][c][4] on the module instance's first run, into a
/// zero-initialised global (no bytes in the module): stored at compile time, they made the modules up to 2× their
/// weight bytes (the transformed filters are α²/9 the size: the ResNet18 featurizer 63.6 → 128.7 MB), and loading
/// took 2–3× longer.
/// </summary>
internal static class WinogradConvKernel
{
    public static long ScratchBytes(ConvGeometry g, ConvAlgorithm algorithm) => new WinogradPlan(g, WinogradTransform.For(algorithm)).ScratchBytes;

    /// <summary>The transformed weights' global (see <see cref="TransformedWeights"/>).</summary>
    public static long StaticBytes(ConvGeometry g, ConvAlgorithm algorithm) => new WinogradPlan(g, WinogradTransform.For(algorithm)).WeightFloats * 4;

    public static void Emit(KernelContext k, ConvGeometry g, ConvAlgorithm algorithm)
    {
        var e = k.E;
        var p = new WinogradPlan(g, WinogradTransform.For(algorithm));
        var weights = TransformedWeights(k, p);
        var inputOffsets = k.EmbedInts(p.TileOffsets(input: true));
        var outputOffsets = k.EmbedInts(p.TileOffsets(input: false));
        var padded = k.Scratch!.Value;
        var v = e.B.Gep(e.Ctx.F32, padded, e.I(p.InputFloats));
        var products = e.B.Gep(e.Ctx.F32, v, e.I(p.TransformedFloats));

        // With threads, each step is split over the workers (input channels, (ξ, output block) pairs, output
        // channels), with a barrier where a step reads what the one before wrote: the output transform of one block
        // and the input transform of the next write different buffers, so they need none (WorkSplit).
        k.ForEachImage(g.N, n => // to the run-time batch extent where the batch follows one
        {
            var imageBase = e.Mul(n, g.C * g.H * g.W);
            e.ParallelFor(0, g.C, 1, c => g.ZeroAndCopyChannel(k, imageBase, c, padded, p.InputFloats)); // stride 1: a channel is one plane
            e.WorkerBarrier();
            e.For(p.Blocks, block =>
            {
                var firstTile = e.Mul(block, p.BlockTiles);
                InputTransform(k, p, padded, inputOffsets, v, firstTile); // each ends with a barrier
                Products(k, p, weights, v, products);
                OutputTransform(k, p, products, outputOffsets, firstTile, n);
            });
        });
    }

    /// <summary>
    /// The transformed weights U[ξ][output block][c][4] = (G·g·Gᵀ)[ξ]: a zero-initialised global (bss: memory, not
    /// module bytes) filled from input 1 when its ready flag is still 0, i.e. once per instance. Costs one pass over the
    /// weights on the first run: a block's 4 output channels are one vector (each tap gathered from the 4 filters), so
    /// each of the α² elements is one vector combination of the 9 taps (zero coefficients skipped) and one aligned
    /// store; output channels past the last whole block (M % 4 of them) go lane by lane, the rest of their vector
    /// staying zero.
    /// </summary>
    private static LValue TransformedWeights(KernelContext k, WinogradPlan p)
    {
        var e = k.E;
        var ctx = e.Ctx;
        var g = p.Geometry;
        var type = ctx.Array(ctx.F32, p.WeightFloats);
        var u = e.Module.AddGlobal("wg_winograd_weights", type, ctx.Null(type), isConstant: false, Linkage.Internal, 16);
        var ready = e.Module.AddGlobal("wg_winograd_ready", ctx.I32, ctx.Int(ctx.I32, 0), isConstant: false, Linkage.Internal, 4);
        var matrix = p.Transform.FilterMatrix();
        long elementStride = p.OutputBlocks * g.C * 4; // floats between U[ξ] and U[ξ + 1]
        LValue Filter(LValue m, LValue c) => e.Mul(e.Add(e.Mul(m, g.C), c), 9);
        // With threads every worker reads the flag before any can set it (worker 0 sets it after the barrier that
        // ends the transform, which all of them reach), so they agree on whether to transform, and split it.
        e.If(e.B.ICmp(IntPredicate.Eq, e.B.Load(ctx.I32, ready, 4), e.I(0)), () =>
        {
            e.ParallelFor(0, g.M / 4, 1, block => e.For(g.C, c =>
            {
                var filters = Enumerable.Range(0, 4).Select(lane => Filter(e.Add(e.Mul(block, 4), lane), c)).ToArray();
                var taps = Enumerable.Range(0, 9).Select(tap =>
                {
                    var vector = ctx.Poison(ctx.F32x4);
                    for (int lane = 0; lane < 4; lane++)
                    {
                        vector = e.B.InsertElement(vector, e.LoadF32(k.Input(1), filters[lane], tap), e.I(lane));
                    }
                    return vector;
                }).ToArray();
                var at = e.Mul(e.Add(e.Mul(block, g.C), c), 4);
                for (int xi = 0; xi < p.Elements; xi++)
                {
                    e.StoreF32x4(WinogradTransform.Combine(e, matrix, xi, tap => taps[tap]), u, at, xi * elementStride);
                }
            }));
            e.ParallelFor(g.M / 4 * 4, g.M, 1, m => e.For(g.C, c =>
            {
                var filter = Filter(m, c);
                var taps = Enumerable.Range(0, 9).Select(tap => e.LoadF32(k.Input(1), filter, tap)).ToArray();
                var at = e.Add(e.Mul(e.Add(e.Mul(e.I(g.M / 4), g.C), c), 4), e.Sub(m, e.I(g.M / 4 * 4)));
                for (int xi = 0; xi < p.Elements; xi++)
                {
                    e.StoreF32(WinogradTransform.Combine(e, matrix, xi, tap => taps[tap]), u, e.Add(at, xi * elementStride));
                }
            }));
            e.WorkerBarrier();
            e.OnOneWorker(() => e.B.Store(e.I(1), ready, 4));
        });
        return u;
    }

    /// <summary>V[ξ][c][tile] = (Bᵀ·d·B)[ξ] for every input channel and tile of the block; then a barrier.</summary>
    private static void InputTransform(KernelContext k, WinogradPlan p, LValue padded, LValue offsets, LValue v, LValue firstTile)
    {
        var e = k.E;
        var g = p.Geometry;
        int alpha = p.Transform.Alpha, loadsPerRow = (alpha + 3) / 4;
        e.ParallelForThenBarrier(0, g.C, 1, c => e.For(p.BlockTiles / 4, quad =>
        {
            var channel = e.Mul(c, g.PhasePlane);
            var tile = e.Add(firstTile, e.Mul(quad, 4));
            var corners = Enumerable.Range(0, 4).Select(t => e.Add(channel, e.Load(e.Ctx.I32, 4, offsets, e.Add(tile, t)))).ToArray();
            var d = new LValue[alpha * alpha];
            for (int r = 0; r < alpha; r++)
            {
                var rows = corners.Select(corner => Enumerable.Range(0, loadsPerRow)
                                  .Select(h => e.LoadF32x4(padded, corner, r * g.PhaseWidth + h * 4)).ToArray()).ToArray();
                for (int j = 0; j < alpha; j++)
                {
                    d[r * alpha + j] = WinogradTransform.Transpose(e, rows.Select(row => row[j / 4]).ToArray(), j % 4);
                }
            }
            var transformed = WinogradTransform.Apply2d(e, p.Transform.BT, d);
            var at = e.Add(e.Mul(c, p.BlockTiles), e.Mul(quad, 4));
            for (int xi = 0; xi < transformed.Length; xi++)
            {
                e.StoreF32x4(transformed[xi], v, at, xi * g.C * p.BlockTiles);
            }
        }));
    }

    /// <summary>M[ξ][m][tile] = Σ_c U[ξ][m][c]·V[ξ][c][tile], in register tiles of 4 output channels × 8 tiles; then a barrier.</summary>
    private static void Products(KernelContext k, WinogradPlan p, LValue weights, LValue v, LValue products)
    {
        var e = k.E;
        var g = p.Geometry;
        long t = p.BlockTiles;
        e.ParallelForThenBarrier(0, p.Elements * p.OutputBlocks, 1, pair =>
        {
            var xi = e.B.Binary(BinaryOp.UDiv, pair, e.I(p.OutputBlocks));
            var ob = e.B.Binary(BinaryOp.URem, pair, e.I(p.OutputBlocks));
            var weightBase = e.Mul(e.Add(e.Mul(xi, p.OutputBlocks), ob), g.C * 4);
            var inputBase = e.Mul(xi, g.C * t);
            var outputBase = e.Mul(e.Add(e.Mul(xi, p.PaddedOutputs), e.Mul(ob, 4)), t);
            e.For(t / 8, chunk =>
            {
                var column = e.Mul(chunk, 8);
                var columnBase = e.Add(inputBase, column);
                LValue[] Channel(LValue c, LValue[] acc)
                {
                    var w = e.LoadF32x4(weights, e.Add(weightBase, e.Mul(c, 4)));
                    var row = e.Add(columnBase, e.Mul(c, t));
                    var x0 = e.LoadF32x4(v, row, 0);
                    var x1 = e.LoadF32x4(v, row, 4);
                    var next = new LValue[8];
                    for (int r = 0; r < 4; r++)
                    {
                        var wr = e.BroadcastLane(w, r);
                        next[r * 2] = e.MulAddF32x4(wr, x0, acc[r * 2]);
                        next[r * 2 + 1] = e.MulAddF32x4(wr, x1, acc[r * 2 + 1]);
                    }
                    return next;
                }
                // Two channels per iteration, as in the direct kernel's 1×1 loop: each accumulator gets two
                // multiply-adds between the back-edge moves Cranelift makes.
                var zero = Enumerable.Repeat(e.ZeroF32x4(), 8).ToArray();
                var sums = e.FoldMany(0, g.C / 2 * 2, 2, zero, (c, acc) => Channel(e.Add(c, 1), Channel(c, acc)));
                if (g.C % 2 != 0)
                {
                    sums = Channel(e.I(g.C - 1), sums);
                }
                var target = e.Add(outputBase, column);
                for (int r = 0; r < 4; r++)
                {
                    e.StoreF32x4(sums[r * 2], products, target, r * t);
                    e.StoreF32x4(sums[r * 2 + 1], products, target, r * t + 4);
                }
            });
        });
    }

    /// <summary>Y = Aᵀ·M·A + bias per output channel and tile, then the residual and activation, stored to NCHW.</summary>
    private static void OutputTransform(KernelContext k, WinogradPlan p, LValue products, LValue offsets, LValue firstTile, LValue n)
    {
        var e = k.E;
        var g = p.Geometry;
        int m = p.Transform.M;
        var epilogue = new ConvEpilogue(k);
        e.ParallelFor(0, g.M, 1, channel =>
        {
            var bias = k.HasInput(2) ? e.SplatF32x4(e.LoadF32(k.Input(2), channel)) : (LValue?)null;
            var plane = e.Mul(e.Add(e.Mul(n, g.M), channel), g.OH * g.OW);
            e.For(p.BlockTiles / 4, quad =>
            {
                var at = e.Add(e.Mul(channel, p.BlockTiles), e.Mul(quad, 4));
                var x = Enumerable.Range(0, p.Elements).Select(xi => e.LoadF32x4(products, at, xi * p.PaddedOutputs * p.BlockTiles)).ToArray();
                var y = WinogradTransform.Apply2d(e, p.Transform.AT, x);
                if (bias is { } b)
                {
                    y = y.Select(value => e.FAdd(value, b)).ToArray();
                }
                var tile = e.Add(firstTile, e.Mul(quad, 4));
                for (int lane = 0; lane < 4; lane++)
                {
                    var corner = e.Add(plane, e.Load(e.Ctx.I32, 4, offsets, e.Add(tile, lane)));
                    for (int r = 0; r < m; r++)
                    {
                        var row = e.Add(corner, r * g.OW);
                        for (int j = 0; j + 4 <= m; j += 4)
                        {
                            var run = WinogradTransform.Transpose(e, y.Skip(r * m + j).Take(4).ToArray(), lane);
                            epilogue.Store(run, row, j);
                        }
                        for (int j = m / 4 * 4; j < m; j++)
                        {
                            epilogue.Store(e.B.ExtractElement(y[r * m + j], e.I(lane)), row, j);
                        }
                    }
                }
            });
        });
    }
}
