using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// The depthwise path of Conv (group = channels = output channels) against ONNX Runtime, default tolerance
/// (max |wasm − ort| ≤ 1e-4 × max |ort|). The shapes cover both tile widths (1 and 2 vectors), an odd number of output
/// rows (the 1-row remainder tile), row widths that are not a multiple of 4 (the scalar epilogue), strides 1 and 2,
/// dilation, asymmetric pads, a 5×5 kernel (weights not hoisted) and batches.
/// </summary>
public class DepthwiseConvKernelTests
{
    [Theory]
    // batch, channels, h, w, kernel, stride, dilation, pads(t,l,b,r), bias
    [InlineData(1, 8, 10, 10, 3, 1, 1, new long[] { 1, 1, 1, 1 }, true)]       // 2 vectors per row, even rows
    [InlineData(1, 6, 7, 7, 3, 1, 1, new long[] { 1, 1, 1, 1 }, true)]         // 7×7: odd rows, 3-column tail
    [InlineData(2, 5, 13, 12, 3, 2, 1, new long[] { 1, 1, 1, 1 }, false)]      // stride 2 (MobileNet downsampling), batch 2
    [InlineData(1, 4, 14, 14, 3, 2, 1, new long[] { 0, 0, 1, 1 }, true)]       // asymmetric pads (TF "SAME")
    [InlineData(1, 3, 12, 28, 3, 1, 2, new long[] { 2, 2, 2, 2 }, true)]       // dilation 2, 1 vector per row
    [InlineData(1, 4, 9, 11, 5, 1, 1, new long[] { 2, 2, 2, 2 }, true)]        // 5×5 (BlazeFace), weights reloaded
    [InlineData(1, 2, 6, 6, 3, 1, 1, new long[] { 0, 0, 0, 0 }, false)]        // no padding
    public void ItMatchesOnnxRuntime(int n, int c, int h, int w, int k, int stride, int dilation, long[] pads, bool bias)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, n, c, h, w)
            .Initializer("w", TestTensors.Random([c, 1, k, k], seed: 2))
            .Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], ["y"],
                OnnxAttr.Ints("kernel_shape", k, k), OnnxAttr.Ints("strides", stride, stride),
                OnnxAttr.Ints("dilations", dilation, dilation), OnnxAttr.Ints("pads", pads), OnnxAttr.Int("group", c))
            .Output("y", DataType.Float32);
        if (bias)
        {
            model.Initializer("b", TestTensors.Random([c], seed: 3));
        }
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([n, c, h, w], seed: 1))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeIn1d()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 19)
            .Initializer("w", TestTensors.Random([4, 1, 3], seed: 5))
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("pads", 1, 1), OnnxAttr.Int("group", 4))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 4, 19], seed: 4))));
    }

    [Fact]
    public void ItLeavesAChannelMultiplierToTheGeneralKernel()
    {
        // group = C but M = 2·C: each input channel feeds two outputs, which the depthwise tile does not cover.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 8, 8)
            .Initializer("w", TestTensors.Random([6, 1, 3, 3], seed: 7))
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Int("group", 3))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 3, 8, 8], seed: 6))));
    }
}
