namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// ConvInteger, MatMulInteger, QLinearConv and QLinearMatMul computed in float32 (exact while the accumulation stays
/// within 2^24), compared with ONNX Runtime exactly: the int32 results must be equal, and so must the requantised
/// 8-bit outputs, which round the same float products half to even.
/// </summary>
public class QuantizedImportTests
{
    private static TensorData Bytes(DataType type, long[] dims, int seed)
        => type == DataType.UInt8 ? OrtParity.RandomIntegers(type, dims, 0, 255, seed) : OrtParity.RandomIntegers(type, dims, -128, 127, seed);

    private static TensorData Scalar(DataType type, long value) => Abstractions.Ops.ConstantMath.FromLongs(type, Shape.Scalar, [value]);

    [Theory]
    [InlineData(DataType.UInt8, DataType.UInt8)]
    [InlineData(DataType.UInt8, DataType.Int8)]
    [InlineData(DataType.Int8, DataType.Int8)]
    public void MatMulIntegerMatchesOnnxRuntime(DataType aType, DataType bType)
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("A", aType, 2, 5, 16)
            .Input("B", bType, 16, 7)
            .Initializer("a_zero", Scalar(aType, aType == DataType.UInt8 ? 131 : -3))
            .Initializer("b_zero", OrtParity.RandomIntegers(bType, [7], 0, 100, seed: 9))
            .Node("MatMulInteger", ["A", "B", "a_zero", "b_zero"], ["Y"])
            .Output("Y", DataType.Int32);
        var inputs = OrtParity.Inputs(("A", Bytes(aType, [2, 5, 16], 1)), ("B", Bytes(bType, [16, 7], 2)));

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 0);
    }

    [Fact]
    public void MatMulIntegerWithoutZeroPointsMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("A", DataType.UInt8, 3, 40)
            .Initializer("B", Bytes(DataType.UInt8, [40, 4], 3))
            .Node("MatMulInteger", ["A", "B"], ["Y"])
            .Output("Y", DataType.Int32);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("A", Bytes(DataType.UInt8, [3, 40], 4))), tolerance: 0);
    }

    [Fact]
    public void ItRefusesAnAccumulationThatFloat32CannotHoldExactly()
    {
        // 300 × 255 × 255 > 2^24 with a runtime B, whose values are unknown.
        var model = new OnnxModelBuilder().Opset(10)
            .Input("A", DataType.UInt8, 2, 300)
            .Input("B", DataType.UInt8, 300, 2)
            .NamedNode("mm", "MatMulInteger", ["A", "B"], ["Y"])
            .Output("Y", DataType.Int32);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("MatMulInteger", error.Message);
        Assert.Contains("at node mm", error.Message);
        Assert.Contains("2^24", error.Message);
    }

    [Fact]
    public void ItBoundsTheAccumulationByConstantWeights()
    {
        // The same reduction length is exact when the constant B is small: 255 × Σ|b| ≤ 255 × 600.
        var model = new OnnxModelBuilder().Opset(10)
            .Input("A", DataType.UInt8, 2, 300)
            .Initializer("B", OrtParity.RandomIntegers(DataType.UInt8, [300, 2], 0, 2, seed: 5))
            .Node("MatMulInteger", ["A", "B"], ["Y"])
            .Output("Y", DataType.Int32);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("A", Bytes(DataType.UInt8, [2, 300], 6))), tolerance: 0);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    public void ConvIntegerMatchesOnnxRuntime(int pad, int stride)
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, 1, 3, 7, 6)
            .Initializer("w", Bytes(DataType.UInt8, [4, 3, 3, 3], 1))
            .Initializer("x_zero", Scalar(DataType.UInt8, 120))
            .Initializer("w_zero", Scalar(DataType.UInt8, 7))
            .Node("ConvInteger", ["x", "w", "x_zero", "w_zero"], ["y"], OnnxAttr.Ints("pads", pad, pad, pad, pad), OnnxAttr.Ints("strides", stride, stride))
            .Output("y", DataType.Int32);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", Bytes(DataType.UInt8, [1, 3, 7, 6], 2))), tolerance: 0);
    }

    [Fact]
    public void ConvIntegerWithRunTimeWeightsIsRefusedWhenFloat32CannotHoldTheAccumulation()
    {
        // 300 input channels × 255 × 255 > 2^24 when the weights are unknown until run time.
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, 1, 300, 4, 4)
            .Input("w", DataType.UInt8, 1, 300, 1, 1)
            .NamedNode("conv", "ConvInteger", ["x", "w"], ["y"])
            .Output("y", DataType.Int32);

        var error = Assert.Throws<UnsupportedOpException>(() => Import.Load(model));

        Assert.Contains("at node conv", error.Message);
        Assert.Contains("2^24", error.Message);
    }

    [Theory]
    [InlineData(DataType.UInt8, DataType.UInt8, new long[] { 3, 8 }, new long[] { 8, 5 })]
    [InlineData(DataType.Int8, DataType.Int8, new long[] { 2, 3, 8 }, new long[] { 2, 8, 5 })]
    [InlineData(DataType.UInt8, DataType.Int8, new long[] { 4, 8 }, new long[] { 8, 6 })]
    public void QLinearMatMulMatchesOnnxRuntime(DataType aType, DataType bType, long[] aDims, long[] bDims)
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("a", aType, aDims)
            .Input("b", bType, bDims)
            .Initializer("a_scale", TensorData.FromFloats(Shape.Scalar, [0.0173f]))
            .Initializer("a_zero", Scalar(aType, aType == DataType.UInt8 ? 113 : 2))
            .Initializer("b_scale", TensorData.FromFloats(Shape.Scalar, [0.0219f]))
            .Initializer("b_zero", Scalar(bType, bType == DataType.UInt8 ? 140 : -1))
            .Initializer("y_scale", TensorData.FromFloats(Shape.Scalar, [0.731f]))
            .Initializer("y_zero", Scalar(aType, aType == DataType.UInt8 ? 128 : 0))
            .Node("QLinearMatMul", ["a", "a_scale", "a_zero", "b", "b_scale", "b_zero", "y_scale", "y_zero"], ["y"])
            .Output("y", aType);
        var inputs = OrtParity.Inputs(("a", Bytes(aType, aDims, 1)), ("b", Bytes(bType, bDims, 2)));

        OrtParity.AssertMatchesOnnxRuntime(model, inputs, tolerance: 0);
    }

    [Fact]
    public void QLinearConvMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, 1, 3, 8, 8)
            .Initializer("x_scale", TensorData.FromFloats(Shape.Scalar, [0.0211f]))
            .Initializer("x_zero", Scalar(DataType.UInt8, 125))
            .Initializer("w", Bytes(DataType.UInt8, [4, 3, 3, 3], 1))
            .Initializer("w_scale", TensorData.FromFloats(Shape.Scalar, [0.0137f]))
            .Initializer("w_zero", Scalar(DataType.UInt8, 130))
            .Initializer("y_scale", TensorData.FromFloats(Shape.Scalar, [0.417f]))
            .Initializer("y_zero", Scalar(DataType.UInt8, 100))
            .Node("QLinearConv", ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero"], ["y"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Output("y", DataType.UInt8);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", Bytes(DataType.UInt8, [1, 3, 8, 8], 2))), tolerance: 0);
    }

    [Fact]
    public void QLinearConvWithPerChannelScalesAndBiasMatchesOnnxRuntime()
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, 1, 4, 6, 6)
            .Initializer("x_scale", TensorData.FromFloats(Shape.Scalar, [0.0191f]))
            .Initializer("x_zero", Scalar(DataType.UInt8, 131))
            .Initializer("w", Bytes(DataType.Int8, [6, 2, 3, 3], 1))
            .Initializer("w_scale", TensorData.FromFloats(new Shape(6), [0.011f, 0.013f, 0.017f, 0.019f, 0.023f, 0.029f]))
            .Initializer("w_zero", TensorData.FromArray(DataType.Int8, new Shape(6), new sbyte[6].AsSpan()))
            .Initializer("y_scale", TensorData.FromFloats(Shape.Scalar, [0.383f]))
            .Initializer("y_zero", Scalar(DataType.UInt8, 97))
            .Initializer("B", OrtParity.RandomIntegers(DataType.Int32, [6], -2000, 2000, seed: 3))
            .Node("QLinearConv", ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero", "B"], ["y"],
                OnnxAttr.Int("group", 2), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.String("auto_pad", "SAME_UPPER"))
            .Output("y", DataType.UInt8);

        OrtParity.AssertMatchesOnnxRuntime(model, OrtParity.Inputs(("x", Bytes(DataType.UInt8, [1, 4, 6, 6], 2))), tolerance: 0);
    }

    [Theory]
    [InlineData(true, "QuantizedConv")]
    [InlineData(false, "MatMul")]
    public void QLinearConvWithConstantWeightsImportsAsTheIntegerOpAndWithRunTimeWeightsAsAFloatProgramOfMatMuls(bool constantWeights, string expectedOp)
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, 1, 2, 4, 4)
            .Initializer("x_scale", TensorData.FromFloats(Shape.Scalar, [0.02f]))
            .Initializer("x_zero", Scalar(DataType.UInt8, 128))
            .Initializer("w_scale", TensorData.FromFloats(Shape.Scalar, [0.01f]))
            .Initializer("w_zero", Scalar(DataType.Int8, 0))
            .Initializer("y_scale", TensorData.FromFloats(Shape.Scalar, [0.1f]))
            .Initializer("y_zero", Scalar(DataType.UInt8, 128));
        if (constantWeights)
        {
            model.Initializer("w", Bytes(DataType.Int8, [3, 2, 1, 1], 1));
        }
        else
        {
            model.Input("w", DataType.Int8, 3, 2, 1, 1);
        }
        model.Node("QLinearConv", ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero"], ["y"]).Output("y", DataType.UInt8);

        var graph = WasmPipeline.Import(model.ToBytes());

        Assert.Contains(graph.Nodes, n => n.Op == expectedOp);
        Assert.Equal(constantWeights ? 1 : 0, graph.Nodes.Count(n => n.Op == "QuantizedConv"));
    }
}
