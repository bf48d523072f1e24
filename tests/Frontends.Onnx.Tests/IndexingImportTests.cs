namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>Compress with a constant condition, imported as a Gather of the selected indices (exact against ONNX Runtime).</summary>
public class IndexingImportTests
{
    [Theory]
    [InlineData(0L, new[] { true, false, true })]
    [InlineData(1L, new[] { false, true, true, false })]
    [InlineData(-1L, new[] { true, false, false, true, true })]
    [InlineData(null, new[] { false, true, false, false, true, true, false })]
    [InlineData(2L, new[] { true })]
    public void CompressMatchesOnnxRuntime(long? axis, bool[] condition)
    {
        var attributes = axis is { } a ? new[] { OnnxAttr.Int("axis", a) } : [];
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 3, 4, 5)
            .Initializer("condition", TensorData.FromArray(DataType.Bool, new Shape(condition.Length), condition.Select(c => c ? (byte)1 : (byte)0).ToArray().AsSpan()))
            .Node("Compress", ["x", "condition"], ["y"], attributes)
            .Output("y", DataType.Float32);

        Assert.Contains("Gather", Import.Load(model).Ops());
        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random([3, 4, 5], seed: 2))), tolerance: 0);
    }

    [Fact]
    public void ItRefusesARuntimeCondition()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 3, 2)
            .Input("condition", DataType.Bool, 3)
            .NamedNode("c", "Compress", ["x", "condition"], ["y"], OnnxAttr.Int("axis", 0))
            .Output("y", DataType.Float32);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("at node c", error.Message);
        Assert.Contains("input 'condition' ('condition') must be known at compile time", error.Message);
        Assert.Contains("--bind condition=condition.npy", error.Message);
    }

    [Fact]
    public void ItRefusesAConditionLongerThanTheAxisWhenItSelectsBeyondIt()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 2, 2)
            .Initializer("condition", TensorData.FromArray(DataType.Bool, new Shape(3), new byte[] { 0, 0, 1 }.AsSpan()))
            .NamedNode("c", "Compress", ["x", "condition"], ["y"], OnnxAttr.Int("axis", 0))
            .Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Equal("c", error.NodeName);
        Assert.Contains("beyond", error.Message);
    }
}
