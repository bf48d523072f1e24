using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class NormalizationKernelTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void ItMatchesOnnxRuntimeForLayerNormalizationWithStatistics(int axis)
    {
        long[] normalized = axis == -1 ? [6] : [4, 6];
        var model = new OnnxModelBuilder().Opset(17)
            .Input("x", DataType.Float32, 3, 4, 6)
            .Initializer("scale", TestTensors.Random(normalized, seed: 2))
            .Initializer("bias", TestTensors.Random(normalized, seed: 3))
            .Node("LayerNormalization", ["x", "scale", "bias"], ["y", "mean", "inv"], OnnxAttr.Int("axis", axis), OnnxAttr.Float("epsilon", 1e-3f))
            .Output("y", DataType.Float32)
            .Output("mean", DataType.Float32)
            .Output("inv", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 4, 6], seed: 1))));
    }

    [Theory]
    [InlineData(13, -1)]
    [InlineData(11, 1)]
    public void ItMatchesOnnxRuntimeForLogSoftmax(int opset, int axis)
    {
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 2, 3, 7)
            .Node("LogSoftmax", ["x"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        var x = TestTensors.Random([2, 3, 7], seed: 4);
        var wide = TensorData.FromFloats(x.Type.Shape, x.AsSpan<float>().ToArray().Select(v => v * 20).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", wide)));
    }
}
