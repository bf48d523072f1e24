using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// Y[M, N] = act(alpha · A[M, K] · B[K, N] + C) for a constant B, as a register-blocked SIMD128 micro-kernel.
/// B is packed at compile time into panels of 8 columns laid out [panel][k][8], so the inner loop reads two vectors
/// of B and broadcasts MR scalars of A per k, accumulating an MR × 8 tile in 2·MR vector registers. For full 4-row
/// tiles, A is first copied to [k][4 rows] so that the four scalars are one vector load and four lane shuffles. C
/// (already multiplied by beta and broadcast to [rows][N padded to 8]) is added in the store, with the fused activation.
/// </summary>
internal static class PackedGemm
{
    public const int Columns = 8;
    public const int Rows = 4;

    /// <summary>Panels [N/8][K][8] from B given as [K][N] (or [N][K] when <paramref name="transposed"/>), zero padded.</summary>
    public static float[] Pack(float[] b, long k, long n, bool transposed)
    {
        long panels = (n + Columns - 1) / Columns;
        var packed = new float[panels * k * Columns];
        for (long p = 0; p < panels; p++)
        {
            for (long kk = 0; kk < k; kk++)
            {
                for (long c = 0; c < Columns && p * Columns + c < n; c++)
                {
                    long col = p * Columns + c;
                    packed[(p * k + kk) * Columns + c] = transposed ? b[col * k + kk] : b[kk * n + col];
                }
            }
        }
        return packed;
    }

    /// <summary>
    /// Floats of scratch for one packed tile of A ([k][4 rows]), which <see cref="Emit"/> uses when it is given one:
    /// the 4 rows' values of one k are then one vector load, broadcast by lane shuffles, instead of 4 scalar splat
    /// loads (each 4 x86 instructions in Cranelift's lowering; docs/performance.md, "Conv tile").
    /// </summary>
    public static long APanelFloats(long k) => Rows * k;

    /// <summary>Floats of scratch a run-time packed B of K × N needs.</summary>
    public static long PanelFloats(long k, long n) => (n + Columns - 1) / Columns * k * Columns;

    /// <summary>
    /// Packs B (K × N, element (k, j) at <paramref name="bBase"/> + k·<paramref name="rowStride"/> + j·<paramref name="colStride"/>)
    /// into <paramref name="panels"/> at run time, for products whose B is an activation (attention's Q·Kᵀ and P·V).
    /// Costs one pass over B, against M passes saved in the product.
    /// </summary>
    public static void PackAtRunTime(Emitter e, LValue b, LValue bBase, long k, long n, long rowStride, long colStride, LValue panels)
    {
        long panelCount = (n + Columns - 1) / Columns;
        e.ParallelFor(0, panelCount, 1, p => e.For(k, kk =>
        {
            var target = e.Mul(e.Add(e.Mul(p, k), kk), Columns);
            var source = e.Add(bBase, e.Add(e.Mul(kk, rowStride), e.Mul(e.Mul(p, Columns), colStride)));
            for (int c = 0; c < Columns; c++)
            {
                // Columns past N are read clamped and zeroed, so the ragged last panel needs no separate loop.
                var column = e.Add(e.Mul(p, Columns), c);
                var inside = e.B.ICmp(IntPredicate.Slt, column, e.I(n));
                var at = e.B.Select(inside, e.Add(source, c * colStride), bBase);
                var value = e.B.Select(inside, e.LoadF32(b, at), e.F(0));
                e.StoreF32(value, panels, e.Add(target, c));
            }
        }));
    }

    /// <summary>The padded row stride of a bias table built by <see cref="BiasTable"/>.</summary>
    public static long PaddedColumns(long n) => (n + Columns - 1) / Columns * Columns;

    /// <summary>beta·C broadcast to [rows][N padded], rows = 1 when C does not vary along M.</summary>
    public static float[] BiasTable(float[] c, long cRows, long cCols, long n, float beta)
    {
        long padded = PaddedColumns(n);
        var table = new float[cRows * padded];
        for (long r = 0; r < cRows; r++)
        {
            for (long j = 0; j < n; j++)
            {
                table[r * padded + j] = beta * c[r * cCols + (cCols == 1 ? 0 : j)];
            }
        }
        return table;
    }

