using Microsoft.Extensions.Configuration;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class PlanMemoryPassTests
{
    private const long Floats = 1024; // 4 KiB per value: a multiple of the alignment, so the arithmetic stays plain

    /// <summary>Unary ops over [1, 1024] floats, one per (op, input, output).</summary>
    private static Graph Unaries(string[] outputs, params (string Op, string Input, string Output)[] nodes)
    {
        var model = new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, 1, Floats);
        foreach (var (op, input, output) in nodes)
        {
            model.Node(op, input.Split(','), [output]);
        }
        foreach (var output in outputs)
        {
            model.Output(output, DataType.Float32);
        }
        return WasmPipeline.Import(model.ToBytes());
    }

    private static (Graph After, PassContext Context) Plan(Graph graph, params (string Key, string Value)[] options)
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(options.Select(o => KeyValuePair.Create(o.Key, (string?)o.Value))).Build();
        var context = new PassContext(OpRegistry.Default, section);
        var after = new PlanMemoryPass().Run(graph, context);
        GraphVerifier.Verify(after, OpRegistry.Default, "plan-memory");
        return (after, context);
    }

    [Fact]
    public void ItReusesTheBytesOfAChainAndLeavesTheNodesAlone()
    {
        var before = Unaries(["y"], ("Relu", "x", "a"), ("Neg", "a", "b"), ("Sigmoid", "b", "c"), ("Tanh", "c", "y"));
        var (after, context) = Plan(before);

        var plan = after.Memory!;
        Assert.Equal(before with { Memory = plan }, after); // only the annotation is new
        Assert.Equal(plan.SlotOf("a"), plan.SlotOf("c"));
        Assert.Equal(plan.SlotOf("b"), plan.SlotOf("y"));
        Assert.Equal(5, context.Statistics["values"]);
        Assert.Equal(12, context.Statistics["arena KiB"]);    // x, then a/c and b/y sharing
        Assert.Equal(20, context.Statistics["buffers KiB"]);
        Assert.Equal(12, context.Statistics["peak live KiB"]);
        Assert.Equal(40, context.Statistics["saved %"]);
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void AResidualKeepsItsShortcutLiveUntilTheAdd()
    {
        var before = Unaries(["y"], ("Relu", "x", "a"), ("Neg", "a", "b"), ("Sigmoid", "b", "c"), ("Add", "a,c", "y"));
        var (after, _) = Plan(before);

        var plan = after.Memory!;
        Assert.Equal(new Lifetime(0, 3), MemoryPlanner.Lifetimes(after)["a"]);
        Assert.False(plan.SlotOf("a").Overlaps(plan.SlotOf("b")) || plan.SlotOf("a").Overlaps(plan.SlotOf("c")));
        Assert.Equal(plan.SlotOf("b"), plan.SlotOf("y"));  // b is dead once c exists
        Assert.Equal(4 * Floats * 4, plan.ArenaBytes);     // x, a, b/y, c
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void AGraphOutputStaysLiveAfterItsLastReader()
    {
        var before = Unaries(["y1", "y2"], ("Relu", "x", "a"), ("Neg", "a", "y1"), ("Sigmoid", "y1", "t"), ("Tanh", "t", "y2"));
        var (after, _) = Plan(before);

        var plan = after.Memory!;
        Assert.Equal(new Lifetime(1, 4), MemoryPlanner.Lifetimes(after)["y1"]);
        Assert.Equal(plan.SlotOf("a"), plan.SlotOf("t"));
        Assert.DoesNotContain(new[] { "t", "y2" }, v => plan.SlotOf(v).Overlaps(plan.SlotOf("y1")));
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItBindsAlignmentAndStrategyAndRefusesBadValues()
    {
        var graph = Unaries(["y"], ("Relu", "x", "a"), ("Neg", "a", "y"));
        var (after, _) = Plan(graph, ("Alignment", "4096"), ("Strategy", "in-order"));
        Assert.Equal(4096, after.Memory!.Alignment);
        Assert.Equal(PlanMemoryOptions.Default with { Alignment = 4096, Strategy = PlacementStrategy.InOrder },
                     PlanMemoryOptions.From(new ConfigurationBuilder().AddInMemoryCollection([new("alignment", "4096"), new("strategy", "in-order")]).Build()));

        var odd = Assert.Throws<WasmGraphException>(() => Plan(graph, ("Alignment", "48")));
        Assert.Contains("Pipeline:PassOptions:plan-memory:Alignment must be a power of two of at least 8, not '48'", odd.Message);
        var unknown = Assert.Throws<WasmGraphException>(() => Plan(graph, ("Strategy", "best")));
        Assert.Contains("must be 'smallest', 'greedy-by-size' or 'in-order', not 'best'", unknown.Message);
    }

    [Fact]
    public void TheVerifierAndTheBackendRejectAPlanThatNoLongerFits()
    {
        var (planned, _) = Plan(Unaries(["y"], ("Relu", "x", "a"), ("Neg", "a", "b"), ("Sigmoid", "b", "c"), ("Tanh", "c", "y")));
        // Rewritten without a GraphBuilder, so the plan stays: c now reads a, which lives on in the slot c was given.
        var stale = planned with { Nodes = planned.Nodes.SetItem(2, planned.Nodes[2] with { Inputs = ["a"] }) };

        Assert.Contains(GraphVerifier.Check(stale, OpRegistry.Default), p => p.Contains("'a' [4096, 8192) and 'c' [4096, 8192) are live at the same time"));
        var error = Assert.Throws<InvalidOperationException>(() => WasmPipeline.Compile(stale));
        Assert.Contains("the graph's memory plan does not fit the graph", error.Message);
        Assert.Null(new GraphBuilder(planned).Build().Memory); // the normal way to rewrite drops the plan instead
    }

    /// <summary>A stem conv and two residual blocks, fused the way the default pipeline fuses ResNets.</summary>
    private static Graph ResNetLike()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 16, 16)
            .Initializer("w0", TestTensors.Random([8, 3, 3, 3], seed: 2))
            .Node("Conv", ["x", "w0"], ["s"], OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("strides", 2, 2))
            .Node("Relu", ["s"], ["r0"]);
        var input = "r0";
        for (int block = 1; block <= 2; block++)
        {
            model.Initializer($"w{block}a", TestTensors.Random([8, 8, 3, 3], seed: 10 * block))
                 .Initializer($"w{block}b", TestTensors.Random([8, 8, 3, 3], seed: 10 * block + 1))
                 .Node("Conv", [input, $"w{block}a"], [$"c{block}a"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
                 .Node("Relu", [$"c{block}a"], [$"r{block}a"])
                 .Node("Conv", [$"r{block}a", $"w{block}b"], [$"c{block}b"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
                 .Node("Add", [$"c{block}b", input], [$"s{block}"])
                 .Node("Relu", [$"s{block}"], [$"r{block}"]);
            input = $"r{block}";
        }
        model.Initializer("fc", TestTensors.Random([8, 10], seed: 5))
             .Node("GlobalAveragePool", [input], ["pooled"])
             .Node("Flatten", ["pooled"], ["flat"])
             .Node("MatMul", ["flat", "fc"], ["y"])
             .Output("y", DataType.Float32);
        var graph = WasmPipeline.Import(model.ToBytes());
        foreach (IPass pass in new IPass[] { new FuseResidualAddPass(), new FuseActivationPass(), new EliminateDeadCodePass() })
        {
            graph = Apply(pass, graph).After;
        }
        return graph;
    }

    [Fact]
    public void OnAResNetTheBackendBuildsTheSameArenaWithThePassAsWithout()
    {
        var without = ResNetLike();
        var (with, _) = Plan(without);
        var (inOrder, _) = Plan(without, ("Strategy", "in-order"));
        var (greedy, _) = Plan(without, ("Strategy", "greedy-by-size"));

        var planned = WasmPipeline.Compile(with);
        var unplanned = WasmPipeline.Compile(without);
        Assert.Equal(unplanned.Metadata.ArenaBytes, planned.Metadata.ArenaBytes);
        Assert.Equal(unplanned.Metadata.ScratchBytes, planned.Metadata.ScratchBytes);
        Assert.Equal(unplanned.Bytes, planned.Bytes); // the same plan, so the same module
        Assert.Equal(Math.Min(greedy.Memory!.ArenaBytes, inOrder.Memory!.ArenaBytes), with.Memory!.ArenaBytes); // "smallest"
        AssertEquivalent(without, inOrder, RandomInputs(without));
    }
}
