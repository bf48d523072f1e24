using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class PoolingKernelTests
{
    [Theory]
    // op, h, w, kernel, stride, pads (t,l,b,r), ceil, count_include_pad
    [InlineData("MaxPool", 8, 8, 2, 2, new long[] { 0, 0, 0, 0 }, 0, 0)]
    [InlineData("MaxPool", 9, 9, 3, 2, new long[] { 1, 1, 1, 1 }, 0, 0)]      // ResNet stem pool
    [InlineData("MaxPool", 10, 7, 3, 2, new long[] { 0, 1, 1, 0 }, 1, 0)]     // asymmetric + ceil
    [InlineData("AveragePool", 8, 8, 3, 1, new long[] { 1, 1, 1, 1 }, 0, 0)]
    [InlineData("AveragePool", 8, 8, 3, 1, new long[] { 1, 1, 1, 1 }, 0, 1)]
    [InlineData("AveragePool", 11, 9, 3, 2, new long[] { 1, 0, 0, 1 }, 1, 1)] // ceil windows past the end padding
    [InlineData("AveragePool", 11, 9, 3, 2, new long[] { 0, 1, 1, 0 }, 1, 0)]
    [InlineData("AveragePool", 7, 7, 7, 1, new long[] { 0, 0, 0, 0 }, 0, 0)]  // global-style
    public void ItMatchesOnnxRuntimeForWindowPooling(string op, int h, int w, int k, int stride, long[] pads, int ceil, int countPad)
    {
        var attributes = new List<Frontends.Onnx.Proto.AttributeProto>
        {
            OnnxAttr.Ints("kernel_shape", k, k), OnnxAttr.Ints("strides", stride, stride),
            OnnxAttr.Ints("pads", pads), OnnxAttr.Int("ceil_mode", ceil),
        };
        if (op == "AveragePool")
        {
            attributes.Add(OnnxAttr.Int("count_include_pad", countPad));
        }
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 2, 3, h, w)
            .Node(op, ["x"], ["y"], attributes.ToArray())
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, h, w], seed: 11))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForDilatedMaxPool()
    {
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 1, 2, 9, 9)
            .Node("MaxPool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("dilations", 2, 2), OnnxAttr.Ints("strides", 1, 1))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 9, 9], seed: 12))));
    }

    [Theory]
    [InlineData(new long[] { 1, 8, 7, 7 })]
    [InlineData(new long[] { 2, 3, 5 })]
    public void ItMatchesOnnxRuntimeForGlobalAveragePool(long[] shape)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, shape)
            .Node("GlobalAveragePool", ["x"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(shape, seed: 13))));
    }
}
