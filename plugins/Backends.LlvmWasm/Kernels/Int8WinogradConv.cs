using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;
using In = WasmGraph.Abstractions.Ops.QuantizedOps.Input;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// A 3×3, stride-1 int8 convolution by Winograd's F(2×2, 3×3) in exact integer arithmetic: bit-identical to
/// <see cref="Int8DirectConv"/> and to ONNX Runtime's QLinearConv, with 16 multiply-adds per 4 outputs and input
/// channel instead of 36 (2.25× fewer). <see cref="QuantizedGemmKernel"/> dispatches here on the int16-dot path.
/// Per image:
/// <list type="number">
/// <item>The image is packed into scratch as [C/2][row][column] of int32, each int32 two channels' activations
/// x ∈ [0, 255] as int16 (int8 activations enter as x + 128), padding and absent channels = the input zero point, as in
/// <see cref="Int8DirectConv"/>: the product computes Σ w′·x over each 3×3 window, and the plan's per-channel offset
/// (−x₀·Σw′ and the bias) finishes it. Rows and columns reach whole blocks of 2×2 tiles (tile columns a multiple of 4).</item>
/// <item>The tiles are taken in blocks of whole tile rows whose transformed input and products stay in L2
/// (<see cref="BlockBudgetBytes"/>); each block runs three steps:
/// a. input transform V = Bᵀ·d·B (entries of B: 0, ±1) per channel pair and 4 tiles of a row: each patch column of the
///    4 tiles is one i16x8 (4 tiles × the pair), gathered from two row loads by an even/odd lane shuffle, and the
///    transform is 32 i16x8 adds; |V| ≤ 4·255 = 1020 fits int16. Stored as V[ξ][pair][tile] (ξ = tile element).
/// b. 16 independent products M[ξ][tile][m] = Σ_c U′[ξ][m][c]·V[ξ][c][tile] with the direct kernel's register tile:
///    4 tiles × 8 output channels in 8 i32x4 accumulators; per channel pair one v128 load of the 4 tiles' pairs, a
///    lane broadcast per tile, two v128 loads of 4 channels × the pair of int16 weights, 8 <c>i32x4.dot_i16x8_s</c>.
///    U′ = (2G)·g·(2G)ᵀ with 2G = [[2,0,0],[1,1,1],[1,−1,1],[0,0,2]] is an integer matrix, |U′| ≤ 9·128 = 1152 fits
///    int16, so each dot's pair sum (≤ 2·1152·1020) fits int32.
/// c. output transform Y′ = Aᵀ·M·A (entries 0, ±1) on 4 output channels per i32x4: Y′ = 4·Σw′x exactly (U′ is 4·U), so
///    Y = Y′ ≫ 2; then the offset, <see cref="Int8Product.Requantize"/> and the store of the real pixels (a tile may
///    overhang an odd OH or OW).
/// </item>
/// </list>
/// int32 arithmetic wraps, so the sums of step b may wrap as long as Y′ fits int32: |Y| ≤ 9·C·128·255 &lt; 2²⁹ for
/// C ≤ <see cref="MaxChannels"/>, which <see cref="Applies"/> requires. The transformed weights (16/9 × int16 = 3.6× the
/// int8 weight bytes) are computed on the module instance's first run from the centred int8 weights (the only weight
/// bytes in the module) into a zero-initialised global, in the order step b reads them, as
/// <see cref="WinogradConvKernel"/> does for float: stored at compile time they made the ResNet18 int8 module 3.3× larger
/// (15.3 → 49.8 MiB) and its load 2× longer. Measured in docs/performance.md, "int8 kernels".
/// </summary>
internal static class Int8WinogradConv
{
    private const int Elements = 16;

    /// <summary>Tiles per register tile (one v128 of int16 pairs).</summary>
    private const int TileTiles = Int8DirectConv.TilePixels;

    /// <summary>Output channels per register tile: two vectors of four.</summary>
    private const int TileChannels = Int8DirectConv.TileChannels;

    private const int Vectors = TileChannels / 4;

    /// <summary>Bytes of V and M per block (the float Winograd kernel's budget: L2 is 2 MiB per core here).</summary>
    private const long BlockBudgetBytes = 512 * 1024;

