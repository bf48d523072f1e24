using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class EliminateDeadCodePassTests
{
    [Fact]
    public void ItRemovesNodesAndConstantsThatDoNotReachAnOutput()
    {
        var before = new GraphBuilder("g");
        var t = new TensorType(DataType.Float32, new Shape(4));
        before.AddInput("x", t);
        before.AddConstant("unused", TensorData.FromFloats(new Shape(4), [1, 2, 3, 4]));
        before.AddConstant("k", TensorData.FromFloats(new Shape(4), [1, 1, 1, 1]));
        before.AddNode("Add", ["x", "k"], [("y", t)], name: "live");
        before.AddNode("Relu", ["x"], [("dead1", t)], name: "dead1");
        before.AddNode("Mul", ["dead1", "unused"], [("dead2", t)], name: "dead2");
        before.Outputs.Add("y");
        var graph = before.Build();

        var (after, context) = Apply(new EliminateDeadCodePass(), graph);
        Assert.Equal<string>(["live"], after.Nodes.Select(n => n.Name).ToArray());
        Assert.DoesNotContain("unused", after.Constants.Keys);
        Assert.DoesNotContain("dead2", after.Types.Keys);
        Assert.Equal(2, context.Statistics["nodes removed"]);
        AssertEquivalent(graph, after, RandomInputs(graph));
    }

    [Fact]
    public void ItReturnsTheSameGraphWhenNothingIsDead()
    {
        var b = new GraphBuilder("g");
        var t = new TensorType(DataType.Float32, new Shape(2));
        b.AddInput("x", t);
        b.AddNode("Relu", ["x"], [("y", t)]);
        b.Outputs.Add("y");
        var graph = b.Build();
        Assert.Same(graph, Apply(new EliminateDeadCodePass(), graph).After);
    }
}
