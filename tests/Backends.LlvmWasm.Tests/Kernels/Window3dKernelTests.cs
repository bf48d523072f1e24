using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>3-D convolution (the direct N-d kernel) and 3-D pooling (the generalised window kernel) against ONNX Runtime.</summary>
public class Window3dKernelTests
{
    [Theory]
    // in, out, kernel (d,h,w), stride, dilation, pads (6), group, bias
    [InlineData(3, 4, new long[] { 2, 3, 4 }, 1, 1, new long[] { 0, 0, 0, 0, 0, 0 }, 1, true)]
    [InlineData(3, 2, new long[] { 3, 3, 3 }, 2, 1, new long[] { 1, 0, 1, 1, 1, 0 }, 1, false)]
    [InlineData(4, 4, new long[] { 2, 2, 2 }, 1, 2, new long[] { 1, 1, 1, 1, 1, 1 }, 2, true)]
    public void ItMatchesOnnxRuntimeFor3dConvolution(int c, int m, long[] kernel, int stride, int dilation, long[] pads, int group, bool bias)
    {
        long[] input = [2, c, 5, 6, 5];
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, input)
            .Initializer("w", TestTensors.Random([m, c / group, .. kernel], seed: 2))
            .Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], ["y"],
                OnnxAttr.Ints("kernel_shape", kernel), OnnxAttr.Ints("strides", stride, stride, stride),
                OnnxAttr.Ints("dilations", dilation, dilation, dilation), OnnxAttr.Ints("pads", pads), OnnxAttr.Int("group", group))
            .Output("y", DataType.Float32);
        if (bias)
        {
            model.Initializer("b", TestTensors.Random([m], seed: 3));
        }
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(input, seed: 1))));
    }

    [Theory]
    [InlineData("MaxPool", 0, 0)]
    [InlineData("AveragePool", 0, 0)]
    [InlineData("AveragePool", 1, 0)]
    [InlineData("AveragePool", 0, 1)]
    [InlineData("MaxPool", 0, 1)]
    public void ItMatchesOnnxRuntimeFor3dPooling(string op, int countIncludePad, int ceilMode)
    {
        long[] input = [2, 3, 5, 6, 7];
        var attributes = new List<WasmGraph.Onnx.Proto.AttributeProto>
        {
            OnnxAttr.Ints("kernel_shape", 2, 3, 3), OnnxAttr.Ints("strides", 2, 2, 1), OnnxAttr.Ints("pads", 1, 1, 0, 0, 1, 1),
            OnnxAttr.Int("ceil_mode", ceilMode),
        };
        if (op == "AveragePool")
        {
            attributes.Add(OnnxAttr.Int("count_include_pad", countIncludePad));
        }
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, input)
            .Node(op, ["x"], ["y"], attributes.ToArray())
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(input, seed: 4))));
    }
}
