namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// The standard op set. Each op family lives in its own file under <c>Ops/Definitions</c> and contributes a list of
/// <see cref="OpDefinition"/>s; the canonical attributes of each op are documented in <c>docs/ir.md</c>.
/// </summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> All()
        => Elementwise()
            .Concat(Convolution())
            .Concat(Layout())
            .Concat(Pooling())
            .Concat(Normalization())
            .Concat(LinearAlgebra())
            .Concat(DataMovement())
            .Concat(UnaryMath())
            .Concat(Broadcasting())
            .Concat(Indexing())
            .Concat(Reduction())
            .Concat(Transformer())
            .Concat(Resampling())
            .Concat(Selection())
            .Concat(DataDependent())
            .Concat(ParameterCheck())
            .Concat(Einsum())
            .Concat(Text())
            .Concat(Spectral())
            .Concat(Quantized())
            .Concat(Fused());
}
