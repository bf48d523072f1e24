namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>Reductions the importer composes from others: MeanVarianceNormalization (tolerance 1e-4 × max against ONNX Runtime).</summary>
public class ReductionImportTests
{
    [Theory]
    [InlineData(new long[] { 2, 3, 4, 5 }, null)]
    [InlineData(new long[] { 2, 3, 4, 5 }, new long[] { 1, -1 })]
    [InlineData(new long[] { 3, 6 }, new long[] { 0 })]
    public void MeanVarianceNormalizationMatchesOnnxRuntime(long[] dims, long[]? axes)
    {
        var attributes = axes is null ? [] : new[] { OnnxAttr.Ints("axes", axes) };
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, dims)
            .Node("MeanVarianceNormalization", ["x"], ["y"], attributes)
            .Output("y", DataType.Float32);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random(dims, seed: 3))), tolerance: 1e-4);
    }

    [Fact]
    public void MeanVarianceNormalizationIsItsFunctionBody()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4, 5)
            .Node("MeanVarianceNormalization", ["x"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(2, graph.Ops().Count(op => op == "ReduceMean"));
        Assert.All(graph.Nodes.Where(n => n.Op == "ReduceMean"), n => Assert.Equal([0, 2, 3], n.Ints("axes")));
        Assert.Contains("Sqrt", graph.Ops());
    }
}
