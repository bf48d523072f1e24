using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ops;

/// <summary>Ops added to the registry by plugins: one definition per name and import, and decompositions a backend runs.</summary>
public class DecompositionTests
{
    private static readonly TensorType Vector = new(DataType.Float32, new Shape(4));

    /// <summary>Twice(x) = x + x, written as an Add; or, when <paramref name="broken"/>, a decomposition that forgets the output.</summary>
    private static OpDefinition Twice(bool broken = false) => new("Twice", FusionKind.Opaque, c => [c.Input(0)], "x + x")
    {
        Imports = [new OpImport("com.example", "Twice", n => [n.As("Twice", Attributes.Empty)])],
        Decomposition = (node, context) =>
        {
            var output = broken ? context.FreshName("lost") : node.Outputs[0];
            return [new Node("", "Add", [node.Inputs[0], node.Inputs[0]], [output], Attributes.Empty)];
        },
    };

    /// <summary>Quadruple(x) = Twice(Twice(x)): a decomposition that uses another decomposed op.</summary>
    private static readonly OpDefinition Quadruple = new("Quadruple", FusionKind.Opaque, c => [c.Input(0)], "4x")
    {
        Decomposition = (node, context) =>
        {
            var half = context.FreshName("half");
            return [new Node("", "Twice", [node.Inputs[0]], [half], Attributes.Empty), new Node("", "Twice", [half], [node.Outputs[0]], Attributes.Empty)];
        },
    };

    private static Graph OneNode(string op, OpRegistry registry)
    {
        var builder = new GraphBuilder("g");
        builder.AddInput("x", Vector);
        builder.AddNode(op, ["x"], [("y", Vector)], name: "n");
        builder.Outputs.Add("y");
        var graph = builder.Build();
        return graph.WithMemoryPlan(MemoryPlanner.Plan(graph));
    }

    [Fact]
    public void ARegistryRefusesASecondDefinitionOfAName()
    {
        var error = Assert.Throws<WasmGraphException>(() => OpRegistry.Default.With(new OpDefinition("Relu", FusionKind.Elementwise, c => [c.Input(0)], "again")));
        Assert.Contains("'Relu' is defined twice", error.Message);
    }

    [Fact]
    public void ARegistryRefusesTwoOpsImportingTheSameNode()
    {
        var other = Twice() with { Name = "Twice2" };
        var error = Assert.Throws<WasmGraphException>(() => OpRegistry.Default.With(Twice(), other));
        Assert.Contains("com.example::Twice", error.Message);
    }

    [Fact]
    public void ARegistryFindsAnImportByDomainAndOpType()
    {
        var registry = OpRegistry.Default.With(Twice());
        Assert.NotNull(registry.FindImport("com.example", "Twice"));
        Assert.Null(registry.FindImport("", "Twice"));
        Assert.Null(OpRegistry.Default.FindImport("com.example", "Twice"));
    }

    [Fact]
    public void ExpandingReplacesTheNodesNoKernelLowersRecursivelyAndDropsTheMemoryPlan()
    {
        var registry = OpRegistry.Default.With(Twice(), Quadruple);
        var graph = OneNode("Quadruple", registry);

        var expanded = Decompositions.Expand(graph, registry, op => op == "Add");

        Assert.Equal(["Add", "Add"], expanded.Nodes.Select(n => n.Op));
        Assert.Equal(["n/0/0", "n/1/0"], expanded.Nodes.Select(n => n.Name));
        Assert.Equal("y", expanded.Nodes[^1].Outputs[0]);
        Assert.Equal(Vector, expanded.TypeOf(expanded.Nodes[0].Outputs[0]));
        Assert.Null(expanded.Memory);
        GraphVerifier.Verify(expanded, registry, "test");
    }

    [Fact]
    public void ExpandingLeavesAGraphWhoseOpsAllLowerUnchanged()
    {
        var registry = OpRegistry.Default.With(Twice());
        var graph = OneNode("Twice", registry);

        Assert.Same(graph, Decompositions.Expand(graph, registry, op => op == "Twice"));
    }

    [Fact]
    public void ADecompositionThatDoesNotDefineTheOutputIsAnError()
    {
        var registry = OpRegistry.Default.With(Twice(broken: true));
        var graph = OneNode("Twice", registry);

        var error = Assert.Throws<ModelException>(() => Decompositions.Expand(graph, registry, op => op == "Add"));
        Assert.Contains("does not define output 'y'", error.Message);
    }
}
