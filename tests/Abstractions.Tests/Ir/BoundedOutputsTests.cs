using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Abstractions.Tests.Ir;

/// <summary>Bounded types (a data-dependent size with a static bound): inference, the only-a-graph-output rule, metadata and trimming.</summary>
public class BoundedOutputsTests
{
    private static readonly TensorType Matrix = new(DataType.Float32, new Shape(2, 3));

    /// <summary>NonZero of x, as a graph output, optionally also read by a Reshape.</summary>
    private static Graph NonZero(bool read)
    {
        var b = new GraphBuilder("nonzero");
        b.Metadata["opset"] = "13";
        b.AddInput("x", Matrix);
        b.AddNode("NonZero", ["x"], [("y", TensorType.Bounded(DataType.Int64, new Shape(2, 6), 1))], name: "nz");
        b.Outputs.Add("y");
        if (read)
        {
            b.AddNode("Reshape", ["y"], [("z", new TensorType(DataType.Int64, new Shape(12)))], Attributes.Empty.With("shape", [12L]), name: "flat");
            b.Outputs.Add("z");
        }
        return b.Build();
    }

    [Fact]
    public void InferenceGivesTheBoundAndMarksTheDynamicAxis()
    {
        var graph = NonZero(read: false);
        Assert.Empty(GraphVerifier.Check(graph, OpRegistry.Default));
        var y = graph.TypeOf("y");
        Assert.True(y.IsBounded);
        Assert.Equal([1], y.Dynamic.Axes);
        Assert.Equal("int64[2,≤6]", y.ToString());
        Assert.NotEqual(new TensorType(DataType.Int64, new Shape(2, 6)), y); // the marker is part of the type
    }

    [Fact]
    public void AReadOfABoundedValueIsAVerifierProblemAndUnsupported()
    {
        var graph = NonZero(read: true);

        Assert.Contains(GraphVerifier.Check(graph, OpRegistry.Default),
                        p => p.Contains("node 'nz' (NonZero): its output size depends on the data, so it can only be a graph output ('y' feeds node 'flat' (Reshape))"));
        var e = Assert.Throws<UnsupportedOpException>(() => BoundedOutputs.ThrowIfConsumed(graph));
        Assert.StartsWith("unsupported: NonZero (opset 13) at node nz: its output size depends on the data", e.Message);
    }

    [Fact]
    public void MetadataCarriesTheDynamicAxesAndRestoresTheBoundedType()
    {
        var type = TensorType.Bounded(DataType.Int64, new Shape(6, 3), 0);
        var info = TensorInfo.From("selected", type);
        var json = new ModelMetadata { Outputs = [info, TensorInfo.From("static", Matrix)] }.ToJson();

        Assert.Contains("{\"name\":\"selected\",\"dtype\":\"int64\",\"shape\":[6,3],\"bytes\":144,\"dynamic_dims\":[0]}", json);
        Assert.Contains("{\"name\":\"static\",\"dtype\":\"float32\",\"shape\":[2,3],\"bytes\":24}", json);
        var back = ModelMetadata.FromJson(json).Outputs;
        Assert.Equal(type, back[0].ToTensorType());
        Assert.Equal(Matrix, back[1].ToTensorType());
    }

    [Fact]
    public void TrimmingKeepsTheLeadingEntriesOfEachDynamicAxis()
    {
        var bound = TensorType.Bounded(DataType.Int32, new Shape(2, 4, 2), 1);
        var padded = TensorData.FromArray(DataType.Int32, bound.Shape, Enumerable.Range(0, 16).ToArray());

        var trimmed = BoundedOutputs.Trim(bound, padded.Bytes, [2, 3, 2], "y");

        Assert.Equal(new TensorType(DataType.Int32, new Shape(2, 3, 2)), trimmed.Type);
        Assert.Equal([0L, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13], trimmed.ToInt64Array());
        Assert.Empty(BoundedOutputs.Trim(bound, padded.Bytes, [2, 0, 2], "y").ToInt64Array());
    }

    [Theory]
    [InlineData(2, 5, 2)]
    [InlineData(3, 4, 2)]
    [InlineData(2, -1, 2)]
    public void TrimmingRefusesDimsOutsideTheBound(long d0, long d1, long d2)
    {
        var bound = TensorType.Bounded(DataType.Int32, new Shape(2, 4, 2), 1);
        var e = Assert.Throws<WasmGraphException>(() => BoundedOutputs.Trim(bound, new byte[bound.ByteSize], [d0, d1, d2], "y"));
        Assert.Contains("do not fit its bound int32[2,≤4,2]", e.Message);
    }
}
