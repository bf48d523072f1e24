namespace WasmGraph.Frontends.Onnx.Tests;

public class InputShapeTests
{
    private static OnnxModelBuilder DynamicModel(params string[] dims)
        => new OnnxModelBuilder().Opset(13)
            .SymbolicInput("x", DataType.Float32, dims)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float32);

    [Fact]
    public void ItUsesAPinForSymbolicDimensions()
    {
        var graph = Import.Load(DynamicModel("N", "3", "?", "8"), ("x", [2, 3, 5, 8]));

        Assert.Equal([2, 3, 5, 8], graph.Dims("x"));
        Assert.Equal([2, 3, 5, 8], graph.Dims("y"));
    }

    [Fact]
    public void ItAsksForAPinWhenADimensionIsDynamic()
    {
        var error = Assert.Throws<ModelException>(() => Import.Load(DynamicModel("N", "3", "224", "224")));

        Assert.Contains("'x'", error.Message);
        Assert.Contains("[N,3,224,224]", error.Message);
        Assert.Contains("--input-shape x=1,3,224,224", error.Message);
    }

    [Fact]
    public void ItAsksForAPinWhenTheShapeIsUnknown()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .ShapelessInput("x", DataType.Float32)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Contains("--input-shape x=", Assert.Throws<ModelException>(() => Import.Load(model)).Message);
        Assert.Equal([4, 4], Import.Load(model, ("x", [4, 4])).Dims("y"));
    }

    [Fact]
    public void ItRefusesAPinOfTheWrongRank()
    {
        var error = Assert.Throws<ModelException>(() => Import.Load(DynamicModel("N", "3"), ("x", [1, 3, 1])));

        Assert.Contains("rank 3", error.Message);
        Assert.Contains("rank 2", error.Message);
    }

    [Fact]
    public void ItRefusesAPinThatContradictsAFixedDimension()
    {
        var error = Assert.Throws<ModelException>(() => Import.Load(DynamicModel("N", "3"), ("x", [1, 4])));

        Assert.Contains("dimension 1 to 4", error.Message);
        Assert.Contains("fixes it at 3", error.Message);
    }

    [Fact]
    public void ItRefusesAPinForAnUnknownInput()
    {
        var error = Assert.Throws<ModelException>(() => Import.Load(DynamicModel("N", "3"), ("x", [1, 3]), ("z", [1])));

        Assert.Contains("'z'", error.Message);
        Assert.Contains("inputs: x", error.Message);
    }

    [Fact]
    public void ItAcceptsAPinThatRepeatsAStaticShape()
    {
        Assert.Equal([1, 3], Import.Load(DynamicModel("1", "3"), ("x", [1, 3])).Dims("y"));
    }
}