    /// <summary>Input channels for which 4·|Σw′x| ≤ 4·9·C·128·255 stays below 2³¹ (Y′ must not wrap).</summary>
    public const long MaxChannels = (1L << 29) / (9 * 128 * 255);

    /// <summary>Geometries the kernel computes (the caller checks SIMD128, the int16 path and weights that fit int8).</summary>
    public static bool Applies(ConvGeometry g)
        => g.Group == 1 && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1
           && g.OH >= 2 && g.OW >= 2 && g.C <= MaxChannels;

    public static long ScratchBytes(ConvGeometry g) => new Layout(g).ScratchBytes;

    /// <summary>The transformed weights' global (see <see cref="TransformedWeights"/>).</summary>
    public static long StaticBytes(ConvGeometry g) => new Layout(g).WeightShorts * 2;

    /// <summary>The static layout of one convolution: tile grid, blocks and the three scratch buffers.</summary>
    private sealed class Layout
    {
        public Layout(ConvGeometry g)
        {
            Pairs = (g.C + 1) / 2;
            TilesHigh = (g.OH + 1) / 2;
            RealTilesWide = (g.OW + 1) / 2;
            TilesWide = RoundUp(RealTilesWide, TileTiles);
            PaddedOutputs = RoundUp(g.M, TileChannels);
            long perRow = Elements * (Pairs + PaddedOutputs) * 4 * TilesWide;
            long mostRows = Math.Max(1, BlockBudgetBytes / perRow);
            Blocks = (TilesHigh + mostRows - 1) / mostRows;
            BlockRows = (TilesHigh + Blocks - 1) / Blocks;
            PackedRows = 2 * Blocks * BlockRows + 2;
            PackedColumns = 2 * TilesWide + 2;
        }

        public long Pairs { get; }
        public long TilesHigh { get; }

        /// <summary>Tile columns holding at least one output pixel.</summary>
        public long RealTilesWide { get; }

        /// <summary>Tile columns rounded to whole register tiles (the extra ones are computed, never stored).</summary>
        public long TilesWide { get; }

        public long PaddedOutputs { get; }
        public long Blocks { get; }
        public long BlockRows { get; }
        public long BlockTiles => BlockRows * TilesWide;

        /// <summary>Rows of the packed image: every row any block's tiles read (the last block may pass the output).</summary>
        public long PackedRows { get; }

        /// <summary>Columns of the packed image: the last register tile's patches end at column 2·TilesWide + 1.</summary>
        public long PackedColumns { get; }

        public long PackedInts => RoundUp(Pairs * PackedRows * PackedColumns, 4);
        public long TransformedInts => Elements * Pairs * BlockTiles;
        public long ProductInts => Elements * BlockTiles * PaddedOutputs;
        public long ScratchBytes => (PackedInts + TransformedInts + ProductInts) * 4 + 16;

        public long OutputBlocks => PaddedOutputs / TileChannels;

