using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class ResamplingKernelTests
{
    [Theory]
    [InlineData("nearest", "asymmetric", 2f)]
    [InlineData("nearest", "half_pixel", 0.6f)]
    [InlineData("linear", "half_pixel", 1.7f)]
    [InlineData("linear", "align_corners", 2f)]
    [InlineData("linear", "pytorch_half_pixel", 0.5f)]
    [InlineData("cubic", "half_pixel", 1.5f)]
    [InlineData("cubic", "asymmetric", 0.8f)]
    public void ItMatchesOnnxRuntimeForResize(string mode, string transform, float scale)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 2, 5, 6)
            .Initializer("scales", TensorData.FromFloats(new Shape(4), [1f, 1f, scale, scale]))
            .Node("Resize", ["x", "", "scales"], ["y"], OnnxAttr.String("mode", mode), OnnxAttr.String("coordinate_transformation_mode", transform))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 5, 6], seed: 1))));
    }

    [Fact]
    public void ItResizesToGivenSizes()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 4, 4)
            .Initializer("sizes", TensorData.FromInt64s(new Shape(4), [1, 3, 7, 3]))
            .Node("Resize", ["x", "", "", "sizes"], ["y"], OnnxAttr.String("mode", "linear"))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 3, 4, 4], seed: 2))));
    }

    // Cropped axes keep clear of output length = input length: ONNX Runtime then skips the roi mapping (its scale is 1),
    // whereas the ONNX definition and test data still crop; the kernel follows the definition.
    [Theory]
    [InlineData("linear", new float[] { 0, 0, 0.4f, 0.6f, 1, 1, 0.6f, 0.8f }, 3, 3, 0f)]
    [InlineData("linear", new float[] { 0, 0, -0.3f, 0.2f, 1, 1, 0.9f, 1.4f }, 6, 4, 10f)]  // partly outside: extrapolation
    [InlineData("nearest", new float[] { 0, 0, -0.3f, 0.2f, 1, 1, 0.9f, 1.4f }, 4, 7, -1f)]
    [InlineData("cubic", new float[] { 0, 0, 0.1f, 0.25f, 1, 1, 0.7f, 0.95f }, 6, 5, 0f)]
    [InlineData("cubic", new float[] { 0, 0, 0.5f, -0.5f, 1, 1, 1.5f, 0.5f }, 1, 7, 2f)]    // one output row: the box centre
    [InlineData("linear", new float[] { 0, 0, 0, 0, 1, 1, 1, 1 }, 5, 6, 0f)]                // the full box: unchanged
    public void ItMatchesOnnxRuntimeForTfCropAndResize(string mode, float[] roi, long height, long width, float extrapolation)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 2, 5, 6)
            .Initializer("roi", TensorData.FromFloats(new Shape(8), roi))
            .Initializer("sizes", TensorData.FromInt64s(new Shape(4), [1, 2, height, width]))
            .Node("Resize", ["x", "roi", "", "sizes"], ["y"], OnnxAttr.String("mode", mode), OnnxAttr.String("coordinate_transformation_mode", "tf_crop_and_resize"),
                  OnnxAttr.Float("extrapolation_value", extrapolation))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 5, 6], seed: 5))));
    }

    [Theory]
    [InlineData(new long[] { 1, 1 }, new long[] { 0, 0, 0, 0 }, new long[] { 1, 1 }, 1, new long[] { 0, 0 })]
    [InlineData(new long[] { 2, 2 }, new long[] { 1, 1, 1, 1 }, new long[] { 1, 1 }, 1, new long[] { 1, 1 })]
    [InlineData(new long[] { 2, 3 }, new long[] { 0, 1, 1, 0 }, new long[] { 2, 1 }, 2, new long[] { 0, 0 })]
    public void ItMatchesOnnxRuntimeForConvTranspose(long[] strides, long[] pads, long[] dilations, int group, long[] outputPadding)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 5, 6)
            .Initializer("w", TestTensors.Random([4, 3, 3, 3], seed: 2))
            .Initializer("b", TestTensors.Random([3 * group], seed: 3))
            .Node("ConvTranspose", ["x", "w", "b"], ["y"], OnnxAttr.Ints("strides", strides), OnnxAttr.Ints("pads", pads),
                  OnnxAttr.Ints("dilations", dilations), OnnxAttr.Int("group", group), OnnxAttr.Ints("output_padding", outputPadding))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 4, 5, 6], seed: 1))));
    }

    [Theory]
    // strides, pads (3 begins, 3 ends), dilations, group, output_padding
    [InlineData(new long[] { 1, 1, 1 }, new long[] { 0, 0, 0, 0, 0, 0 }, new long[] { 1, 1, 1 }, 1, new long[] { 0, 0, 0 })]
    [InlineData(new long[] { 2, 1, 2 }, new long[] { 1, 0, 1, 0, 1, 1 }, new long[] { 1, 2, 1 }, 1, new long[] { 1, 0, 0 })]
    [InlineData(new long[] { 1, 2, 3 }, new long[] { 0, 1, 0, 1, 0, 2 }, new long[] { 2, 1, 1 }, 2, new long[] { 0, 1, 2 })]
    public void ItMatchesOnnxRuntimeForConvTranspose3d(long[] strides, long[] pads, long[] dilations, int group, long[] outputPadding)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 4, 3, 4, 5)
            .Initializer("w", TestTensors.Random([4, 2, 2, 3, 3], seed: 6))
            .Initializer("b", TestTensors.Random([2 * group], seed: 7))
            .Node("ConvTranspose", ["x", "w", "b"], ["y"], OnnxAttr.Ints("strides", strides), OnnxAttr.Ints("pads", pads),
                  OnnxAttr.Ints("dilations", dilations), OnnxAttr.Int("group", group), OnnxAttr.Ints("output_padding", outputPadding))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 4, 3, 4, 5], seed: 8))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForConvTranspose1d()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 7)
            .Initializer("w", TestTensors.Random([3, 2, 4], seed: 9))
            .Node("ConvTranspose", ["x", "w"], ["y"], OnnxAttr.Ints("strides", 3), OnnxAttr.Ints("pads", 1, 2), OnnxAttr.Ints("output_padding", 1))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, 7], seed: 10))));
    }

    [Fact]
    public void ItRejectsConvTransposeBeyondThreeSpatialAxes()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 1, 2, 2, 2, 2)
            .Initializer("w", TestTensors.Random([1, 1, 1, 1, 1, 1], seed: 11))
            .Node("ConvTranspose", ["x", "w"], ["y"])
            .Output("y", DataType.Float32);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())));
        Assert.Contains("only 1-D, 2-D and 3-D ConvTranspose", error.Message);
    }

    [Fact]
    public void ItRejectsARuntimeResizeRoi()
    {
        // The taps are tabulated at compile time, so a roi computed at run time is unsupported.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 1, 4, 4)
            .Input("roi", DataType.Float32, 8)
            .Initializer("sizes", TensorData.FromInt64s(new Shape(4), [1, 1, 3, 3]))
            .Node("Resize", ["x", "roi", "", "sizes"], ["y"], OnnxAttr.String("mode", "linear"), OnnxAttr.String("coordinate_transformation_mode", "tf_crop_and_resize"))
            .Output("y", DataType.Float32);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Import(model.ToBytes()));
        Assert.Contains("roi", error.Message);
    }
}