    /// <param name="aRow">A's element stride between rows; <paramref name="aCol"/> between columns.</param>
    /// <param name="bias">A table from <see cref="BiasTable"/>, or null; <paramref name="biasPerRow"/> when it has M rows.</param>
    /// <param name="aPanel">Scratch of <see cref="APanelFloats"/> floats, or null: full row tiles then read A from a
    /// packed copy ([k][4 rows]) made once per row tile.</param>
    /// <param name="rowsAtRunTime">Rows that hold data (≤ <paramref name="m"/>) under a run-time extent, or null for all
    /// <paramref name="m"/>: whole 4-row tiles up to them are computed, the rest of the bound is left as padding.</param>
    /// <param name="kAtRunTime">The contracted length under a run-time extent (≤ <paramref name="kDim"/>), or null.</param>
    public static void Emit(KernelContext k, long m, long n, long kDim, LValue a, LValue aBase, long aRow, long aCol,
                            LValue panels, LValue y, LValue yBase, float alpha, LValue? bias, bool biasPerRow, LValue? aPanel = null,
                            LValue? rowsAtRunTime = null, LValue? kAtRunTime = null)
    {
        var e = k.E;
        long fullTiles = m / Rows;
        if (e.Threads is { } threads && aPanel is not null && !threads.InSplitLoop)
        {
            aPanel = threads.WorkerScratch(APanelFloats(kDim) * 4); // each worker packs its own row tiles of A
        }
        void Tile(LValue tile) => RowTile(k, Rows, e.Mul(tile, Rows), n, kDim, a, aBase, aRow, aCol, panels, y, yBase, alpha, bias, biasPerRow, aPanel, kAtRunTime);
        void Tail() => RowTile(k, (int)(m % Rows), e.I(fullTiles * Rows), n, kDim, a, aBase, aRow, aCol, panels, y, yBase, alpha, bias, biasPerRow, null, kAtRunTime);
        if (rowsAtRunTime is { } rows)
        {
            // A run-time extent: whole row tiles up to the data rows. The backend refuses --threads with a run-time
            // extent (LlvmWasmBackend), so this loop is never split.
            var tiles = e.Add(rows, Rows - 1);
            tiles = e.B.Binary(BinaryOp.UDiv, tiles, e.I(Rows));
            tiles = e.B.Select(e.B.ICmp(IntPredicate.Ult, tiles, e.I(fullTiles)), tiles, e.I(fullTiles));
            e.ForRuntime(e.I(0), tiles, Tile);
            if (m % Rows != 0)
            {
                e.If(e.B.ICmp(IntPredicate.Sgt, rows, e.I(fullTiles * Rows)), Tail);
            }
            return;
        }
        // With threads, row tiles are split over the workers; the ragged last tile goes to one of them. Under one
        // whole tile (M < 4: a classifier's single row), its column panels are split instead.
        e.ParallelFor(0, fullTiles, 1, Tile);
        if (m % Rows == 0)
        {
            return;
        }
        if (fullTiles == 0)
        {
            RowTile(k, (int)m, e.I(0), n, kDim, a, aBase, aRow, aCol, panels, y, yBase, alpha, bias, biasPerRow, null, kAtRunTime, splitPanels: true);
        }
        else
        {
            e.ParallelFor(0, 1, 1, _ => Tail());
        }
    }

    private static void RowTile(KernelContext k, int rows, LValue row0, long n, long kDim, LValue a, LValue aBase, long aRow, long aCol,
                                LValue panels, LValue y, LValue yBase, float alpha, LValue? bias, bool biasPerRow, LValue? aPanel, LValue? kAtRunTime,
                                bool splitPanels = false)
    {
        var e = k.E;
        long fullPanels = n / Columns;
        var aTile = e.Add(aBase, e.Mul(row0, aRow));
        if (aPanel is { } packedA)
        {
            // [k][4 rows]: one pass over the tile's rows of A, reused by every panel of B.
            void Copy(LValue kk)
            {
                for (int r = 0; r < Rows; r++)
                {
                    e.StoreF32(e.LoadF32(a, e.Add(aTile, e.Mul(kk, aCol)), r * aRow), packedA, e.Add(e.Mul(kk, Rows), r));
                }
            }
            if (kAtRunTime is { } kRun)
            {
                e.ForRuntime(e.I(0), kRun, Copy);
            }
            else
            {
                e.For(kDim, Copy);
            }
        }
        void Full(LValue p) => Panel(k, rows, row0, aTile, p, n, kDim, aRow, aCol, a, panels, y, yBase, alpha, bias, biasPerRow, Columns, aPanel, kAtRunTime);
        void Ragged() => Panel(k, rows, row0, aTile, e.I(fullPanels), n, kDim, aRow, aCol, a, panels, y, yBase, alpha, bias, biasPerRow, (int)(n % Columns), aPanel, kAtRunTime);
        if (splitPanels)
        {
            // The panels over the workers (disjoint columns of Y, so no barrier between the two loops).
            e.ParallelFor(0, fullPanels, 1, Full);
            if (n % Columns != 0)
            {
                e.ParallelFor(0, 1, 1, _ => Ragged());
            }
            return;
        }
        e.For(fullPanels, Full);
        if (n % Columns != 0)
        {
            Ragged();
        }
    }

