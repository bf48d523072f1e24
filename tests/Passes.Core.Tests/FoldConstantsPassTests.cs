using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class FoldConstantsPassTests
{
    [Fact]
    public void ItEvaluatesNodesWhoseInputsAreAllConstants()
    {
        var b = new GraphBuilder("g");
        var t = new TensorType(DataType.Float32, new Shape(2, 3));
        b.AddInput("x", t);
        b.AddConstant("w", TensorData.FromFloats(new Shape(3, 2), [1, 2, 3, 4, 5, 6]));
        b.AddConstant("s", TensorData.FromFloats(Shape.Scalar, [0.5f]));
        b.AddNode("Transpose", ["w"], [("wt", t)], Attributes.Empty.With("perm", [1L, 0L]), name: "transpose");
        b.AddNode("Mul", ["wt", "s"], [("scaled", t)], name: "scale");
        b.AddNode("Add", ["x", "scaled"], [("y", t)], name: "add");
        b.Outputs.Add("y");
        var graph = b.Build();

        var (after, context) = Apply(new FoldConstantsPass(), graph);
        Assert.Equal<string>(["add"], after.Nodes.Select(n => n.Name).ToArray());
        Assert.Equal([0.5f, 1.5f, 2.5f, 1f, 2f, 3f], after.Constants["scaled"].AsSpan<float>().ToArray());
        Assert.Equal(2, context.Statistics["folded"]);
        AssertEquivalent(graph, after, RandomInputs(graph));
    }

    [Fact]
    public void ItFoldsIntegerShapeArithmeticExactly()
    {
        var b = new GraphBuilder("g");
        var shape = new TensorType(DataType.Int64, new Shape(2));
        b.AddInput("x", new TensorType(DataType.Float32, new Shape(2)));
        b.AddConstant("a", TensorData.FromInt64s(new Shape(2), [long.MaxValue - 1, 7]));
        b.AddConstant("c", TensorData.FromInt64s(new Shape(2), [1, -2]));
        b.AddNode("Add", ["a", "c"], [("sum", shape)], name: "sum");
        b.AddNode("Div", ["sum", "c"], [("quotient", shape)], name: "div");
        b.AddNode("Relu", ["x"], [("y", new TensorType(DataType.Float32, new Shape(2)))], name: "relu");
        b.Outputs.Add("y");
        var after = Apply(new FoldConstantsPass(), b.Build()).After;
        Assert.Equal([long.MaxValue, -2], after.Constants["quotient"].AsSpan<long>().ToArray());
    }

    [Fact]
    public void ItReturnsTheSameGraphWhenNothingFolds()
    {
        var b = new GraphBuilder("g");
        var t = new TensorType(DataType.Float32, new Shape(2));
        b.AddInput("x", t);
        b.AddNode("Relu", ["x"], [("y", t)]);
        b.Outputs.Add("y");
        var graph = b.Build();
        Assert.Same(graph, Apply(new FoldConstantsPass(), graph).After);
    }
}
