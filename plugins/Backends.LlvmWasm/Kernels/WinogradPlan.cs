namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The static layout of one Winograd convolution (<see cref="WinogradConvKernel"/>): the tile grid, the block of tiles
/// transformed at a time, the scratch it needs, the transformed weights' size and the tile-corner tables.
/// </summary>
internal sealed class WinogradPlan
{
    /// <summary>
    /// Bytes of transformed input and products per block (V and M): a block's V[ξ] is re-read once per 4 output
    /// channels and must stay in L2 (2 MiB per core here). Between 8 and 64 tiles per block either way.
    /// </summary>
    public const long BlockBudgetBytes = 512 * 1024;

    public WinogradPlan(ConvGeometry geometry, WinogradTransform transform)
    {
        Geometry = geometry;
        Transform = transform;
        long m = transform.M;
        TilesHigh = (geometry.OH + m - 1) / m;
        TilesWide = (geometry.OW + m - 1) / m;
        long perTile = Elements * (geometry.C + PaddedOutputs) * 4;
        long most = Math.Clamp(BlockBudgetBytes / perTile / 8 * 8, 8, 64);
        // As many blocks as the budget asks for, then tiles spread evenly over them, so the last block is not mostly
        // repeated tiles (7×7 planes have only 4 to 16 tiles).
        Blocks = (Tiles + most - 1) / most;
        BlockTiles = ((Tiles + Blocks - 1) / Blocks + 7) / 8 * 8;
    }

    public ConvGeometry Geometry { get; }
    public WinogradTransform Transform { get; }

    /// <summary>α²: the elements of a transformed tile, one independent product each.</summary>
    public int Elements => Transform.Alpha * Transform.Alpha;

    public long TilesHigh { get; }
    public long TilesWide { get; }
    public long Tiles => TilesHigh * TilesWide;

    /// <summary>Tiles transformed and multiplied together; a multiple of 8 (the product's register tile).</summary>
    public long BlockTiles { get; }

    public long Blocks { get; }

    /// <summary>Output channels rounded up to the register tile's 4 (the extra rows have zero weights).</summary>
    public long PaddedOutputs => (Geometry.M + 3) / 4 * 4;

    public long OutputBlocks => PaddedOutputs / 4;

    /// <summary>
    /// The zero-bordered input image, plus slack: a tile's rows are read in whole vectors, up to 2 floats past the
    /// last row for F(4,3) (α = 6 read as 8), rounded so that V starts 64-byte aligned.
    /// </summary>
    public long InputFloats => (Geometry.C * Geometry.PhasePlane + 8 + 15) / 16 * 16;

    /// <summary>V[ξ][c][tile] for one block.</summary>
    public long TransformedFloats => Elements * Geometry.C * BlockTiles;

    /// <summary>M[ξ][m][tile] for one block.</summary>
    public long ProductFloats => Elements * PaddedOutputs * BlockTiles;

    public long ScratchBytes => (InputFloats + TransformedFloats + ProductFloats) * 4;

    /// <summary>
    /// Each tile's top-left corner, as a float offset in one channel of the bordered input (<paramref name="input"/>)
    /// or of the output, for every slot of every block; slots past the last tile repeat it (they recompute and
    /// rewrite the same outputs). Tiles past the right or bottom edge are shifted back to end at the edge.
    /// </summary>
    public int[] TileOffsets(bool input)
    {
        var g = Geometry;
        long m = Transform.M;
        var offsets = new int[Blocks * BlockTiles];
        for (long slot = 0; slot < offsets.Length; slot++)
        {
            long tile = Math.Min(slot, Tiles - 1);
            long oy = Math.Min(tile / TilesWide * m, g.OH - m), ox = Math.Min(tile % TilesWide * m, g.OW - m);
            offsets[slot] = checked((int)(input ? oy * g.PhaseWidth + ox : oy * g.OW + ox));
        }
        return offsets;
    }

    /// <summary>U[ξ][output block][c][4]: the transformed filters, padded output channels zero.</summary>
    public long WeightFloats => Elements * OutputBlocks * Geometry.C * 4;
}