    private static void Panel(KernelContext k, int rows, LValue row0, LValue aTile, LValue panel, long n, long kDim, long aRow, long aCol,
                              LValue a, LValue panels, LValue y, LValue yBase, float alpha, LValue? bias, bool biasPerRow, int validColumns,
                              LValue? aPanel, LValue? kAtRunTime)
    {
        var e = k.E;
        var panelBase = e.Mul(panel, kDim * Columns);
        var zero = Enumerable.Repeat(e.ZeroF32x4(), rows * 2).ToArray();
        // The rows' A values of one k: with a packed copy of A (full row tiles) one vector load broadcast lane by lane,
        // otherwise one splat load per row. One k per iteration: two saved the loop's back-edge moves but spilled
        // (4.0 x86 instructions per multiply-add with stack traffic against 4.5 without; the single step measured faster).
        Func<LValue, Func<int, LValue>> aValuesAt = aPanel is { } packedA
            ? kk =>
            {
                var values = e.LoadF32x4(packedA, e.Mul(kk, Rows));
                return r => e.BroadcastLane(values, r);
            }
            : kk =>
            {
                var column = e.Add(aTile, e.Mul(kk, aCol));
                return r => e.SplatF32x4(e.LoadF32(a, column, r * aRow));
            };
        Func<LValue, LValue[], LValue[]> step = (kk, acc) =>
        {
            var bRow = e.Add(panelBase, e.Mul(kk, Columns));
            var b0 = e.LoadF32x4(panels, bRow, 0);
            var b1 = e.LoadF32x4(panels, bRow, 4);
            var aValue = aValuesAt(kk);
            var next = acc.ToArray();
            for (int r = 0; r < rows; r++)
            {
                var av = aValue(r);
                next[r * 2] = e.MulAddF32x4(av, b0, acc[r * 2]);
                next[r * 2 + 1] = e.MulAddF32x4(av, b1, acc[r * 2 + 1]);
            }
            return next;
        };
        // Under a run-time extent along K the products stop at it: the padding of A and B may hold anything.
        var sums = kAtRunTime is { } kRun ? e.FoldRuntime(e.I(0), kRun, zero, step) : e.FoldMany(0, kDim, 1, zero, step);

        long padded = PaddedColumns(n);
        var column0 = e.Mul(panel, Columns);
        for (int r = 0; r < rows; r++)
        {
            var yRow = e.Add(yBase, e.Mul(e.Add(row0, r), n));
            for (int v = 0; v < 2; v++)
            {
                var value = sums[r * 2 + v];
                if (alpha != 1f)
                {
                    value = e.FMul(value, e.FLike(value, alpha));
                }
                if (bias is { } table)
                {
                    var biasRow = biasPerRow ? e.Mul(e.Add(row0, r), padded) : e.I(0);
                    value = e.FAdd(value, e.LoadF32x4(table, e.Add(biasRow, column0), v * 4));
                }
                value = Activation.Apply(e, k.Attributes, value);
                StoreColumns(e, value, y, e.Add(yRow, column0), v * 4, validColumns);
            }
        }
    }

    /// <summary>Stores the lanes of <paramref name="value"/> that fall inside the row (all four unless at the ragged end).</summary>
    private static void StoreColumns(Emitter e, LValue value, LValue y, LValue rowStart, int firstColumn, int validColumns)
    {
        int lanes = Math.Clamp(validColumns - firstColumn, 0, 4);
        if (lanes == 4)
        {
            e.StoreF32x4(value, y, rowStart, firstColumn);
            return;
        }
        for (int lane = 0; lane < lanes; lane++)
        {
            e.StoreF32(e.B.ExtractElement(value, e.I(lane)), y, e.Add(rowStart, firstColumn + lane));
        }
    }
}
