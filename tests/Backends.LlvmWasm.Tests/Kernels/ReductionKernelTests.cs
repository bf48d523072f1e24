using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class ReductionKernelTests
{
    public static TheoryData<string, long[], int> Cases()
    {
        var data = new TheoryData<string, long[], int>();
        foreach (var op in new[] { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp" })
        {
            data.Add(op, [2], 1);
            data.Add(op, [0, 2], 0);
            data.Add(op, [-1], 1);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ItMatchesOnnxRuntimeForReductions(string op, long[] axes, int keepDims)
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 3, 4, 5)
            .Node(op, ["x"], ["y"], OnnxAttr.Ints("axes", axes), OnnxAttr.Int("keepdims", keepDims))
            .Output("y", DataType.Float32);
        var x = TestTensors.Random([3, 4, 5], seed: 6);
        if (op == "ReduceLogSum")
        {
            x = TensorData.FromFloats(x.Type.Shape, x.AsSpan<float>().ToArray().Select(v => v + 1.5f).ToArray());
        }
        AssertMatchesOnnxRuntime(model, Inputs(("x", x)), tolerance: 2e-5);
    }

    [Fact]
    public void ItReducesOverAxesGivenAsAnInput()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3, 4, 5)
            .Initializer("axes", TensorData.FromInt64s(new Shape(1), [1]))
            .Node("ReduceSum", ["x", "axes"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 4, 5], seed: 7))));
    }

    [Theory]
    [InlineData("ArgMax", 1, 0)]
    [InlineData("ArgMin", 2, 1)]
    [InlineData("ArgMax", 0, 1)]
    public void ItFindsArgMaxAndArgMin(string op, int axis, int keepDims)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3, 4, 5)
            .Node(op, ["x"], ["y"], OnnxAttr.Int("axis", axis), OnnxAttr.Int("keepdims", keepDims))
            .Output("y", DataType.Int64);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 4, 5], seed: 8))));
    }
}
