using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ir;

public class GraphRewriterTests
{
    private static readonly TensorType Vec4 = new(DataType.Float32, new Shape(4));

    /// <summary>x → Relu → r → Sigmoid → s (output); r is also read by Add(r, one) → y (output).</summary>
    private static Graph Diamond()
    {
        var b = new GraphBuilder("diamond");
        b.AddInput("x", Vec4);
        b.AddConstant("one", TensorData.FromFloats(new Shape(4), [1, 1, 1, 1]));
        b.AddNode("Relu", ["x"], [("r", Vec4)], name: "relu");
        b.AddNode("Sigmoid", ["r"], [("s", Vec4)], name: "sigmoid");
        b.AddNode("Add", ["r", "one"], [("y", Vec4)], name: "add");
        b.AddNode("Neg", ["y"], [("n", Vec4)], name: "neg");
        b.Outputs.AddRange(["s", "y", "n"]);
        return b.Build();
    }

    [Fact]
    public void ItAnswersUseDefQuestionsAboutTheOriginalGraph()
    {
        var graph = Diamond();
        var rewriter = new GraphRewriter(graph);

        Assert.Equal("relu", rewriter.ProducerOf("r")!.Name);
        Assert.Null(rewriter.ProducerOf("x"));
        Assert.Null(rewriter.ProducerOf("one"));
        Assert.Equal(["sigmoid", "add"], rewriter.ConsumersOf("r").Select(n => n.Name));
        Assert.Empty(rewriter.ConsumersOf("s"));
        Assert.False(rewriter.HasSoleReader("r"));  // two readers
        Assert.False(rewriter.HasSoleReader("y"));  // one reader, but a graph output
        Assert.True(rewriter.HasSoleReader("x"));
        Assert.True(rewriter.IsAvailableBefore("x", graph.Nodes[0]));
        Assert.True(rewriter.IsAvailableBefore("one", graph.Nodes[0]));
        Assert.True(rewriter.IsAvailableBefore("r", graph.Nodes[2]));
        Assert.False(rewriter.IsAvailableBefore("y", graph.Nodes[1]));
    }

    [Fact]
    public void ItReturnsTheSameGraphWhenNothingChanged()
    {
        var graph = Diamond();
        var rewriter = new GraphRewriter(graph);
        _ = rewriter.ConsumersOf("r");

        Assert.False(rewriter.Changed);
        Assert.Same(graph, rewriter.Build());
    }

    [Fact]
    public void ItReplacesAndRemovesNodesInPlaceAndDropsTypesOfValuesNoLongerDefined()
    {
        var graph = Diamond();
        var rewriter = new GraphRewriter(graph);
        var add = graph.Nodes[2];
        var neg = graph.Nodes[3];

        rewriter.Replace(add, add with { Op = "Sub" });
        rewriter.Remove(graph.Nodes[1]);
        var after = rewriter.Build() with { Outputs = ["y", "n"] };

        Assert.Equal(["Relu", "Sub", "Neg"], after.Nodes.Select(n => n.Op));
        Assert.Same(neg, after.Nodes[2]);
        Assert.False(after.Types.ContainsKey("s"));
        Assert.True(rewriter.IsEdited(add));
        Assert.False(rewriter.IsEdited(neg));
        Assert.Same(graph.Nodes[1], rewriter.Graph.Nodes[1]); // the original is untouched
        Assert.Empty(GraphVerifier.Check(after, OpRegistry.Default));
    }

    [Fact]
    public void ReplaceAllPutsTheReplacementWhereTheLastNodeOfTheGroupWas()
    {
        var graph = Diamond();
        var rewriter = new GraphRewriter(graph);
        var add = graph.Nodes[2];
        var neg = graph.Nodes[3];
        var fused = new Node("neg", "FusedElementwise", ["r", "one"], ["n"],
                             Attributes.Empty.With("steps", AttributeValue.Of(["Add i0 i1", "Neg s0"])));

        rewriter.ReplaceAll([neg, add], fused);
        var after = rewriter.Build() with { Outputs = ["s", "n"] };

        Assert.Equal(["Relu", "Sigmoid", "FusedElementwise"], after.Nodes.Select(n => n.Op));
        Assert.Empty(GraphVerifier.Check(after, OpRegistry.Default));
    }

    [Fact]
    public void AddedConstantsGetFreshNames()
    {
        var graph = Diamond();
        var rewriter = new GraphRewriter(graph);

        var name = rewriter.AddConstant("one", TensorData.FromFloats(new Shape(4), [2, 2, 2, 2]));

        Assert.NotEqual("one", name);
        Assert.True(rewriter.Changed);
        var after = rewriter.Build();
        Assert.NotSame(graph, after);
        Assert.Equal(2f, after.Constants[name].ToFloatArray()[0]);
        Assert.Equal(1f, after.Constants["one"].ToFloatArray()[0]);
    }

    [Fact]
    public void ANodeIsRewrittenAtMostOnceAndOnlyInItsOwnGraph()
    {
        var graph = Diamond();
        var rewriter = new GraphRewriter(graph);
        rewriter.Remove(graph.Nodes[1]);

        Assert.Throws<InvalidOperationException>(() => rewriter.Replace(graph.Nodes[1], graph.Nodes[1]));
        Assert.Throws<ArgumentException>(() => rewriter.Remove(graph.Nodes[0] with { Name = "stranger" }));
    }
}
