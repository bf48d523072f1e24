namespace WasmGraph.Frontends.Onnx.Tests;

public class ValueImportTests
{
    [Fact]
    public void ItTurnsAConstantTensorIntoAGraphConstant()
    {
        var bias = TensorData.FromFloats(new Shape(3), [1f, 2f, 3f]);
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Constant", [], ["c"], OnnxAttr.Tensor("value", bias))
            .Node("Add", ["x", "c"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(["Add"], graph.Ops());
        Assert.Equal(bias.Type, graph.Constants["c"].Type);
        Assert.Equal([1f, 2f, 3f], graph.Constants["c"].ToFloatArray());
    }

    [Fact]
    public void ItReadsTheScalarAndListConstantForms()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Node("Constant", [], ["f"], OnnxAttr.Float("value_float", 2.5f))
            .Node("Constant", [], ["fs"], OnnxAttr.Floats("value_floats", 1f, 2f))
            .Node("Constant", [], ["i"], OnnxAttr.Int("value_int", 7))
            .Node("Constant", [], ["is"], OnnxAttr.Ints("value_ints", 4, 5, 6))
            .Output("f", DataType.Float32)
            .Output("fs", DataType.Float32)
            .Output("i", DataType.Int64)
            .Output("is", DataType.Int64);

        var graph = Import.Load(model);

        Assert.Equal(new TensorType(DataType.Float32, Shape.Scalar), graph.TypeOf("f"));
        Assert.Equal([1f, 2f], graph.Constants["fs"].ToFloatArray());
        Assert.Equal([7L], graph.Constants["i"].ToInt64Array());
        Assert.Equal([4L, 5L, 6L], graph.Constants["is"].ToInt64Array());
    }

    [Fact]
    public void ItRemovesIdentityByRenamingWhenItFeedsAGraphOutput()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Relu", ["x"], ["r"])
            .Node("Identity", ["r"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        var relu = graph.Single("Relu");
        Assert.Equal<string>(["y"], relu.Outputs);
        Assert.Equal<string>(["y"], graph.Outputs);
        Assert.False(graph.Types.ContainsKey("r"));
    }

    [Fact]
    public void ItRemovesIdentityInTheMiddleOfTheGraph()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Relu", ["x"], ["r"])
            .Node("Identity", ["r"], ["i"])
            .Node("Sigmoid", ["i"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(["Relu", "Sigmoid"], graph.Ops());
        Assert.Equal<string>(["r"], graph.Single("Sigmoid").Inputs);
    }

    [Fact]
    public void ItCopiesWhenAnIdentityOutputWouldAliasAGraphInput()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Identity", ["x"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        var copy = graph.Single("Reshape");
        Assert.Equal<string>(["x"], copy.Inputs);
        Assert.Equal<string>(["y"], copy.Outputs);
        Assert.Equal([2, 3], copy.Ints("shape"));
    }

    [Fact]
    public void ItKeepsBothOutputsWhenOneValueFeedsTwoIdentities()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4)
            .Node("Relu", ["x"], ["r"])
            .Node("Identity", ["r"], ["y1"])
            .Node("Identity", ["r"], ["y2"])
            .Output("y1", DataType.Float32)
            .Output("y2", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal<string>(["y1"], graph.Single("Relu").Outputs);
        Assert.Equal<string>(["y1"], graph.Single("Reshape").Inputs);
        Assert.Equal<string>(["y1", "y2"], graph.Outputs);
    }

    [Fact]
    public void ItCopiesWhenTheAliasedValueIsItselfAGraphOutput()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4)
            .Node("Relu", ["x"], ["r"])
            .Node("Identity", ["r"], ["y"])
            .Output("r", DataType.Float32)
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal<string>(["r"], graph.Single("Relu").Outputs);
        Assert.Equal<string>(["r"], graph.Single("Reshape").Inputs);
        Assert.Equal<string>(["r", "y"], graph.Outputs);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(13)]
    public void ItRemovesInferenceModeDropout(long opset)
    {
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Relu", ["x"], ["r"])
            .Node("Dropout", ["r"], ["d", "mask"], opset < 12 ? [OnnxAttr.Float("ratio", 0.3f)] : [])
            .Output("d", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(["Relu"], graph.Ops());
        Assert.Equal<string>(["d"], graph.Single("Relu").Outputs);
    }

    [Fact]
    public void ItRefusesDropoutInTrainingMode()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Initializer("ratio", TensorData.FromFloats(Shape.Scalar, [0.5f]))
            .Initializer("training", TensorData.FromArray(DataType.Bool, Shape.Scalar, [(byte)1]))
            .Node("Dropout", ["x", "ratio", "training"], ["y"])
            .Output("y", DataType.Float32);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("training_mode", error.Message);
    }

    [Fact]
    public void ItRefusesAnOpset9DropoutWhoseMaskIsUsed()
    {
        // Before opset 10 the mask had the input's type; only the bool form is produced.
        var model = new OnnxModelBuilder().Opset(9)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Dropout", ["x"], ["y", "mask"])
            .Output("y", DataType.Float32)
            .Output("mask", DataType.Float32);

        Assert.Throws<UnsupportedOpException>(() => Import.Load(model));
    }

    [Fact]
    public void ItTurnsAnInferenceModeDropoutMaskIntoAllTrue()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Dropout", ["x"], ["y", "mask"])
            .Output("y", DataType.Float32)
            .Output("mask", DataType.Bool);

        var graph = Import.Load(model);
        var mask = graph.Constants["mask"];
        Assert.Equal(new TensorType(DataType.Bool, new Shape(2, 3)), mask.Type);
        Assert.All(mask.Bytes.ToArray(), b => Assert.Equal(1, b));
    }
}
