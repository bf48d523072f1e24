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
}
