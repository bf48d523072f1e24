using System.Diagnostics;
using Google.Protobuf;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// Declarations that would exhaust memory or time are refused before anything is allocated, with a message naming
/// the file and the offending tensor, node or attribute.
/// </summary>
public sealed class ImportLimitsTests
{
    private static OnnxModelBuilder Relu() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 2, 3)
        .Node("Relu", ["x"], ["y"])
        .Output("y", DataType.Float32);

    private static Graph Load(byte[] bytes, ImportLimits limits)
    {
        using var stream = new MemoryStream(bytes);
        return new OnnxFrontend(limits).Load(stream, new FrontendOptions { SourceName = Import.File });
    }

    /// <summary>Runs <paramref name="load"/>, which must fail with a model error, and measures time and allocation.</summary>
    private static (ModelException Error, long AllocatedBytes, double Ms) Refused(Action load)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var error = Assert.ThrowsAny<ModelException>(load);
        return (error, GC.GetAllocatedBytesForCurrentThread() - before, clock.Elapsed.TotalMilliseconds);
    }

    [Fact]
    public void AnInitializerClaimingATrillionElementsIsRefusedAtOnce()
    {
        var huge = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float };
        huge.Dims.AddRange([1_000_000, 1_000_000]);
        var bytes = Relu().Initializer(huge).ToBytes();

        var (error, allocated, ms) = Refused(() => Import.Load(bytes));

        Assert.StartsWith(Import.File, error.Message);
        Assert.Contains("initializer 'w'", error.Message);
        Assert.Contains("limit of 2147483648 elements", error.Message);
        Assert.InRange(allocated, 0, 16 << 20);
        Assert.InRange(ms, 0, 2000);
    }

    [Theory]
    [InlineData(0xFFFF_FFFFL)]
    [InlineData(int.MaxValue)]
    [InlineData(1L << 40)]
    public void AFieldClaimingGigabytesIsNotAllocated(long claimed)
    {
        // A valid model, then a producer_name (field 2) whose length prefix claims `claimed` bytes but holds four.
        var bytes = new List<byte>(Relu().ToBytes()) { 0x12 };
        for (ulong v = (ulong)claimed; ; v >>= 7)
        {
            bytes.Add(v < 0x80 ? (byte)v : (byte)(v | 0x80));
            if (v < 0x80) { break; }
        }
        bytes.AddRange([1, 2, 3, 4]);

        var (error, allocated, _) = Refused(() => Import.Load(bytes.ToArray()));

        Assert.Contains("not a valid ONNX model", error.Message);
        Assert.InRange(allocated, 0, 16 << 20);
    }

    [Fact]
    public void DeeplyNestedSubgraphsHitTheDepthLimitInsteadOfTheStack()
    {
        var model = Relu().ToModel();
        var graph = new GraphProto { Name = "inner" };
        for (int i = 0; i < 200; i++)
        {
            var node = new NodeProto { OpType = "If" };
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = graph });
            graph = new GraphProto { Name = $"level{i}" };
            graph.Node.Add(node);
        }
        model.Graph.Node.Add(graph.Node[0]);

        var error = Assert.ThrowsAny<ModelException>(() => Import.Load(model.ToByteArray()));

        Assert.Contains("not a valid ONNX model", error.Message);
    }

    [Theory]
    [InlineData(17, 1L)]
    [InlineData(2, 1L << 40)]
    public void AnInputOfAbsurdRankOrDimensionIsRefused(int rank, long dim)
    {
        var dims = Enumerable.Repeat(1L, rank).ToArray();
        dims[^1] = dim;
        var model = new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, dims).Node("Relu", ["x"], ["y"]).Output("y", DataType.Float32);

        var error = Assert.ThrowsAny<ModelException>(() => Import.Load(model));

        Assert.StartsWith(Import.File, error.Message);
        Assert.Contains("input 'x'", error.Message);
    }

    [Fact]
    public void AnIntermediateTooLargeToAllocateIsRefusedWithItsNode()
    {
        // [65536,1] × [1,65536] is 2^32 elements; the weight itself is only 256 KiB.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 65536, 1)
            .Initializer("w", TensorData.FromFloats(new Shape(1, 65536), new float[65536]))
            .NamedNode("outer", "MatMul", ["x", "w"], ["y"])
            .Output("y", DataType.Float32);

        var error = Assert.ThrowsAny<ModelException>(() => Import.Load(model));

        Assert.Contains("node 'outer'", error.Message);
        Assert.Contains("MatMul", error.Message);
        Assert.Contains("limit of 2147483648 elements", error.Message);
    }

    [Fact]
    public void TheNodeCountAttributeSizeAndWeightBudgetAreEnforced()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 2, 8)
            .Initializer("w", TestTensors.Random([64, 64], seed: 1))
            .NamedNode("t", "Transpose", ["x"], ["t"], OnnxAttr.Ints("perm", 0, 2, 1))
            .Node("Relu", ["t"], ["r"])
            .Node("Relu", ["r"], ["y"])
            .Output("y", DataType.Float32).ToBytes();

        Assert.Contains("3 nodes, more than the limit of 2", Assert.ThrowsAny<ModelException>(() => Load(model, new ImportLimits { MaxNodes = 2 })).Message);
        var attribute = Assert.ThrowsAny<ModelException>(() => Load(model, new ImportLimits { MaxAttributeElements = 2 }));
        Assert.Contains("attribute 'perm' holds 3 values", attribute.Message);
        Assert.Contains("node 't'", attribute.Message);
        Assert.Contains("16384 bytes of weights, more than the 1000 bytes",
                        Assert.ThrowsAny<ModelException>(() => Load(model, new ImportLimits { MaxTotalWeightBytes = 1000 })).Message);
        Assert.NotNull(Load(model, ImportLimits.Default));
    }

    [Fact]
    public void TheWeightBudgetNeverExceedsAvailableMemory()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

        Assert.InRange(new ImportLimits { MaxTotalWeightBytes = long.MaxValue }.EffectiveWeightBudget(), 1, available);
        Assert.Equal(1234, new ImportLimits { MaxTotalWeightBytes = 1234 }.EffectiveWeightBudget());
    }

    [Fact]
    public void ARealModelIsWellWithinTheDefaults()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 224, 224)
            .Initializer("w", TestTensors.Random([64, 3, 7, 7], seed: 3))
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 3, 3, 3, 3))
            .Output("y", DataType.Float32);

        Assert.Equal([1, 64, 112, 112], Import.Load(model).Dims("y"));
    }
}
