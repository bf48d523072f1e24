namespace WasmGraph.Frontends.Onnx.Tests;

public class ReshapeImportTests
{
    private static OnnxModelBuilder ReshapeModel(long[] shape, long allowZero = 0, params long[] inputDims)
        => new OnnxModelBuilder().Opset(14)
            .Input("x", DataType.Float32, inputDims.Length == 0 ? [2, 3, 4] : inputDims)
            .Initializer("shape", TensorData.FromInt64s(new Shape(shape.Length), shape))
            .Node("Reshape", ["x", "shape"], ["y"], OnnxAttr.Int("allowzero", allowZero))
            .Output("y", DataType.Float32);

    [Theory]
    [InlineData(new long[] { 0, -1 }, new long[] { 2, 12 })]
    [InlineData(new long[] { -1, 4 }, new long[] { 6, 4 })]
    [InlineData(new long[] { 0, 0, 2, 2 }, new long[] { 2, 3, 2, 2 })]
    [InlineData(new long[] { 24 }, new long[] { 24 })]
    public void ItResolvesZeroAndMinusOneIntoAStaticShape(long[] requested, long[] expected)
    {
        var model = ReshapeModel(requested);

        var graph = Import.Load(model);

        Assert.Equal(expected, graph.Single("Reshape").Ints("shape"));
        Assert.Equal(expected, graph.Dims("y"));
        Assert.Equal<string>(["x"], graph.Single("Reshape").Inputs);
        Assert.Empty(graph.Constants);
        var ort = OnnxRuntimeOracle.Run(model.ToBytes(), new Dictionary<string, TensorData> { ["x"] = TestTensors.Random([2, 3, 4]) });
        Assert.Equal(ort["y"].Type.Shape, graph.TypeOf("y").Shape);
    }

    [Fact]
    public void ItTreatsZeroLiterallyWithAllowZero()
    {
        var graph = Import.Load(ReshapeModel([0, 5], allowZero: 1, 5, 0));

        Assert.Equal([0, 5], graph.Single("Reshape").Ints("shape"));
    }

    [Fact]
    public void ItRefusesAShapeThatIsNotAConstant()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Input("shape", DataType.Int64, 2)
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y", DataType.Float32);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Contains("input 'shape' ('shape') must be known at compile time", error.Message);
        Assert.Contains("--bind shape=shape.npy", error.Message);
        Assert.StartsWith(Import.File, error.Message);
    }

    [Fact]
    public void ItRefusesAnImpossibleReshape()
    {
        var error = Assert.Throws<ModelException>(() => Import.Load(ReshapeModel([5, -1])));

        Assert.Contains("cannot reshape", error.Message);
    }

    [Theory]
    [InlineData(1, new long[] { 2, 60 })]
    [InlineData(0, new long[] { 1, 120 })]
    [InlineData(3, new long[] { 24, 5 })]
    [InlineData(-1, new long[] { 24, 5 })]
    public void ItImportsFlattenAsReshape(long axis, long[] expected)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4, 5)
            .Node("Flatten", ["x"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(["Reshape"], graph.Ops());
        Assert.Equal(expected, graph.Single("Reshape").Ints("shape"));
    }

    [Fact]
    public void ItImportsSqueezeWithAxesAttributeBeforeOpset13()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 3, 1, 4)
            .Node("Squeeze", ["x"], ["y"], OnnxAttr.Ints("axes", -2))
            .Output("y", DataType.Float32);

        Assert.Equal([1, 3, 4], Import.Load(model).Single("Reshape").Ints("shape"));
    }

    [Fact]
    public void ItImportsSqueezeWithAxesInputFromOpset13()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 1, 4)
            .Initializer("axes", TensorData.FromInt64s(new Shape(1), [0]))
            .Node("Squeeze", ["x", "axes"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal([3, 1, 4], graph.Single("Reshape").Ints("shape"));
        Assert.Empty(graph.Constants);
    }

    [Fact]
    public void ItSqueezesEverySizeOneAxisWhenNoAxesAreGiven()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 1, 4)
            .Node("Squeeze", ["x"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Equal([3, 4], Import.Load(model).Single("Reshape").Ints("shape"));
    }

    [Fact]
    public void ItRefusesToSqueezeAnAxisLargerThanOne()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 3)
            .Node("Squeeze", ["x"], ["y"], OnnxAttr.Ints("axes", 1))
            .Output("y", DataType.Float32);

        Assert.Throws<ModelException>(() => Import.Load(model));
    }

    [Fact]
    public void ItImportsUnsqueezeWithAxesAttributeBeforeOpset13()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 3, 4)
            .Node("Unsqueeze", ["x"], ["y"], OnnxAttr.Ints("axes", 0, -1))
            .Output("y", DataType.Float32);

        Assert.Equal([1, 3, 4, 1], Import.Load(model).Single("Reshape").Ints("shape"));
    }

    [Fact]
    public void ItImportsUnsqueezeWithAxesInputFromOpset13()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3, 4)
            .Initializer("axes", TensorData.FromInt64s(new Shape(2), [1, 3]))
            .Node("Unsqueeze", ["x", "axes"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Equal([3, 1, 4, 1], Import.Load(model).Single("Reshape").Ints("shape"));
    }
}
