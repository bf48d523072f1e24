using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>GatherElements, ScatterElements, CumSum, Hardmax and the two losses against ONNX Runtime.</summary>
public class SelectionKernelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void ItGathersElementsAlongAnAxis(int axis)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("data", DataType.Float32, 3, 4)
            .Input("indices", DataType.Int64, 2, 4)
            .Node("GatherElements", ["data", "indices"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        var indices = TensorData.FromInt64s(new Shape(2, 4), [0, 2, -1, 1, 2, 0, 1, -3]);
        AssertMatchesOnnxRuntime(model, Inputs(("data", TestTensors.Random([3, 4], seed: 1)), ("indices", indices)));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("add")]
    [InlineData("mul")]
    [InlineData("max")]
    [InlineData("min")]
    public void ItScattersElementsWithEachReduction(string reduction)
    {
        var model = new OnnxModelBuilder().Opset(18)
            .Input("data", DataType.Float32, 3, 4)
            .Input("indices", DataType.Int64, 3, 2)
            .Input("updates", DataType.Float32, 3, 2)
            .Node("ScatterElements", ["data", "indices", "updates"], ["y"], OnnxAttr.Int("axis", 1), OnnxAttr.String("reduction", reduction))
            .Output("y", DataType.Float32);
        // Row 1 writes column 2 twice: "none" keeps the last update, the reductions combine both.
        var indices = TensorData.FromInt64s(new Shape(3, 2), [0, 3, 2, -2, 1, 0]);
        AssertMatchesOnnxRuntime(model, Inputs(("data", TestTensors.Random([3, 4], seed: 2)), ("indices", indices),
                                               ("updates", TestTensors.Random([3, 2], seed: 3))));
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 1, 0)]
    [InlineData(1, 0, 1)]
    [InlineData(-1, 1, 1)]
    public void ItComputesCumulativeSums(int axis, int exclusive, int reverse)
    {
        var model = new OnnxModelBuilder().Opset(14)
            .Input("x", DataType.Float32, 3, 5, 2)
            .Initializer("axis", TensorData.FromInt64s(new Shape(), [axis]))
            .Node("CumSum", ["x", "axis"], ["y"], OnnxAttr.Int("exclusive", exclusive), OnnxAttr.Int("reverse", reverse))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 5, 2], seed: 4))));
    }

    [Theory]
    [InlineData(13, 1)]
    [InlineData(13, -1)]
    [InlineData(11, 1)]
    public void ItComputesHardmax(int opset, int axis)
    {
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Hardmax", ["x"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        // Ties: the first maximum wins.
        var x = TensorData.FromFloats(new Shape(2, 3, 4), Enumerable.Range(0, 24).Select(i => (float)((i * 7) % 5)).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", x)));
    }

    [Theory]
    [InlineData("NegativeLogLikelihoodLoss", "none", false, false)]
    [InlineData("NegativeLogLikelihoodLoss", "mean", true, true)]
    [InlineData("NegativeLogLikelihoodLoss", "sum", true, false)]
    [InlineData("SoftmaxCrossEntropyLoss", "mean", false, true)]
    [InlineData("SoftmaxCrossEntropyLoss", "none", true, false)]
    [InlineData("SoftmaxCrossEntropyLoss", "sum", true, true)]
    public void ItComputesLosses(string op, string reduction, bool weighted, bool ignore)
    {
        var attributes = new List<WasmGraph.Onnx.Proto.AttributeProto> { OnnxAttr.String("reduction", reduction) };
        if (ignore)
        {
            attributes.Add(OnnxAttr.Int("ignore_index", 2));
        }
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3, 4, 2)
            .Input("t", DataType.Int64, 3, 2)
            .Node(op, weighted ? ["x", "t", "w"] : ["x", "t"], ["loss"], attributes.ToArray())
            .Output("loss", DataType.Float32);
        if (weighted)
        {
            model.Initializer("w", TensorData.FromFloats(new Shape(4), [0.5f, 1.5f, 2f, 0.25f]));
        }
        var targets = TensorData.FromInt64s(new Shape(3, 2), [0, 2, 3, 1, 2, 0]);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 4, 2], seed: 5)), ("t", targets)));
    }
}
