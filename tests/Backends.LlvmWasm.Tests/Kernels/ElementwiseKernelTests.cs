using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class ElementwiseKernelTests
{
    public static TheoryData<string, long[], long[]> BroadcastCases()
    {
        var data = new TheoryData<string, long[], long[]>();
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            data.Add(op, [2, 3, 4, 5], [2, 3, 4, 5]);   // same shape
            data.Add(op, [2, 3, 4, 5], [3, 1, 1]);      // per-channel
            data.Add(op, [1, 4, 1], [3, 1, 6]);         // both broadcast
            data.Add(op, [7], []);                      // scalar
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void ItMatchesOnnxRuntimeForBroadcastArithmetic(string op, long[] a, long[] b)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, a)
            .Input("b", DataType.Float32, b)
            .Node(op, ["a", "b"], ["y"])
            .Output("y", DataType.Float32);
        var bData = TestTensors.Random(b, seed: 2);
        if (op == "Div")
        {
            // keep divisors away from zero so the comparison is about the kernel, not about cancellation
            bData = TensorData.FromFloats(bData.Type.Shape, bData.AsSpan<float>().ToArray().Select(v => v < 0 ? v - 0.5f : v + 0.5f).ToArray());
        }
        AssertMatchesOnnxRuntime(model, Inputs(("a", TestTensors.Random(a, seed: 1)), ("b", bData)));
    }

    [Theory]
    [InlineData("Relu", 13)]
    [InlineData("Sigmoid", 13)]
    public void ItMatchesOnnxRuntimeForUnaryOps(string op, int opset)
    {
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 3, 50)
            .Node(op, ["x"], ["y"])
            .Output("y", DataType.Float32);
        var x = TestTensors.Random([3, 50], seed: 9);
        var wide = TensorData.FromFloats(x.Type.Shape, x.AsSpan<float>().ToArray().Select(v => v * 30f).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", wide)), tolerance: 1e-5);
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForClipWithAttributes()
    {
        var model = new OnnxModelBuilder().Opset(6)
            .Input("x", DataType.Float32, 4, 9)
            .Node("Clip", ["x"], ["y"], OnnxAttr.Float("min", -0.25f), OnnxAttr.Float("max", 0.5f))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([4, 9], seed: 3))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForClipWithConstantInputs()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4, 9)
            .Initializer("lo", TensorData.FromFloats(Shape.Scalar, [0f]))
            .Initializer("hi", TensorData.FromFloats(Shape.Scalar, [0.6f]))
            .Node("Clip", ["x", "lo", "hi"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([4, 9], seed: 3))));
    }

    [Theory]
    [InlineData(9, 1)]
    [InlineData(8, 0)]
    [InlineData(15, 1)]
    public void ItMatchesOnnxRuntimeForBatchNormalization(int opset, int spatial)
    {
        long[] param = spatial == 1 ? [4] : [4, 5, 6];
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 2, 4, 5, 6)
            .Initializer("s", TestTensors.Random(param, seed: 1))
            .Initializer("b", TestTensors.Random(param, seed: 2))
            .Initializer("m", TestTensors.Random(param, seed: 3))
            .Initializer("v", TensorData.FromFloats(new Shape(param), TestTensors.Random(param, seed: 4).AsSpan<float>().ToArray().Select(v => v + 1.5f).ToArray()))
            .Node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], opset < 9 ? [OnnxAttr.Int("spatial", spatial), OnnxAttr.Float("epsilon", 1e-3f)] : [OnnxAttr.Float("epsilon", 1e-3f)])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 4, 5, 6], seed: 5))));
    }
}