        /// <summary>U′[ξ][output block][pair][8 channels][2] as int16.</summary>
        public long WeightShorts => Elements * OutputBlocks * Pairs * TileChannels * 2;
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>
    /// U′[ξ][output block][pair][8 channels][2 channels of the pair] = (2G)·g·(2G)ᵀ of each centred filter, as int16: a
    /// zero-initialised global (memory, not module bytes; padded channels stay zero) filled when its ready flag is
    /// still 0, i.e. once per instance, from the centred int8 weights packed at compile time as [M/4][C′][9 taps][4
    /// channels] (C′ = C rounded up to even, the extra channel zero). Four output channels are one i32x4 (each tap one
    /// 4-byte load, sign-extended), both channels of a pair are transformed together, and each element's 4 channels × 2
    /// int16 are interleaved into one v128 store. With threads every worker reads the flag before any can set it (worker
    /// 0 sets it after the barrier that ends the transform), so they agree, and split it over channel quads.
    /// </summary>
    private static LValue TransformedWeights(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan, Layout p)
    {
        var e = k.E;
        var ctx = e.Ctx;
        long quads = (g.M + 3) / 4, paddedInputs = 2 * p.Pairs;
        var type = ctx.Array(ctx.I16, p.WeightShorts);
        var u = e.Module.AddGlobal("wg_int8_winograd_weights", type, ctx.Null(type), isConstant: false, Linkage.Internal, 16);
        var ready = e.Module.AddGlobal("wg_int8_winograd_ready", ctx.I32, ctx.Int(ctx.I32, 0), isConstant: false, Linkage.Internal, 4);
        var packed = new byte[quads * paddedInputs * 9 * 4];
        for (long m = 0; m < g.M; m++)
        {
            for (long c = 0; c < g.C; c++)
            {
                for (int t = 0; t < 9; t++)
                {
                    packed[((m / 4 * paddedInputs + c) * 9 + t) * 4 + m % 4] = (byte)(sbyte)plan.Weights[(m * g.C + c) * 9 + t];
                }
            }
        }
        var centred = QuantizedGemmKernel.EmbedBytes(k, packed);
        long elementStride = p.OutputBlocks * p.Pairs * TileChannels * 2; // int16s between U′[ξ] and U′[ξ + 1]
        var bytes4 = ctx.Vector(ctx.I8, 4);
        var shorts4 = ctx.Vector(ctx.I16, 4);
        var interleave = ctx.ConstVector(new[] { 0, 4, 1, 5, 2, 6, 3, 7 }.Select(lane => e.I(lane)).ToArray());
        e.If(e.B.ICmp(IntPredicate.Eq, e.B.Load(ctx.I32, ready, 4), e.I(0)), () =>
        {
            e.ParallelFor(0, quads, 1, quad => e.For(p.Pairs, pair =>
            {
                // (2G)·g per column of taps, then ·(2G)ᵀ per row (2G's entries are 0, ±1 and 2): 4 × 4 i32x4 per channel.
                LValue[] G2Times(LValue a, LValue b, LValue c2) => [e.Add(a, a), e.Add(e.Add(a, b), c2), e.Add(e.Sub(a, b), c2), e.Add(c2, c2)];
                LValue[] Transform(LValue channel)
                {
                    var filter = e.Mul(e.Add(e.Mul(quad, paddedInputs), channel), 9 * 4);
                    var taps = Enumerable.Range(0, 9)
                        .Select(t => e.B.Cast(CastOp.SExt, e.B.Load(bytes4, e.B.Gep(ctx.I8, centred, e.Add(filter, t * 4)), 1), ctx.I32x4)).ToArray();
                    var columns = Enumerable.Range(0, 3).Select(j => G2Times(taps[j], taps[3 + j], taps[6 + j])).ToArray();
                    return Enumerable.Range(0, 4).SelectMany(i => G2Times(columns[0][i], columns[1][i], columns[2][i])).ToArray();
                }
                var low = Transform(e.Mul(pair, 2));
                var high = Transform(e.Add(e.Mul(pair, 2), 1));
                var block = e.B.Binary(BinaryOp.UDiv, quad, e.I(2));
                var half = e.B.Binary(BinaryOp.URem, quad, e.I(2));
                var at = e.Mul(e.Add(e.Mul(e.Add(e.Mul(block, p.Pairs), pair), TileChannels), e.Mul(half, 4)), 2);
                for (int xi = 0; xi < Elements; xi++)
                {
                    var both = e.B.Shuffle(e.B.Cast(CastOp.Trunc, low[xi], shorts4), e.B.Cast(CastOp.Trunc, high[xi], shorts4), interleave);
                    e.B.Store(both, e.B.Gep(ctx.I16, u, e.Add(at, xi * elementStride)), 2);
                }
            }));
            e.WorkerBarrier();
            e.OnOneWorker(() => e.B.Store(e.I(1), ready, 4));
        });
        return u;
    }

    public static void Emit(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan)
    {
        var e = k.E;
        var p = new Layout(g);
        var scratch = k.Scratch!.Value;
        var transformed = e.B.Gep(e.Ctx.I32, scratch, e.I(p.PackedInts));
        var products = e.B.Gep(e.Ctx.I32, transformed, e.I(p.TransformedInts));
        var weights = TransformedWeights(k, g, plan, p);
        var offsets = k.EmbedInts(Enumerable.Range(0, (int)p.PaddedOutputs).Select(m => m < g.M ? plan.Offsets[m] : 0).ToArray());
        var multipliers = k.EmbedFloats(Enumerable.Range(0, (int)p.PaddedOutputs).Select(m => m < g.M ? plan.Multipliers[m] : 0f).ToArray());
        // With threads: each step split (packing and input transform over channel pairs, products over (ξ, output
        // block), output transform over output-channel quads), a barrier where a step reads what the one before wrote.
        // The next block's input transform writes V, which no step still reads after the barrier before the output
        // transform; the next image's packing writes what only input transforms (behind a barrier since) read.
        e.For(g.N, image =>
        {
            Pack(k, g, plan, p, image, scratch);
            e.WorkerBarrier();
            e.For(p.Blocks, block =>
            {
                InputTransform(e, p, scratch, transformed, block);
                e.WorkerBarrier();
                Products(e, p, weights, transformed, products);
                e.WorkerBarrier();
                OutputTransform(k, g, plan, p, products, offsets, multipliers, image, block);
            });
        });
    }

