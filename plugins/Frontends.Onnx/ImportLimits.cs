namespace WasmGraph.Frontends.Onnx;

/// <summary>
/// Bounds on what a model may declare, checked against the declarations before anything is allocated, so a hostile or
/// corrupted file (a tensor claiming 10^12 elements, a rank of 10,000, a million-entry attribute) is refused with a
/// clear message instead of exhausting memory or time. The defaults admit every real model we know of by a wide margin.
/// </summary>
public sealed record ImportLimits
{
    public static ImportLimits Default { get; } = new();

    /// <summary>Largest rank of any tensor (ONNX models in practice stay below 8).</summary>
    public int MaxRank { get; init; } = 16;

    /// <summary>Largest single dimension.</summary>
    public long MaxDim { get; init; } = 1L << 31;

    /// <summary>Most elements in any one tensor (weight, input, or inferred intermediate).</summary>
    public long MaxTensorElements { get; init; } = 1L << 31;

    /// <summary>Most bytes of weights (initializers plus Constant values) in one model; also bounded by free memory.</summary>
    public long MaxTotalWeightBytes { get; init; } = 16L << 30;

    /// <summary>Most nodes in the graph.</summary>
    public int MaxNodes { get; init; } = 1_000_000;

    /// <summary>
    /// Most ONNX nodes one Loop or Scan may be unrolled into (iterations × nodes of its body, nested bodies included).
    /// The IR has no loops, so a long loop becomes a long program; beyond this it is refused rather than compiled.
    /// </summary>
    public long MaxUnrolledNodes { get; init; } = 10_000;

    /// <summary>
    /// Most trial imports, over the whole model, spent finding which values of shape-deciding run-time inputs give the
    /// declared shapes (Import/RunTimeParameters.cs caps one node at 40,000): a model with many such nodes is refused
    /// at this budget rather than compiled for hours.
    /// </summary>
    public long MaxRunTimeParameterTrials { get; init; } = 400_000;

    /// <summary>Most values in one list attribute (ints, floats, strings), and most bytes in one string attribute.</summary>
    public int MaxAttributeElements { get; init; } = 1 << 20;

    /// <summary>Deepest nesting of protobuf messages (subgraphs inside attributes inside nodes …).</summary>
    public int MaxMessageDepth { get; init; } = 64;

    /// <summary>
    /// The weight budget actually applied: <see cref="MaxTotalWeightBytes"/>, lowered to the memory this process may
    /// still use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which honours container limits).
    /// </summary>
    public long EffectiveWeightBudget()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return available > 0 ? Math.Min(MaxTotalWeightBytes, available) : MaxTotalWeightBytes;
    }
}
