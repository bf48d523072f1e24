namespace WasmGraph.Frontends.Onnx.Tests;

public class DataMovementImportTests
{
    [Fact]
    public void ItTakesSplitSizesFromTheAttributeBeforeOpset13()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 2, 6)
            .Node("Split", ["x"], ["a", "b"], OnnxAttr.Int("axis", -1), OnnxAttr.Ints("split", 2, 4))
            .Output("a", DataType.Float32)
            .Output("b", DataType.Float32);

        var graph = Import.Load(model);
        var split = graph.Single("Split");

        Assert.Equal(1, split.Attributes.GetInt("axis"));
        Assert.Equal([2, 4], split.Ints("split"));
        Assert.Equal([2, 4], graph.Dims("b"));
    }

    [Fact]
    public void ItTakesSplitSizesFromTheConstantInputFromOpset13()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 5, 2)
            .Initializer("sizes", TensorData.FromInt64s(new Shape(3), [1, 3, 1]))
            .Node("Split", ["x", "sizes"], ["a", "b", "c"])
            .Output("a", DataType.Float32)
            .Output("b", DataType.Float32)
            .Output("c", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(0, graph.Single("Split").Attributes.GetInt("axis"));
        Assert.Equal([1, 3, 1], graph.Single("Split").Ints("split"));
        Assert.Equal<string>(["x"], graph.Single("Split").Inputs);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void ItSplitsEquallyWhenNoSizesAreGiven(long opset)
    {
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 1, 6, 2)
            .Node("Split", ["x"], ["a", "b", "c"], OnnxAttr.Int("axis", 1))
            .Output("a", DataType.Float32)
            .Output("b", DataType.Float32)
            .Output("c", DataType.Float32);

        Assert.Equal([2, 2, 2], Import.Load(model).Single("Split").Ints("split"));
    }

    [Fact]
    public void ItLetsTheLastPartBeSmallerWithNumOutputs()
    {
        var model = new OnnxModelBuilder().Opset(18)
            .Input("x", DataType.Float32, 7)
            .Node("Split", ["x"], ["a", "b", "c"], OnnxAttr.Int("num_outputs", 3))
            .Output("a", DataType.Float32)
            .Output("b", DataType.Float32)
            .Output("c", DataType.Float32);

        Assert.Equal([3, 3, 1], Import.Load(model).Single("Split").Ints("split"));
    }

    [Fact]
    public void ItRefusesAnUnevenEqualSplit()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 7)
            .Node("Split", ["x"], ["a", "b"])
            .Output("a", DataType.Float32)
            .Output("b", DataType.Float32);

        Assert.Throws<ModelException>(() => Import.Load(model));
    }

    [Fact]
    public void ItMakesTheDefaultTransposePermutationExplicit()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Transpose", ["x"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal([2, 1, 0], graph.Single("Transpose").Ints("perm"));
        Assert.Equal([4, 3, 2], graph.Dims("y"));
    }

    [Fact]
    public void ItNormalisesANegativeConcatAxis()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 2, 3)
            .Input("b", DataType.Float32, 2, 5)
            .Node("Concat", ["a", "b"], ["y"], OnnxAttr.Int("axis", -1))
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(1, graph.Single("Concat").Attributes.GetInt("axis"));
        Assert.Equal([2, 8], graph.Dims("y"));
    }

    [Fact]
    public void ItImportsAnOpset11SoftmaxOnANonLastAxisAsReshapeSoftmaxReshape()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Softmax", ["x"], ["y"], OnnxAttr.Int("axis", 1))
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(["Reshape", "Softmax", "Reshape"], graph.Ops());
        Assert.Equal([2, 12], graph.Nodes[0].Ints("shape"));
        Assert.Equal(1, graph.Nodes[1].Attributes.GetInt("axis"));
        Assert.Equal([2, 3, 4], graph.Nodes[2].Ints("shape"));
        Assert.Equal<string>(["y"], graph.Nodes[2].Outputs);
        Assert.Equal([2, 3, 4], graph.Dims("y"));
    }

    [Theory]
    [InlineData(11, 2)]
    [InlineData(11, -1)]
    [InlineData(13, 1)]
    [InlineData(13, -1)]
    public void ItImportsSoftmaxAsOneNodeWhenTheMeaningsAgree(long opset, long axis)
    {
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Softmax", ["x"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);

        var softmax = Import.Load(model).Single("Softmax");

        Assert.Equal(axis < 0 ? 2 : axis, softmax.Attributes.GetInt("axis"));
    }

    [Fact]
    public void ItFillsGemmDefaults()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 2, 3)
            .Initializer("b", TestTensors.Random([4, 3]))
            .Node("Gemm", ["a", "b"], ["y"], OnnxAttr.Int("transB", 1))
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);
        var gemm = graph.Single("Gemm");

        Assert.Equal(1f, gemm.Attributes.GetFloat("alpha", 0f));
        Assert.Equal(1f, gemm.Attributes.GetFloat("beta", 0f));
        Assert.Equal(0, gemm.Attributes.GetInt("transA"));
        Assert.Equal(1, gemm.Attributes.GetInt("transB"));
        Assert.Equal([2, 4], graph.Dims("y"));
    }
}
