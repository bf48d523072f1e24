using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;

namespace WasmGraph.Abstractions.Tests.Ir;

/// <summary>
/// The run-time extent analysis on hand-built pairs of graphs (at the bound and at the probe), the bound-layout rules
/// for Reshape and Softmax, and the host's padding of a dynamic input.
/// </summary>
public class RunTimeExtentTests
{
    /// <summary>x [1, S, 8] → Reshape to <paramref name="target"/>(S) → Softmax along <paramref name="softmaxAxis"/>.</summary>
    private static Graph Model(long length, Func<long, long[]> target, int softmaxAxis)
    {
        var b = new GraphBuilder("m");
        b.Metadata["opset"] = "13";
        b.AddInput("x", new TensorType(DataType.Float32, new Shape(1, length, 8)));
        var shape = target(length);
        b.AddNode("Reshape", ["x"], [("r", new TensorType(DataType.Float32, new Shape(shape)))], Attributes.Empty.With("shape", shape), name: "split");
        b.AddNode("Softmax", ["r"], [("y", new TensorType(DataType.Float32, new Shape(shape)))], Attributes.Empty.With("axis", (long)softmaxAxis), name: "soft");
        b.Outputs.Add("y");
        return b.Build();
    }

    private static Graph Annotated(Func<long, long[]> target, int softmaxAxis)
        => RunTimeExtentAnalysis.Annotate(Model(16, target, softmaxAxis), Model(9, target, softmaxAxis), 1, 16, 9, "m.onnx", "--input-shape x=1,16,8");

    [Fact]
    public void TheAxesThatFollowTheExtentAreTheOnesThatChangeWithTheLength()
    {
        var graph = Annotated(s => [1, s, 2, 4], softmaxAxis: 3);
        var extent = graph.Extent!;
        Assert.Equal([1], extent.AxesOf("x").Axes);
        Assert.Equal([1], extent.AxesOf("y").Axes);
        Assert.Equal("[1,1..16,2,4]", extent.Describe("r", graph.TypeOf("r")));
        Assert.Equal([1L, 1, 2, 4], extent.MinShape("r", graph.TypeOf("r")).ToArray());
        foreach (var node in graph.Nodes)
        {
            Assert.Equal(ExtentNeed.None, RunTimeExtentAnalysis.Check(node, graph, OpRegistry.Default, "--input-shape x=1,16,8").Need);
        }
    }

    [Fact]
    public void SoftmaxAlongTheExtentNeedsAnExtentAwareKernel()
    {
        var graph = Annotated(s => [1, 8, s], softmaxAxis: 2);
        var softmax = graph.Nodes.Single(n => n.Op == "Softmax");
        Assert.Equal(ExtentNeed.Kernel, RunTimeExtentAnalysis.Check(softmax, graph, OpRegistry.Default, "pin").Need);
    }

    [Fact]
    public void AReshapeThatMovesTheExtentToAnotherPlaceOfTheLayoutIsRefused()
    {
        // [1, S, 8] → [1, 8, S] keeps the element count but not the layout: at a shorter length the data moves.
        var graph = Annotated(s => [1, 8, s], softmaxAxis: 1);
        var reshape = graph.Nodes.Single(n => n.Op == "Reshape");
        var error = Assert.Throws<ModelException>(() => RunTimeExtentAnalysis.Check(reshape, graph, OpRegistry.Default, "--input-shape x=1,16,8"));
        Assert.Contains("merges or splits an axis", error.Message);
        Assert.Contains("--input-shape x=1,16,8", error.Message);
    }

    [Fact]
    public void AnAxisComputedFromTheLengthButNotEqualToItIsRefused()
    {
        var error = Assert.Throws<ModelException>(() => Annotated(s => [1, s * 8], softmaxAxis: 1));
        Assert.Contains("is not the length itself", error.Message);
    }

    [Fact]
    public void PadWritesTheDataInTheBoundLayoutAndZerosTheRest()
    {
        var bound = new TensorType(DataType.Int32, new Shape(2, 4));
        var actual = TensorData.FromArray(DataType.Int32, new Shape(2, 2), [1, 2, 3, 4]);
        var padded = RunTimeExtent.Pad(bound, DynamicDims.Of(1), actual);
        Assert.Equal([1, 2, 0, 0, 3, 4, 0, 0], new TensorData(bound, padded).ToInt64Array().Select(v => (int)v));
        Assert.Equal(actual.ToInt64Array(), BoundedOutputs.Trim(bound with { Dynamic = DynamicDims.Of(1) }, padded, [2, 2], "x").ToInt64Array());
    }

    [Theory]
    [InlineData(1, 128, 65)]
    [InlineData(1, 8, 5)]
    [InlineData(1, 2, 1)]
    [InlineData(100, 128, 100)]
    public void TheProbeIsInsideTheRangeAndNotTheBound(long min, long bound, long probe)
        => Assert.Equal(probe, RunTimeExtentAnalysis.ProbeFor(min, bound));
}
