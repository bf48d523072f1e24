using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class BroadcastingKernelTests
{
    [Theory]
    [InlineData("Max", new long[] { 2, 3, 4 }, new long[] { 3, 1 })]
    [InlineData("Min", new long[] { 2, 3, 4 }, new long[] { 4 })]
    [InlineData("PRelu", new long[] { 2, 3, 4 }, new long[] { 3, 1 })]
    [InlineData("Pow", new long[] { 3, 5 }, new long[] { 5 })]
    public void ItMatchesOnnxRuntimeForFloatBinaryOps(string op, long[] a, long[] b)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, a)
            .Input("b", DataType.Float32, b)
            .Node(op, ["a", "b"], ["y"])
            .Output("y", DataType.Float32);
        var aData = TestTensors.Random(a, seed: 1);
        if (op == "Pow")
        {
            aData = TensorData.FromFloats(aData.Type.Shape, aData.AsSpan<float>().ToArray().Select(v => v * 2 + 2.5f).ToArray());
        }
        AssertMatchesOnnxRuntime(model, Inputs(("a", aData), ("b", TestTensors.Random(b, seed: 2))), tolerance: 1e-5);
    }

    [Theory]
    [InlineData("Equal")]
    [InlineData("Less")]
    [InlineData("Greater")]
    [InlineData("LessOrEqual")]
    [InlineData("GreaterOrEqual")]
    public void ItComparesWithBoolResults(string op)
    {
        var model = new OnnxModelBuilder().Opset(16)
            .Input("a", DataType.Int64, 2, 4)
            .Input("b", DataType.Int64, 4)
            .Node(op, ["a", "b"], ["y"])
            .Output("y", DataType.Bool);
        var a = TensorData.FromInt64s(new Shape(2, 4), [1, 2, 3, 4, 4, 3, 2, 1]);
        var b = TensorData.FromInt64s(new Shape(4), [2, 2, 2, 2]);
        AssertMatchesOnnxRuntime(model, Inputs(("a", a), ("b", b)));
    }

    [Fact]
    public void ItSelectsWithWhereAndLogic()
    {
        var model = new OnnxModelBuilder().Opset(16)
            .Input("x", DataType.Float32, 3, 4)
            .Input("y", DataType.Float32, 4)
            .Node("Greater", ["x", "y"], ["gt"])
            .Node("Less", ["x", "y"], ["lt"])
            .Node("Or", ["gt", "lt"], ["ne"])
            .Node("Where", ["ne", "x", "y"], ["out"])
            .Output("out", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 4], seed: 4)), ("y", TestTensors.Random([4], seed: 5))));
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    public void ItComputesIntegerArithmetic(string op)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Int32, 2, 3)
            .Input("b", DataType.Int32, 3)
            .Node(op, ["a", "b"], ["y"])
            .Output("y", DataType.Int32);
        var a = TensorData.FromArray<int>(DataType.Int32, new Shape(2, 3), [7, -7, 100, 0, 5, -13]);
        var b = TensorData.FromArray<int>(DataType.Int32, new Shape(3), [2, 3, -4]);
        AssertMatchesOnnxRuntime(model, Inputs(("a", a), ("b", b)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ItComputesIntegerModWithEitherSignConvention(int fmod)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Int64, 6)
            .Input("b", DataType.Int64, 6)
            .Node("Mod", ["a", "b"], ["y"], OnnxAttr.Int("fmod", fmod))
            .Output("y", DataType.Int64);
        var a = TensorData.FromInt64s(new Shape(6), [7, -7, 7, -7, 9, 0]);
        var b = TensorData.FromInt64s(new Shape(6), [3, 3, -3, -3, 4, 5]);
        AssertMatchesOnnxRuntime(model, Inputs(("a", a), ("b", b)));
    }

    /// <summary>An activation after Add is a FusedElementwise chain; an Add carrying one is refused, not half-lowered.</summary>
    [Fact]
    public void AnAddCarryingAnActivationAttributeIsRefusedWithWhereItBelongs()
    {
        var graph = GraphText.Parse("""
            graph g(a: float32[4], b: float32[4]) {
              y: float32[4] = Add(a, b) {activation="Relu"}
              return y
            }
            """);

        Assert.False(new LlvmWasmBackend().IsOpSupported(graph.Nodes[0], graph, out var reason));
        Assert.Contains("FusedElementwise", reason);
    }
}