    /// <summary>One image into [pair][row][column] int16 pairs; padding and absent channels = x₀ (see the class comment).</summary>
    private static void Pack(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan, Layout p, LValue image, LValue scratch)
    {
        var e = k.E;
        int inputZero = (int)k.ConstantInput(In.XZero)!.ToInt64Array()[0] + (plan.SignedInput ? 128 : 0);
        e.ParallelFor(0, p.Pairs, 1, pair => e.For(p.PackedRows, r =>
        {
            var ih = e.Add(r, -g.PadTop);
            var rowInside = e.InRange(ih, g.H);
            var packedRow = e.Mul(e.Add(e.Mul(pair, p.PackedRows), r), p.PackedColumns);
            e.For(p.PackedColumns, q =>
            {
                var iw = e.Add(q, -g.PadLeft);
                var inside = e.B.Binary(BinaryOp.And, rowInside, e.InRange(iw, g.W));
                var both = Int8DirectConv.PackedPair(k, g, inputZero, image, pair, ih, iw, inside);
                e.Store(e.Ctx.I32, 4, both, scratch, e.Add(packedRow, q));
            });
        }));
    }

    /// <summary>V[ξ][pair][tile] = (Bᵀ·d·B)[ξ] for every channel pair and tile of the block, 4 tiles × a pair per i16x8.</summary>
    private static void InputTransform(Emitter e, Layout p, LValue packed, LValue transformed, LValue block)
    {
        var shorts = e.Ctx.Vector(e.Ctx.I16, 8);
        LValue Mask(params int[] lanes) => e.Ctx.ConstVector(lanes.Select(lane => e.I(lane)).ToArray());
        var even = Mask(0, 2, 4, 6);
        var odd = Mask(1, 3, 5, 7);
        e.ParallelFor(0, p.Pairs, 1, pair => e.For(p.BlockRows, row => e.For(p.TilesWide / TileTiles, quad =>
        {
            var tileRow = e.Add(e.Mul(block, p.BlockRows), row);
            // Tile t of the quad starts at column 2·t of the first, so patch column j of the 4 tiles is the even (j = 0,
            // 2) or odd (j = 1, 3) int32s of the 8 starting at column j & 2.
            var corner = e.Add(e.Mul(e.Add(e.Mul(pair, p.PackedRows), e.Mul(tileRow, 2)), p.PackedColumns), e.Mul(quad, 2 * TileTiles));
            var d = new LValue[4, 4];
            for (int r = 0; r < 4; r++)
            {
                var rowStart = e.Add(corner, r * p.PackedColumns);
                LValue Load(long column) => e.B.Load(e.Ctx.I32x4, e.B.Gep(e.Ctx.I32, packed, e.Add(rowStart, column)), 4);
                LValue[] halves = [Load(0), Load(4), Load(2), Load(6)];
                d[r, 0] = e.B.Cast(CastOp.BitCast, e.B.Shuffle(halves[0], halves[1], even), shorts);
                d[r, 1] = e.B.Cast(CastOp.BitCast, e.B.Shuffle(halves[0], halves[1], odd), shorts);
                d[r, 2] = e.B.Cast(CastOp.BitCast, e.B.Shuffle(halves[2], halves[3], even), shorts);
                d[r, 3] = e.B.Cast(CastOp.BitCast, e.B.Shuffle(halves[2], halves[3], odd), shorts);
            }
            var t = new LValue[4, 4];
            for (int j = 0; j < 4; j++)
            {
                (t[0, j], t[1, j], t[2, j], t[3, j]) = BT(e, d[0, j], d[1, j], d[2, j], d[3, j]);
            }
            var at = e.Add(e.Mul(pair, p.BlockTiles), e.Add(e.Mul(row, p.TilesWide), e.Mul(quad, TileTiles)));
            for (int i = 0; i < 4; i++)
            {
                var v = BT(e, t[i, 0], t[i, 1], t[i, 2], t[i, 3]);
                LValue[] columns = [v.Item1, v.Item2, v.Item3, v.Item4];
                for (int j = 0; j < 4; j++)
                {
                    var value = e.B.Cast(CastOp.BitCast, columns[j], e.Ctx.I32x4);
                    e.B.Store(value, e.B.Gep(e.Ctx.I32, transformed, e.Add(at, (i * 4 + j) * p.Pairs * p.BlockTiles)), 4);
                }
            }
        })));
    }

