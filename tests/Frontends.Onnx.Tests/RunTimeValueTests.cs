namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// Inputs that change values but not shapes stay run-time inputs of the module when the model computes them at run
/// time: Trilu's k, CumSum's axis, Pad's constant value, Clip's bounds, Resize's roi, BatchNormalization's parameters, and the weights of
/// Conv and ConvInteger (the non-packed path, <c>RunTimeWeightConv</c>). Each is a graph input here, compiled through
/// the real pipeline and compared with ONNX Runtime given the same values: exactly where the op only moves, selects or
/// compares values (and for the integer convolution, exact in float32 below 2^24), within 1e-5 × max|ref| for float
/// convolution, whose summation order differs.
/// </summary>
public class RunTimeValueTests
{
    private static TensorData Int64Scalar(long value) => TensorData.FromInt64s(Shape.Scalar, [value]);

    private static TensorData FloatScalar(float value) => TensorData.FromFloats(Shape.Scalar, [value]);

    [Theory]
    [InlineData(1, 0L)]
    [InlineData(1, 2L)]
    [InlineData(0, -1L)]
    [InlineData(1, 100L)]
    [InlineData(0, -5_000_000_000L)]
    public void TriluWithARunTimeKMatchesOnnxRuntime(int upper, long k)
    {
        var model = new OnnxModelBuilder().Opset(14)
            .Input("x", DataType.Float32, 2, 4, 5)
            .Input("k", DataType.Int64)
            .Node("Trilu", ["x", "k"], ["y"], OnnxAttr.Int("upper", upper))
            .Output("y", DataType.Float32);

        Assert.Equal(2, Import.Load(model).Single("Trilu").Inputs.Length);
        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random([2, 4, 5], seed: 7)), ("k", Int64Scalar(k))), tolerance: 0);
    }

    [Theory]
    [InlineData(0L, 0, 0)]
    [InlineData(1L, 1, 0)]
    [InlineData(-1L, 0, 1)]
    [InlineData(-3L, 1, 1)]
    public void CumSumWithARunTimeAxisMatchesOnnxRuntime(long axis, int exclusive, int reverse)
    {
        var model = new OnnxModelBuilder().Opset(14)
            .Input("x", DataType.Float32, 3, 4, 5)
            .Input("axis", DataType.Int64)
            .Node("CumSum", ["x", "axis"], ["y"], OnnxAttr.Int("exclusive", exclusive), OnnxAttr.Int("reverse", reverse))
            .Output("y", DataType.Float32);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random([3, 4, 5], seed: 20)), ("axis", Int64Scalar(axis))), tolerance: 1e-6);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(-3f)]
    public void PadWithARunTimeConstantValueMatchesOnnxRuntime(float value)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 4)
            .Input("value", DataType.Float32)
            .Initializer("pads", TensorData.FromInt64s(new Shape(6), [0, 1, 2, 0, 2, -1]))
            .Node("Pad", ["x", "pads", "value"], ["y"])
            .Output("y", DataType.Float32);

        Assert.Equal(2, Import.Load(model).Single("Pad").Inputs.Length);
        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random([1, 3, 4], seed: 8)), ("value", FloatScalar(value))), tolerance: 0);
    }

    [Fact]
    public void PadOfInt32WithARunTimeConstantValueMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Int32, 2, 3)
            .Input("value", DataType.Int32)
            .Initializer("pads", TensorData.FromInt64s(new Shape(4), [1, 0, 0, 2]))
            .Node("Pad", ["x", "pads", "value"], ["y"])
            .Output("y", DataType.Int32);
        var x = OrtParity.RandomIntegers(DataType.Int32, [2, 3], -50, 50, seed: 9);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", x), ("value", TensorData.FromArray(DataType.Int32, Shape.Scalar, new[] { -7 }.AsSpan()))), tolerance: 0);
    }

    [Theory]
    [InlineData(-0.25f, 0.5f)]
    [InlineData(0.3f, -0.3f)] // min > max: every element becomes max
    public void ClipWithRunTimeBoundsMatchesOnnxRuntime(float min, float max)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3, 7)
            .Input("min", DataType.Float32)
            .Input("max", DataType.Float32)
            .Node("Clip", ["x", "min", "max"], ["y"])
            .Output("y", DataType.Float32);
        var inputs = OrtParity.Inputs(("x", TestTensors.Random([3, 7], seed: 10)), ("min", FloatScalar(min)), ("max", FloatScalar(max)));

        Assert.DoesNotContain("Clip", Import.Load(model).Ops());
        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 0);
    }

    [Fact]
    public void ClipWithOnlyARunTimeMinimumMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4, 5)
            .Input("min", DataType.Float32)
            .Node("Clip", ["x", "min"], ["y"])
            .Output("y", DataType.Float32);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", TestTensors.Random([4, 5], seed: 11)), ("min", FloatScalar(0.1f))), tolerance: 0);
    }

    /// <summary>
    /// roi only matters to tf_crop_and_resize, so with another coordinate transform it may be a run-time input. (Run-time
    /// scales beside fixed sizes are accepted too, and not read, but ONNX Runtime refuses such a model, so there is no
    /// reference to compare with.)
    /// </summary>
    [Theory]
    [InlineData("scales")]
    [InlineData("sizes")]
    public void ResizeWithARunTimeRoiMatchesOnnxRuntime(string decidedBy)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 2, 3, 4)
            .Input("roi", DataType.Float32, 8);
        model = decidedBy == "scales"
            ? model.Initializer("scales", TensorData.FromFloats(new Shape(4), [1, 1, 2, 1.5f])).Node("Resize", ["x", "roi", "scales"], ["y"], OnnxAttr.String("mode", "linear"))
            : model.Initializer("sizes", TensorData.FromInt64s(new Shape(4), [1, 2, 5, 7])).Node("Resize", ["x", "roi", "", "sizes"], ["y"], OnnxAttr.String("mode", "linear"));
        model.Output("y", DataType.Float32);
        var inputs = OrtParity.Inputs(("x", TestTensors.Random([1, 2, 3, 4], seed: 12)), ("roi", TestTensors.Random([8], seed: 13)));

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 1e-6);
    }

    [Fact]
    public void BatchNormalizationWithRunTimeParametersMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(15)
            .Input("x", DataType.Float32, 2, 3, 4, 5)
            .Input("scale", DataType.Float32, 3)
            .Input("bias", DataType.Float32, 3)
            .Input("mean", DataType.Float32, 3)
            .Input("var", DataType.Float32, 3)
            .Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], OnnxAttr.Float("epsilon", 1e-2f))
            .Output("y", DataType.Float32);
        var variance = TensorData.FromFloats(new Shape(3), [0.5f, 1.5f, 2f]);
        var inputs = OrtParity.Inputs(("x", TestTensors.Random([2, 3, 4, 5], seed: 21)), ("scale", TestTensors.Random([3], seed: 22)),
                                      ("bias", TestTensors.Random([3], seed: 23)), ("mean", TestTensors.Random([3], seed: 24)), ("var", variance));

        Assert.DoesNotContain("BatchNormalization", Import.Load(model).Ops());
        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 1e-5);
    }

    [Theory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(2, 2, 1, 1)]
    [InlineData(1, 1, 1, 2)]
    public void ConvWithRunTimeWeightsMatchesOnnxRuntime(int group, int stride, int pad, int dilation)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 4, 7, 6)
            .Input("w", DataType.Float32, 6, 4 / group, 3, 2)
            .Input("b", DataType.Float32, 6)
            .Node("Conv", ["x", "w", "b"], ["y"], OnnxAttr.Int("group", group), OnnxAttr.Ints("strides", stride, stride),
                  OnnxAttr.Ints("pads", pad, 0, pad, pad), OnnxAttr.Ints("dilations", dilation, 1))
            .Output("y", DataType.Float32);
        var inputs = OrtParity.Inputs(("x", TestTensors.Random([2, 4, 7, 6], seed: 13)), ("w", TestTensors.Random([6, 4 / group, 3, 2], seed: 14)),
                                      ("b", TestTensors.Random([6], seed: 15)));

        Assert.DoesNotContain("Conv", Import.Load(model).Ops());
        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 1e-5);
    }

    [Fact]
    public void Conv1dWithRunTimeWeightsAndAutoPadMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 10)
            .Input("w", DataType.Float32, 5, 3, 4)
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.String("auto_pad", "SAME_UPPER"), OnnxAttr.Ints("strides", 2))
            .Output("y", DataType.Float32);
        var inputs = OrtParity.Inputs(("x", TestTensors.Random([1, 3, 10], seed: 16)), ("w", TestTensors.Random([5, 3, 4], seed: 17)));

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 1e-5);
    }

    [Fact]
    public void ConvIntegerWithRunTimeWeightsMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, 1, 3, 6, 5)
            .Input("w", DataType.UInt8, 4, 3, 3, 3)
            .Initializer("x_zero", Abstractions.Ops.ConstantMath.FromLongs(DataType.UInt8, Shape.Scalar, [120]))
            .Input("w_zero", DataType.UInt8)
            .Node("ConvInteger", ["x", "w", "x_zero", "w_zero"], ["y"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Output("y", DataType.Int32);
        var inputs = OrtParity.Inputs(("x", OrtParity.RandomIntegers(DataType.UInt8, [1, 3, 6, 5], 0, 255, seed: 18)),
                                      ("w", OrtParity.RandomIntegers(DataType.UInt8, [4, 3, 3, 3], 0, 255, seed: 19)),
                                      ("w_zero", Abstractions.Ops.ConstantMath.FromLongs(DataType.UInt8, Shape.Scalar, [131])));

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 0);
    }
}
