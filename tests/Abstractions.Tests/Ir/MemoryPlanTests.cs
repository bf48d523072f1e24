using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ir;

public class MemoryPlanTests
{
    private static readonly TensorType Floats1K = new(DataType.Float32, new Shape(1024));

    /// <summary>x → a → b → c → y, four Relus of 4 KiB each: a and c (and b and y) never live at the same time.</summary>
    private static Graph Chain()
    {
        var b = new GraphBuilder("chain");
        b.AddInput("x", Floats1K);
        var previous = "x";
        foreach (var name in new[] { "a", "b", "c", "y" })
        {
            b.AddNode("Relu", [previous], [(name, Floats1K)], name: "relu_" + name);
            previous = name;
        }
        b.Outputs.Add("y");
        return b.Build();
    }

    private static Graph Planned(Graph graph) => graph.WithMemoryPlan(MemoryPlanner.Plan(graph));

    private static Graph WithSlot(Graph graph, string value, MemorySlot slot)
        => graph.WithMemoryPlan(graph.Memory! with { Slots = graph.Memory!.Slots.SetItem(value, slot) });

    [Fact]
    public void ItComputesLifetimesFromDefinitionToLastReaderWithInputsAndOutputsLiveThroughout()
    {
        var lifetimes = MemoryPlanner.Lifetimes(Chain());
        Assert.Equal(new Lifetime(-1, 4), lifetimes["x"]);
        Assert.Equal(new Lifetime(0, 1), lifetimes["a"]);
        Assert.Equal(new Lifetime(2, 3), lifetimes["c"]);
        Assert.Equal(new Lifetime(3, 4), lifetimes["y"]);
    }

    [Fact]
    public void ItReusesTheBytesOfDeadValuesAndReachesThePeakLiveBound()
    {
        var plan = MemoryPlanner.Plan(Chain());
        Assert.Equal(plan.SlotOf("a"), plan.SlotOf("c"));
        Assert.Equal(plan.SlotOf("b"), plan.SlotOf("y"));
        Assert.Equal(3 * 4096, plan.ArenaBytes);
        Assert.Equal(5 * 4096, plan.BufferBytes);
        Assert.Equal(plan.ArenaBytes, MemoryPlanner.PeakLiveBytes(Chain()));
    }

    [Fact]
    public void TheVerifierAcceptsAPlannedGraph() => Assert.Empty(GraphVerifier.Check(Planned(Chain()), OpRegistry.Default));

    [Fact]
    public void TheVerifierRejectsTwoLiveValuesSharingBytes()
    {
        var graph = Planned(Chain());
        var bad = WithSlot(graph, "c", graph.Memory!.SlotOf("b")); // b is read by the node that defines c
        Assert.Contains(GraphVerifier.Check(bad, OpRegistry.Default), p => p.Contains("'b' [8192, 12288) and 'c' [8192, 12288) are live at the same time"));
    }

    [Fact]
    public void TheVerifierRejectsASlotTooSmallMisalignedOrPastTheArena()
    {
        var graph = Planned(Chain());
        var a = graph.Memory!.SlotOf("a");
        Assert.Contains(GraphVerifier.Check(WithSlot(graph, "a", a with { Bytes = 4092 }), OpRegistry.Default),
                        p => p.Contains("the slot of 'a' holds 4092 bytes but the value needs 4096"));
        Assert.Contains(GraphVerifier.Check(WithSlot(graph, "a", a with { Offset = a.Offset + 4 }), OpRegistry.Default),
                        p => p.Contains("is not 64-byte aligned"));
        Assert.Contains(GraphVerifier.Check(WithSlot(graph, "a", a with { Offset = graph.Memory!.ArenaBytes }), OpRegistry.Default),
                        p => p.Contains("ends past the arena"));
    }

    [Fact]
    public void TheVerifierRejectsAStalePlanAfterAWithRewrite()
    {
        var graph = Planned(Chain());
        var rewritten = graph with { Nodes = [.. graph.Nodes.Take(3), graph.Nodes[3] with { Outputs = ["z"] }], Outputs = ["z"], Types = graph.Types.Add("z", Floats1K) };
        var problems = GraphVerifier.Check(rewritten, OpRegistry.Default);
        Assert.Contains(problems, p => p.Contains("value 'z' has no slot"));
        Assert.Contains(problems, p => p.Contains("'y' has a slot but is not a non-constant value of the graph"));
    }

    [Fact]
    public void AGraphBuilderRewriteDropsThePlanAndPrintShowsIt()
    {
        var graph = Planned(Chain());
        Assert.Null(new GraphBuilder(graph).Build().Memory);
        Assert.Contains("memory: arena 12288 bytes, alignment 64", graph.Print());
        Assert.Contains("    c [4096, 8192)", graph.Print());
    }

    [Fact]
    public void ConstantsGetNoSlotAndZeroByteValuesOverlapNothing()
    {
        var b = new GraphBuilder("constants");
        b.AddInput("x", Floats1K);
        b.AddConstant("one", TensorData.FromFloats(new Shape(1024), new float[1024]));
        b.AddNode("Add", ["x", "one"], [("y", Floats1K)], name: "add");
        b.Outputs.Add("y");
        var plan = MemoryPlanner.Plan(b.Build());
        Assert.Equal<string>(["x", "y"], plan.Slots.Keys.Order(StringComparer.Ordinal));
        Assert.False(new MemorySlot(64, 0).Overlaps(new MemorySlot(0, 128)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(48)]
    public void ItRefusesAnAlignmentThatIsNotAPowerOfTwoOfAtLeastEight(int alignment)
        => Assert.Throws<ArgumentOutOfRangeException>(() => MemoryPlanner.Plan(Chain(), alignment));

    [Fact]
    public void TemporariesGoIntoTheGapsOfTheValuesLiveAtTheirStepAndGrowTheArenaOnlyWhenNoneFits()
    {
        var graph = Chain();
        var plan = MemoryPlanner.Plan(graph);
        var (offsets, arena) = MemoryPlanner.PlaceTemporaries(graph, plan, step => step is 0 or 2 ? 4096 : 0);
        // While relu_a runs only x and a are live, so b's slot is free; while relu_c runs, x, b and c fill the arena.
        Assert.Equal(plan.SlotOf("b").Offset, offsets[0]);
        Assert.Equal(plan.ArenaBytes, offsets[2]);
        Assert.Equal<int>([0, 2], offsets.Keys.Order());
        Assert.Equal(plan.ArenaBytes + 4096, arena);
    }
}