    /// <summary>Bᵀ of F(2, 3) applied to four values: (d₀ − d₂, d₁ + d₂, d₂ − d₁, d₁ − d₃).</summary>
    private static (LValue, LValue, LValue, LValue) BT(Emitter e, LValue d0, LValue d1, LValue d2, LValue d3)
        => (e.Sub(d0, d2), e.Add(d1, d2), e.Sub(d2, d1), e.Sub(d1, d3));

    /// <summary>M[ξ][tile][m] = Σ_pair U′[ξ][m][pair]·V[ξ][pair][tile], in register tiles of 4 tiles × 8 output channels.</summary>
    private static void Products(Emitter e, Layout p, LValue weights, LValue transformed, LValue products)
    {
        var shorts = e.Ctx.Vector(e.Ctx.I16, 8);
        long outputBlocks = p.OutputBlocks;
        long pairBytes = TileChannels * 2 * 2;
        e.ParallelFor(0, Elements * outputBlocks, 1, job =>
        {
            var xi = e.B.Binary(BinaryOp.UDiv, job, e.I(outputBlocks));
            var ob = e.B.Binary(BinaryOp.URem, job, e.I(outputBlocks));
            var weightBase = e.Mul(job, p.Pairs * pairBytes); // job = ξ·blocks + block: U′[ξ][block] starts there
            var inputBase = e.Mul(xi, p.Pairs * p.BlockTiles);
            e.For(p.BlockTiles / TileTiles, quad =>
            {
                var tile = e.Mul(quad, TileTiles);
                var column = e.Add(inputBase, tile);
                LValue[] Pair(LValue pair, LValue[] acc)
                {
                    var x = e.B.Load(e.Ctx.I32x4, e.B.Gep(e.Ctx.I32, transformed, e.Add(column, e.Mul(pair, p.BlockTiles))), 4);
                    var wAt = e.Add(weightBase, e.Mul(pair, pairBytes));
                    var w = Enumerable.Range(0, Vectors).Select(v => e.B.Load(shorts, e.B.Gep(e.Ctx.I8, weights, e.Add(wAt, v * 16)), 2)).ToArray();
                    return Int8DirectConv.AccumulatePair(e, x, w, acc); // the direct kernel's register tile: 4 tiles × 8 channels
                }
                // Two pairs per iteration, as in the direct kernel (loop overhead paid once per 128 multiply-adds).
                var zeros = Enumerable.Repeat(e.Ctx.Null(e.Ctx.I32x4), TileTiles * Vectors).ToArray();
                var sums = e.FoldMany(0, p.Pairs / 2 * 2, 2, zeros, (pair, acc) => Pair(e.Add(pair, 1), Pair(pair, acc)));
                if (p.Pairs % 2 != 0)
                {
                    sums = Pair(e.I(p.Pairs - 1), sums);
                }
                var target = e.Add(e.Mul(e.Add(e.Mul(xi, p.BlockTiles), tile), p.PaddedOutputs), e.Mul(ob, TileChannels));
                for (int t = 0; t < TileTiles; t++)
                {
                    for (int v = 0; v < Vectors; v++)
                    {
                        e.B.Store(sums[t * Vectors + v], e.B.Gep(e.Ctx.I32, products, e.Add(target, t * p.PaddedOutputs + v * 4)), 4);
                    }
                }
            });
        });
    }

