using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class FuseResidualAddPassTests
{
    private static Graph ResidualBlock(bool bias, bool convOnTheRight, bool depthwise = false)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 6, 6)
            .Initializer("w", TestTensors.Random([4, depthwise ? 1 : 4, 3, 3], seed: 2))
            .Node("Conv", bias ? ["x", "w", "b"] : ["x", "w"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Int("group", depthwise ? 4 : 1))
            .Node("Add", convOnTheRight ? ["x", "c"] : ["c", "x"], ["s"])
            .Node("Relu", ["s"], ["y"])
            .Output("y", DataType.Float32);
        if (bias)
        {
            model.Initializer("b", TestTensors.Random([4], seed: 3));
        }
        return WasmPipeline.Import(model.ToBytes());
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, false, true)] // the depthwise kernel's epilogue
    public void ItFoldsTheShortcutAddAndThenTheReluIntoTheConv(bool bias, bool convOnTheRight, bool depthwise)
    {
        var before = ResidualBlock(bias, convOnTheRight, depthwise);
        var (residual, context) = Apply(new FuseResidualAddPass(), before);
        Assert.Equal(1, context.Statistics["fused"]);
        var (after, _) = Apply(new FuseActivationPass(), residual);

        var conv = Assert.Single(after.Nodes);
        Assert.Equal(FusedOps.Conv, conv.Op);
        Assert.Equal("x", conv.Inputs[FusedOps.ResidualInput]);
        Assert.Equal(bias ? "b" : "", conv.Inputs[2]);
        Assert.Equal("Relu", conv.Attributes.GetString(FusedOps.Activation, ""));
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItLeavesAnAddThatBroadcasts()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 2, 5, 5)
            .Initializer("w", TestTensors.Random([2, 2, 1, 1], seed: 2))
            .Initializer("k", TestTensors.Random([2, 1, 1], seed: 3))
            .Node("Conv", ["x", "w"], ["c"])
            .Node("Add", ["c", "k"], ["y"])
            .Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());
        Assert.Same(before, Apply(new FuseResidualAddPass(), before).After);
    }

    [Fact]
    public void ABackendWithoutFusedConvGetsAnUnfusedGraphThatStillCompiles()
    {
        var before = ResidualBlock(bias: true, convOnTheRight: false);
        var noFusedConv = new RefusingCapabilities(FusedOps.Conv);

        var after = before;
        foreach (var pass in new IPass[] { new FuseResidualAddPass(), new FuseActivationPass(), new FuseElementwisePass() })
        {
            after = Apply(pass, after, noFusedConv).After;
        }

        Assert.DoesNotContain(after.Nodes, n => n.Op == FusedOps.Conv);
        Assert.Equal<string>(["Conv", FusedOps.Elementwise], after.Nodes.Select(n => n.Op).ToArray()); // Add → Relu is one loop
        AssertEquivalent(before, after, RandomInputs(before));
    }
}
