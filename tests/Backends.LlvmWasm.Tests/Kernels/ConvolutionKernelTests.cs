using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class ConvolutionKernelTests
{
    [Fact]
    public void AQdqConvWithoutTheFusionPassNamesThePassItNeeds()
    {
        // The importer leaves a QDQ Conv's DequantizeLinear weights for fuse-qdq; a pipeline without it cannot pack them.
        var graph = WasmPipeline.Import(QuantizedModels.QdqConv([1, 4, 6, 6], 8, 3, 1, relu: false, residual: false, DataType.UInt8, seed: 1).ToBytes());
        var error = Assert.ThrowsAny<WasmGraph.Abstractions.WasmGraphException>(() => WasmPipeline.Compile(graph));
        Assert.Contains("these come from a DequantizeLinear: put the fuse-qdq pass first in the pass list", error.Message);
    }

    [Theory]
    // batch, in, out, h, w, kernel, stride, dilation, pads(t,l,b,r), group, bias
    [InlineData(1, 3, 4, 8, 8, 3, 1, 1, new long[] { 1, 1, 1, 1 }, 1, true)]
    [InlineData(2, 4, 6, 9, 7, 3, 2, 1, new long[] { 0, 0, 0, 0 }, 1, false)]
    [InlineData(1, 3, 8, 15, 15, 7, 2, 1, new long[] { 3, 3, 2, 2 }, 1, true)]    // ResNet-style asymmetric stem
    [InlineData(1, 8, 8, 10, 10, 3, 1, 1, new long[] { 1, 1, 1, 1 }, 8, true)]    // depthwise
    [InlineData(1, 8, 4, 10, 10, 3, 1, 2, new long[] { 2, 2, 2, 2 }, 2, true)]    // grouped + dilated
    [InlineData(1, 16, 8, 5, 5, 1, 1, 1, new long[] { 0, 0, 0, 0 }, 1, true)]    // 1x1 (GEMM-like)
    [InlineData(1, 7, 12, 9, 6, 1, 2, 1, new long[] { 0, 0, 0, 0 }, 1, false)]   // 1x1 stride 2, odd channel count (unrolled pairs + 1)
    [InlineData(1, 4, 4, 6, 6, 2, 2, 1, new long[] { 1, 0, 0, 1 }, 1, false)]    // asymmetric pads, even kernel
    public void ItMatchesOnnxRuntimeFor2dConvolution(int n, int c, int m, int h, int w, int k, int stride, int dilation, long[] pads, int group, bool bias)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, n, c, h, w)
            .Initializer("w", TestTensors.Random([m, c / group, k, k], seed: 2))
            .Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], ["y"],
                OnnxAttr.Ints("kernel_shape", k, k), OnnxAttr.Ints("strides", stride, stride),
                OnnxAttr.Ints("dilations", dilation, dilation), OnnxAttr.Ints("pads", pads), OnnxAttr.Int("group", group))
            .Output("y", DataType.Float32);
        if (bias)
        {
            model.Initializer("b", TestTensors.Random([m], seed: 3));
        }
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([n, c, h, w], seed: 1))));
    }

    [Theory]
    [InlineData("SAME_UPPER", 2)]
    [InlineData("SAME_LOWER", 2)]
    [InlineData("VALID", 1)]
    public void ItResolvesAutoPad(string autoPad, int stride)
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 2, 7, 8)
            .Initializer("w", TestTensors.Random([3, 2, 3, 3], seed: 5))
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.String("auto_pad", autoPad), OnnxAttr.Ints("strides", stride, stride))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 7, 8], seed: 4))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeFor1dConvolution()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 20)
            .Initializer("w", TestTensors.Random([5, 3, 4], seed: 7))
            .Initializer("b", TestTensors.Random([5], seed: 8))
            .Node("Conv", ["x", "w", "b"], ["y"], OnnxAttr.Ints("strides", 2), OnnxAttr.Ints("pads", 2, 1), OnnxAttr.Ints("dilations", 2))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, 20], seed: 6))));
    }
}
