using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class UnaryMathKernelTests
{
    /// <summary>Inputs spread over the op's domain: x·scale + offset from uniform noise in [-1, 1).</summary>
    private static TensorData Spread(long[] dims, float scale, float offset, int seed)
    {
        var x = TestTensors.Random(dims, seed);
        return TensorData.FromFloats(x.Type.Shape, x.AsSpan<float>().ToArray().Select(v => v * scale + offset).ToArray());
    }

    [Theory]
    [InlineData("Abs", 5f, 0f)]
    [InlineData("Neg", 5f, 0f)]
    [InlineData("Sign", 5f, 0f)]
    [InlineData("Exp", 10f, 0f)]
    [InlineData("Log", 50f, 50.5f)]
    [InlineData("Sqrt", 50f, 50.5f)]
    [InlineData("Reciprocal", 3f, 4f)]
    [InlineData("Floor", 5f, 0f)]
    [InlineData("Ceil", 5f, 0f)]
    [InlineData("Round", 5f, 0f)]
    [InlineData("Tanh", 6f, 0f)]
    [InlineData("Erf", 4f, 0f)]
    [InlineData("Sinh", 4f, 0f)]
    [InlineData("Cosh", 4f, 0f)]
    [InlineData("Asinh", 8f, 0f)]
    [InlineData("Acosh", 4f, 5.1f)]
    [InlineData("Atanh", 0.9f, 0f)]
    [InlineData("Softplus", 10f, 0f)]
    [InlineData("Softsign", 10f, 0f)]
    [InlineData("HardSwish", 6f, 0f)]
    [InlineData("Elu", 3f, 0f)]
    [InlineData("Selu", 3f, 0f)]
    [InlineData("Celu", 3f, 0f)]
    [InlineData("LeakyRelu", 3f, 0f)]
    [InlineData("HardSigmoid", 5f, 0f)]
    [InlineData("ThresholdedRelu", 3f, 0f)]
    [InlineData("Shrink", 3f, 0f)]
    public void ItMatchesOnnxRuntimeForUnaryMath(string op, float scale, float offset)
    {
        int opset = op is "HardSwish" or "Celu" ? 14 : 13;
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 4, 33)
            .Node(op, ["x"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", Spread([4, 33], scale, offset, seed: 7))), tolerance: 2e-5);
    }

    [Theory]
    [InlineData("LeakyRelu", "alpha", 0.3f)]
    [InlineData("Elu", "alpha", 0.5f)]
    [InlineData("ThresholdedRelu", "alpha", 0.7f)]
    public void ItAppliesTheAlphaAttribute(string op, string attribute, float value)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 5)
            .Node(op, ["x"], ["y"], OnnxAttr.Float(attribute, value))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", Spread([2, 3, 5], 3f, 0f, seed: 3))), tolerance: 1e-5);
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForIntegerAbsAndNeg()
    {
        var x = TensorData.FromInt64s(new Shape(6), [-5, -1, 0, 1, 7, -9_000_000_000]);
        foreach (var op in new[] { "Abs", "Neg" })
        {
            var model = new OnnxModelBuilder().Opset(13)
                .Input("x", DataType.Int64, 6)
                .Node(op, ["x"], ["y"])
                .Output("y", DataType.Int64);
            AssertMatchesOnnxRuntime(model, Inputs(("x", x)));
        }
    }
}
