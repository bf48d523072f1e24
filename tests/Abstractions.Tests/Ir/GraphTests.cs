using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ir;

public class GraphTests
{
    private static readonly TensorType Vec4 = new(DataType.Float32, new Shape(4));

    private static Graph AddOne(string input = "x", string output = "y")
    {
        var b = new GraphBuilder("add-one");
        b.AddInput(input, Vec4);
        b.AddConstant("one", TensorData.FromFloats(new Shape(4), [1, 1, 1, 1]));
        b.AddNode("Add", [input, "one"], [(output, Vec4)], name: "add");
        b.Outputs.Add(output);
        return b.Build();
    }

    [Fact]
    public void ItVerifiesAWellFormedGraph() => Assert.Empty(GraphVerifier.Check(AddOne(), OpRegistry.Default));

    [Fact]
    public void ItReportsATypeThatDisagreesWithInference()
    {
        var graph = AddOne();
        graph = graph with { Types = graph.Types.SetItem("y", new TensorType(DataType.Float32, new Shape(5))) };
        Assert.Contains(GraphVerifier.Check(graph, OpRegistry.Default), p => p.Contains("infers as float32[4]"));
    }

    [Fact]
    public void ItReportsUseBeforeDefinitionAndUnknownOps()
    {
        var graph = AddOne();
        var bad = graph with { Nodes = [graph.Nodes[0] with { Inputs = ["nowhere", "one"] }, new Node("n", "Frobnicate", ["x"], ["z"], Attributes.Empty)] };
        var problems = GraphVerifier.Check(bad, OpRegistry.Default);
        Assert.Contains(problems, p => p.Contains("reads 'nowhere' before it is defined"));
        Assert.Contains(problems, p => p.Contains("not in the registry"));
    }

    [Fact]
    public void ItChainsTwoGraphsWithoutNameCollisions()
    {
        var chained = GraphComposition.Chain(AddOne("x", "y"), AddOne("x", "y"));
        Assert.Empty(GraphVerifier.Check(chained, OpRegistry.Default));
        Assert.Equal<string>(["x"], chained.Inputs.ToArray());
        Assert.Equal<string>(["y"], chained.Outputs.ToArray());
        Assert.Equal(2, chained.Nodes.Length);
        Assert.Equal("pre/y", chained.Nodes[1].Inputs[0]);
        Assert.Contains("pre/one", chained.Constants.Keys);
    }

    [Fact]
    public void ItRefusesToChainMismatchedTypes()
    {
        var b = new GraphBuilder("other");
        b.AddInput("z", new TensorType(DataType.Float32, new Shape(3)));
        b.Outputs.Add("z");
        var error = Assert.Throws<ModelException>(() => GraphComposition.Chain(AddOne(), b.Build()));
        Assert.Contains("expects float32[3]", error.Message);
    }

    [Fact]
    public void ItPrintsReadableIr()
    {
        var text = AddOne().Print();
        Assert.Contains("graph add-one(x: float32[4])", text);
        Assert.Contains("y: float32[4] = Add(x, one)", text);
    }
}