    /// <summary>Y = (Aᵀ·M·A) ≫ 2 per 4 output channels and tile, then the offset, requantisation and the real pixels' stores.</summary>
    private static void OutputTransform(KernelContext k, ConvGeometry g, QuantizedGemmPlan plan, Layout p, LValue products,
                                        LValue offsets, LValue multipliers, LValue image, LValue block)
    {
        var e = k.E;
        long quads = (g.M + 3) / 4;
        // Stores are checked only where a tile can overhang: an odd OW (second column), rows past OH (the second row of
        // an odd OH, whole tile rows of a last block that passes the tile grid), channels past M in the last quad.
        bool[] rowChecks = [p.Blocks * p.BlockRows > p.TilesHigh, 2 * p.Blocks * p.BlockRows > g.OH];
        bool columnCheck = g.OW % 2 != 0, channelCheck = g.M % 4 != 0;
        var two = e.Ctx.Splat(e.I(2), 4);
        e.ParallelFor(0, quads, 1, quad =>
        {
            var first = e.Mul(quad, 4);
            var offset = e.B.Load(e.Ctx.I32x4, e.B.Gep(e.Ctx.I32, offsets, first), 4);
            var multiplier = e.LoadF32x4(multipliers, first);
            e.For(p.BlockRows, row => e.For(p.RealTilesWide, tx =>
            {
                var tile = e.Add(e.Mul(row, p.TilesWide), tx);
                var at = e.Add(e.Mul(tile, p.PaddedOutputs), first);
                var m = Enumerable.Range(0, Elements)
                    .Select(xi => e.B.Load(e.Ctx.I32x4, e.B.Gep(e.Ctx.I32, products, e.Add(at, xi * p.BlockTiles * p.PaddedOutputs)), 4)).ToArray();
                // Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]] on the rows, then on the columns.
                var s = new LValue[2, 4];
                for (int j = 0; j < 4; j++)
                {
                    (s[0, j], s[1, j]) = AT(e, m[j], m[4 + j], m[8 + j], m[12 + j]);
                }
                var oy = e.Mul(e.Add(e.Mul(block, p.BlockRows), row), 2);
                var ox = e.Mul(tx, 2);
                for (int i = 0; i < 2; i++)
                {
                    var (y0, y1) = AT(e, s[i, 0], s[i, 1], s[i, 2], s[i, 3]);
                    LValue[] pixels = [y0, y1];
                    var outRow = e.Add(oy, i);
                    for (int j = 0; j < 2; j++)
                    {
                        var sum = e.Add(e.B.Binary(BinaryOp.AShr, pixels[j], two), offset);
                        var quantized = Int8Product.Requantize(e, plan, sum, multiplier, e.Ctx.I32x4);
                        var outColumn = e.Add(ox, j);
                        for (int lane = 0; lane < 4; lane++)
                        {
                            var channel = e.Add(first, lane);
                            var index = e.Add(e.Mul(e.Add(e.Mul(e.Add(e.Mul(image, g.M), channel), g.OH), outRow), g.OW), outColumn);
                            var value = e.B.Cast(CastOp.Trunc, e.B.ExtractElement(quantized, e.I(lane)), e.Ctx.I8);
                            var checks = new List<LValue>();
                            if (channelCheck)
                            {
                                checks.Add(e.InRange(channel, g.M));
                            }
                            if (rowChecks[i])
                            {
                                checks.Add(e.InRange(outRow, g.OH));
                            }
                            if (columnCheck && j == 1)
                            {
                                checks.Add(e.InRange(outColumn, g.OW));
                            }
                            if (checks.Count > 0)
                            {
                                e.If(checks.Aggregate((a, b) => e.B.Binary(BinaryOp.And, a, b)), () => e.Store(e.Ctx.I8, 1, value, k.Output(0), index));
                            }
                            else
                            {
                                e.Store(e.Ctx.I8, 1, value, k.Output(0), index);
                            }
                        }
                    }
                }
            }));
        });
    }

    /// <summary>Aᵀ of F(2, 3) applied to four values: (m₀ + m₁ + m₂, m₁ − m₂ − m₃).</summary>
    private static (LValue, LValue) AT(Emitter e, LValue m0, LValue m1, LValue m2, LValue m3)
        => (e.Add(e.Add(m0, m1), m2), e.Sub(e.Sub(m1, m2), m3));
}
