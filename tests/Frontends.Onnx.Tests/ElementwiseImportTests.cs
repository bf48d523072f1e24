namespace WasmGraph.Frontends.Onnx.Tests;

public class ElementwiseImportTests
{
    [Fact]
    public void ItTakesClipBoundsFromAttributesBeforeOpset11()
    {
        var model = new OnnxModelBuilder().Opset(6)
            .Input("x", DataType.Float32, 2, 3)
            .Node("Clip", ["x"], ["y"], OnnxAttr.Float("min", 0f), OnnxAttr.Float("max", 6f))
            .Output("y", DataType.Float32);

        var clip = Import.Load(model).Single("Clip");

        Assert.Equal(0f, clip.Attributes.GetFloat("min", float.NaN));
        Assert.Equal(6f, clip.Attributes.GetFloat("max", float.NaN));
    }

    [Fact]
    public void ItTakesClipBoundsFromConstantInputsFromOpset11()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 2, 3)
            .Initializer("lo", TensorData.FromFloats(Shape.Scalar, [-1f]))
            .Initializer("hi", TensorData.FromFloats(Shape.Scalar, [1f]))
            .Node("Clip", ["x", "lo", "hi"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);
        var clip = graph.Single("Clip");

        Assert.Equal<string>(["x"], clip.Inputs);
        Assert.Equal(-1f, clip.Attributes.GetFloat("min", float.NaN));
        Assert.Equal(1f, clip.Attributes.GetFloat("max", float.NaN));
        Assert.Empty(graph.Constants);
    }

    [Fact]
    public void ItGivesAbsentClipBoundsTheOnnxDefaultLowestFloat()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4)
            .Initializer("hi", TensorData.FromFloats(Shape.Scalar, [6f]))
            .Node("Clip", ["x", "", "hi"], ["y"])
            .Output("y", DataType.Float32);

        var clip = Import.Load(model).Single("Clip");

        // ONNX: numeric_limits<float>::lowest(), not -inf, so Clip(-inf) is -3.4e38 as in ONNX Runtime.
        Assert.Equal(float.MinValue, clip.Attributes.GetFloat("min", float.NaN));
        Assert.Equal(6f, clip.Attributes.GetFloat("max", float.NaN));
    }

    [Fact]
    public void ItImportsBinaryOpsWithBroadcasting()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 2, 3, 4)
            .Input("b", DataType.Float32, 3, 1)
            .Node("Add", ["a", "b"], ["s"])
            .Node("Sub", ["s", "b"], ["d"])
            .Node("Mul", ["d", "a"], ["m"])
            .Node("Div", ["m", "b"], ["y"])
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(["Add", "Sub", "Mul", "Div"], graph.Ops());
        Assert.Equal([2, 3, 4], graph.Dims("y"));
    }

    [Fact]
    public void ItAlignsTheLegacyBroadcastAxisWithTrailingOnes()
    {
        var model = new OnnxModelBuilder().Opset(6)
            .Input("a", DataType.Float32, 2, 3, 4, 5)
            .Input("b", DataType.Float32, 3)
            .Node("Mul", ["a", "b"], ["y"], OnnxAttr.Int("broadcast", 1), OnnxAttr.Int("axis", 1))
            .Output("y", DataType.Float32);

        var graph = Import.Load(model);

        Assert.Equal(["Reshape", "Mul"], graph.Ops());
        Assert.Equal([3, 1, 1], graph.Single("Reshape").Ints("shape"));
        Assert.Equal([2, 3, 4, 5], graph.Dims("y"));
    }

    [Fact]
    public void ItTreatsLegacySuffixBroadcastAsNumPyBroadcast()
    {
        var model = new OnnxModelBuilder().Opset(6)
            .Input("a", DataType.Float32, 2, 3)
            .Input("b", DataType.Float32, 3)
            .Node("Add", ["a", "b"], ["y"], OnnxAttr.Int("broadcast", 1))
            .Output("y", DataType.Float32);

        Assert.Equal(["Add"], Import.Load(model).Ops());
    }

    private static OnnxModelBuilder BatchNormModel(long opset, string[] outputs, params AttributeProto[] attributes)
    {
        var model = new OnnxModelBuilder().Opset(opset).Input("x", DataType.Float32, 1, 4, 3, 3);
        foreach (var name in new[] { "scale", "bias", "mean", "var" })
        {
            model.Initializer(name, TestTensors.Random([4], seed: name.Length));
        }
        return model.Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], outputs, attributes);
    }

    [Theory]
    [InlineData("LEFT")]
    [InlineData("RIGHT")]
    public void ItImportsBitShiftWithItsDirection(string direction)
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.UInt32, 4)
            .Input("n", DataType.UInt32, 4)
            .Node("BitShift", ["x", "n"], ["y"], OnnxAttr.String("direction", direction))
            .Output("y", DataType.UInt32);

        var shift = Import.Load(model).Single("BitShift");

        Assert.Equal(direction, shift.Attributes.GetString("direction", ""));
    }

    [Theory]
    [InlineData(DataType.UInt32, null, "direction must be LEFT or RIGHT")]
    [InlineData(DataType.Int32, "LEFT", "int32 is not allowed")]
    public void ItRefusesBitShiftWithoutADirectionOrOnSignedIntegers(DataType type, string? direction, string expected)
    {
        var attributes = direction is null ? [] : new[] { OnnxAttr.String("direction", direction) };
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", type, 4)
            .Input("n", type, 4)
            .Node("BitShift", ["x", "n"], ["y"], attributes)
            .Output("y", type);

        var error = Assert.Throws<ModelException>(() => Import.Load(model));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ItImportsOpset8BatchNormalizationWithSpatial()
    {
        var model = BatchNormModel(8, ["y"], OnnxAttr.Float("epsilon", 1e-3f), OnnxAttr.Int("spatial", 1))
            .Output("y", DataType.Float32);

        var bn = Import.Load(model).Single("BatchNormalization");

        Assert.Equal(1e-3f, bn.Attributes.GetFloat("epsilon", 0f));
        Assert.Equal(1, bn.Attributes.GetInt("spatial"));
        Assert.Equal(5, bn.Inputs.Length);
    }

    [Fact]
    public void ItFillsBatchNormalizationDefaults()
    {
        var model = BatchNormModel(15, ["y"]).Output("y", DataType.Float32);

        var bn = Import.Load(model).Single("BatchNormalization");

        Assert.Equal(1e-5f, bn.Attributes.GetFloat("epsilon", 0f));
        Assert.Equal(1, bn.Attributes.GetInt("spatial"));
    }

    [Fact]
    public void ItAcceptsUnusedTrainingOutputs()
    {
        var model = BatchNormModel(9, ["y", "running_mean", "running_var"]).Output("y", DataType.Float32);

        Assert.Equal<string>(["y"], Import.Load(model).Single("BatchNormalization").Outputs);
    }

    [Fact]
    public void ItRefusesUsedTrainingOutputs()
    {
        var model = BatchNormModel(9, ["y", "running_mean"])
            .Output("y", DataType.Float32)
            .Output("running_mean", DataType.Float32);

        Assert.Throws<UnsupportedOpException>(() => Import.Load(model));
    }

    [Fact]
    public void ItRefusesTrainingMode()
    {
        var model = BatchNormModel(15, ["y"], OnnxAttr.Int("training_mode", 1)).Output("y", DataType.Float32);

        Assert.Throws<UnsupportedOpException>(() => Import.Load(model));
    }
}
