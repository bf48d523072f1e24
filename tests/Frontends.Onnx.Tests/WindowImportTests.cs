namespace WasmGraph.Frontends.Onnx.Tests;

public class WindowImportTests
{
    private static OnnxModelBuilder ConvModel(params AttributeProto[] attributes)
        => new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 2, 6, 7)
            .Initializer("w", TestTensors.Random([4, 2, 3, 3], seed: 1))
            .Node("Conv", ["x", "w"], ["y"], attributes)
            .Output("y", DataType.Float32);

    [Fact]
    public void ItFillsEveryConvDefault()
    {
        var conv = Import.Load(ConvModel()).Single("Conv");

        Assert.Equal([3, 3], conv.Ints("kernel_shape"));
        Assert.Equal([1, 1], conv.Ints("strides"));
        Assert.Equal([1, 1], conv.Ints("dilations"));
        Assert.Equal([0, 0, 0, 0], conv.Ints("pads"));
        Assert.Equal(1, conv.Attributes.GetInt("group"));
        Assert.False(conv.Attributes.Has("auto_pad"));
    }

    [Theory]
    [InlineData("SAME_UPPER", new long[] { 0, 1, 1, 1 })]
    [InlineData("SAME_LOWER", new long[] { 1, 1, 0, 1 })]
    [InlineData("VALID", new long[] { 0, 0, 0, 0 })]
    public void ItResolvesAutoPadIntoExplicitPads(string autoPad, long[] expectedPads)
    {
        var model = ConvModel(OnnxAttr.String("auto_pad", autoPad), OnnxAttr.Ints("strides", 2, 2));

        var graph = Import.Load(model);

        Assert.Equal(expectedPads, graph.Single("Conv").Ints("pads"));
        var ort = OnnxRuntimeOracle.Run(model.ToBytes(), new Dictionary<string, TensorData> { ["x"] = TestTensors.Random([1, 2, 6, 7]) });
        Assert.Equal(ort["y"].Type.Shape, graph.TypeOf("y").Shape);
    }

    [Fact]
    public void ItKeepsAsymmetricExplicitPads()
    {
        var graph = Import.Load(ConvModel(OnnxAttr.Ints("pads", 1, 1, 0, 0), OnnxAttr.Ints("strides", 2, 2)));

        Assert.Equal([1, 1, 0, 0], graph.Single("Conv").Ints("pads"));
        Assert.Equal([1, 4, 3, 3], graph.Dims("y"));
    }

    [Fact]
    public void ItResolvesSameUpperForMaxPoolAndFillsPoolDefaults()
    {
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 1, 3, 5, 5)
            .Node("MaxPool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.String("auto_pad", "SAME_UPPER"))
            .Output("y", DataType.Float32);

        var pool = Import.Load(model).Single("MaxPool");

        Assert.Equal([0, 0, 1, 1], pool.Ints("pads"));
        Assert.Equal([1, 1], pool.Ints("strides"));
        Assert.Equal([1, 1], pool.Ints("dilations"));
        Assert.Equal(0, pool.Attributes.GetInt("ceil_mode"));
    }

    [Fact]
    public void ItFillsAveragePoolDefaults()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 3, 7, 7)
            .Node("AveragePool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Int("ceil_mode", 1))
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);
        var pool = graph.Single("AveragePool");

        Assert.Equal([0, 0, 0, 0], pool.Ints("pads"));
        Assert.Equal(1, pool.Attributes.GetInt("ceil_mode"));
        Assert.Equal(0, pool.Attributes.GetInt("count_include_pad"));
        Assert.Equal([1, 3, 3, 3], graph.Dims("y"));
    }

    [Fact]
    public void ItKeepsTheIndicesOfAMaxPoolWhenTheyAreUsed()
    {
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 1, 1, 4, 4)
            .Node("MaxPool", ["x"], ["y", "indices"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Int("storage_order", 1))
            .Output("y", DataType.Float32)
            .Output("indices", DataType.Int64);

        var graph = Import.Load(model);

        var pool = graph.Single("MaxPool");
        Assert.Equal<string>(["y", "indices"], pool.Outputs);
        Assert.Equal(1, pool.Attributes.GetInt("storage_order"));
        Assert.Equal(DataType.Int64, graph.TypeOf("indices").ElementType);
        Assert.Equal([1, 1, 3, 3], graph.Dims("indices"));
    }

    [Fact]
    public void ItAcceptsAMaxPoolWhoseIndicesAreUnused()
    {
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 1, 1, 4, 4)
            .Node("MaxPool", ["x"], ["y", "indices"], OnnxAttr.Ints("kernel_shape", 2, 2))
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal<string>(["y"], graph.Single("MaxPool").Outputs);
        Assert.Equal([1, 1, 3, 3], graph.Dims("y"));
    }

    [Fact]
    public void ItImportsGlobalAveragePool()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 8, 5, 5)
            .Node("GlobalAveragePool", ["x"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Equal([2, 8, 1, 1], Import.Load(model).Dims("y"));
    }
}
