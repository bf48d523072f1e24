using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>Sin, Cos, Tan, Asin, Acos, Atan (written in IR) against ONNX Runtime over their domains.</summary>
public class TrigKernelTests
{
    [Theory]
    [InlineData("Sin", 20f, 0f)]
    [InlineData("Cos", 20f, 0f)]
    [InlineData("Tan", 1.5f, 0f)]
    [InlineData("Asin", 0.999f, 0f)]
    [InlineData("Acos", 0.999f, 0f)]
    [InlineData("Atan", 30f, 0f)]
    public void ItMatchesOnnxRuntimeForTrigonometry(string op, float scale, float offset)
    {
        var random = TestTensors.Random([4, 33], seed: 9);
        var x = TensorData.FromFloats(random.Type.Shape, random.AsSpan<float>().ToArray().Select(v => v * scale + offset).ToArray());
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4, 33)
            .Node(op, ["x"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", x)), tolerance: 2e-5);
    }

    [Fact]
    public void ItAddsFloat64Tensors()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float64, 2, 3)
            .Input("b", DataType.Float64, 3)
            .Node("Add", ["a", "b"], ["y"])
            .Output("y", DataType.Float64);
        var a = TensorData.FromArray<double>(DataType.Float64, new Shape(2, 3), [1.5, -2.25, 3, 0.1, 1e10, -7]);
        var b = TensorData.FromArray<double>(DataType.Float64, new Shape(3), [0.2, 0.3, -1e-9]);
        AssertMatchesOnnxRuntime(model, Inputs(("a", a), ("b", b)));
    }
}
