using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class FoldBatchNormPassTests
{
    private static Graph ConvBatchNorm(bool convBias, bool convOutputAlsoUsed = false)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 6, 6)
            .Initializer("w", TestTensors.Random([4, 3, 3, 3], seed: 2))
            .Initializer("s", TestTensors.Random([4], seed: 3))
            .Initializer("b", TestTensors.Random([4], seed: 4))
            .Initializer("m", TestTensors.Random([4], seed: 5))
            .Initializer("v", TensorData.FromFloats(new Shape(4), [0.5f, 1f, 2f, 3f]))
            .Node("Conv", convBias ? ["x", "w", "cb"] : ["x", "w"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("BatchNormalization", ["c", "s", "b", "m", "v"], ["y"])
            .Output("y", DataType.Float32);
        if (convBias)
        {
            model.Initializer("cb", TestTensors.Random([4], seed: 6));
        }
        if (convOutputAlsoUsed)
        {
            model.Node("Relu", ["c"], ["r"]).Output("r", DataType.Float32);
        }
        return WasmPipeline.Import(model.ToBytes());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ItFoldsBatchNormIntoTheConvAndKeepsTheNumbers(bool convBias)
    {
        var before = ConvBatchNorm(convBias);
        var (after, context) = Apply(new FoldBatchNormPass(), before);
        Assert.Equal<string>(["Conv"], after.Nodes.Select(n => n.Op).ToArray());
        Assert.Equal<string>(["y"], after.Nodes[0].Outputs.ToArray());
        Assert.Equal(1, context.Statistics["folded"]);
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItLeavesAConvWhoseOutputHasOtherReaders()
    {
        var before = ConvBatchNorm(convBias: true, convOutputAlsoUsed: true);
        var (after, _) = Apply(new FoldBatchNormPass(), before);
        Assert.Same(before, after);
    }

    [Theory]
    [InlineData(0, new long[] { 5 })]
    [InlineData(1, new long[] { 1, 5 })]
    [InlineData(0, new long[] { 3, 5 })]
    [InlineData(1, new long[0])]
    public void ItFoldsBatchNormIntoAGemmOverItsColumns(int transB, long[] cShape)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3, 4)
            .Initializer("w", TestTensors.Random(transB == 1 ? [5, 4] : [4, 5], seed: 2))
            .Initializer("s", TestTensors.Random([5], seed: 3))
            .Initializer("b", TestTensors.Random([5], seed: 4))
            .Initializer("m", TestTensors.Random([5], seed: 5))
            .Initializer("v", TensorData.FromFloats(new Shape(5), [0.5f, 1f, 2f, 3f, 4f]))
            .Node("Gemm", cShape.Length == 0 ? ["x", "w"] : ["x", "w", "c"], ["g"], OnnxAttr.Int("transB", transB), OnnxAttr.Float("beta", 0.5f))
            .Node("BatchNormalization", ["g", "s", "b", "m", "v"], ["y"])
            .Output("y", DataType.Float32);
        if (cShape.Length > 0)
        {
            model.Initializer("c", TestTensors.Random(cShape, seed: 6));
        }
        var before = WasmPipeline.Import(model.ToBytes());

        var (after, _) = Apply(new FoldBatchNormPass(), before);

        var gemm = Assert.Single(after.Nodes);
        Assert.Equal("Gemm", gemm.Op);
        Assert.Equal(1f, gemm.Attributes.GetFloat("beta", 0f));
        AssertEquivalent(before, after, RandomInputs(before));
    }
}
