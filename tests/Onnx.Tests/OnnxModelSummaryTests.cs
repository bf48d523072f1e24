namespace WasmGraph.Onnx.Tests;

/// <summary>
/// The summary <c>inspect</c> shows: what it reads from a model, and that reading a hostile or huge file costs memory
/// in proportion to the summary, not to the weights or to the number of messages in the file.
/// </summary>
public class OnnxModelSummaryTests
{
    private static ValueInfoProto Value(string name, int elementType, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d switch
            {
                "?" => new TensorShapeProto.Types.Dimension(),
                _ when long.TryParse(d, out long n) => new TensorShapeProto.Types.Dimension { DimValue = n },
                _ => new TensorShapeProto.Types.Dimension { DimParam = d },
            });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } } };
    }

    private static ModelProto Model()
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(Value("x", 1, "N", "3", "?"));
        graph.Input.Add(Value("w", 1, "4", "3")); // IR 3 style: the initializer is listed as an input too
        graph.Output.Add(Value("y", 7, "N"));
        graph.Initializer.Add(OnnxTensors.ToProto("w", TensorData.FromFloats(new Shape(4, 3), new float[12])));
        graph.Initializer.Add(new TensorProto { Name = "s", DataType = (int)TensorProto.Types.DataType.String, Dims = { 2 } });
        graph.Node.Add(new NodeProto { OpType = "MatMul", Input = { "x", "w" }, Output = { "m" } });
        graph.Node.Add(new NodeProto { OpType = "Relu", Input = { "m" }, Output = { "r" } });
        graph.Node.Add(new NodeProto { OpType = "Relu", Input = { "r" }, Output = { "q" } });
        graph.Node.Add(new NodeProto { OpType = "Gelu", Domain = "com.microsoft", Input = { "q" }, Output = { "y" } });
        var model = new ModelProto { IrVersion = 3, ProducerName = "test", ProducerVersion = "1.2", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "me" });
        return model;
    }

    [Fact]
    public void ItSummarisesAModel()
    {
        var summary = OnnxModelSummary.Parse(Model().ToByteArray());

        Assert.Equal(3, summary.IrVersion);
        Assert.Equal(("test", "1.2", "tiny"), (summary.Producer, summary.ProducerVersion, summary.GraphName));
        Assert.Equal(new Dictionary<string, long> { ["ai.onnx"] = 13, ["com.microsoft"] = 1 }, summary.Opsets);
        Assert.Equal(new Dictionary<string, string> { ["author"] = "me" }, summary.MetadataProps);
        var input = Assert.Single(summary.Inputs);
        Assert.Equal(("x", "float32", "N,3,?"), (input.Name, input.DType, string.Join(",", input.Dims)));
        var output = Assert.Single(summary.Outputs);
        Assert.Equal(("y", "int64", "N"), (output.Name, output.DType, string.Join(",", output.Dims)));
        Assert.Equal(new Dictionary<string, int> { ["MatMul"] = 1, ["Relu"] = 2, ["com.microsoft.Gelu"] = 1 }, summary.OpHistogram);
        Assert.Equal(4, summary.NodeCount);
        Assert.Equal(2, summary.InitializerCount);
        Assert.Equal(14, summary.ParameterCount);
        Assert.Equal(48, summary.ParameterBytes); // strings count no bytes
    }

    [Fact]
    public void ItReadsPackedDimsAsWellAsTheUsualUnpackedOnes()
    {
        // proto2 writes repeated int64 unpacked, but a writer may pack them; both are valid wire format.
        var tensor = new MemoryStream();
        var output = new CodedOutputStream(tensor);
        output.WriteTag(TensorProto.DimsFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteLength(CodedOutputStream.ComputeInt64Size(5) + CodedOutputStream.ComputeInt64Size(300));
        output.WriteInt64(5);
        output.WriteInt64(300);
        output.WriteTag(TensorProto.DataTypeFieldNumber, WireFormat.WireType.Varint);
        output.WriteInt32((int)DataType.Float64);
        output.Flush();
        var graph = new GraphProto();
        graph.Initializer.Add(TensorProto.Parser.ParseFrom(tensor.ToArray()));

        var summary = OnnxModelSummary.Parse(new ModelProto { Graph = graph }.ToByteArray());

        Assert.Equal(1500, summary.ParameterCount);
        Assert.Equal(12000, summary.ParameterBytes);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]      // a tag that never ends
    [InlineData(new byte[] { 0x3A, 0x7F, 0x0A })]                  // a graph claiming 127 bytes, holding 1
    [InlineData(new byte[] { 0x3A, 0x02, 0x0A, 0x05 })]            // a node claiming more than its graph holds
    [InlineData(new byte[] { 0x00 })]                               // field number 0
    public void ItRefusesMalformedBytesWithAWasmGraphException(byte[] bytes)
    {
        Assert.ThrowsAny<WasmGraphException>(() => OnnxModelSummary.Parse(bytes));
    }

    [Fact]
    public void ItSkipsWeightsWithoutCopyingThem()
    {
        var graph = new GraphProto();
        graph.Initializer.Add(OnnxTensors.ToProto("big", TensorData.FromFloats(new Shape(16, 1 << 20), new float[16 << 20])));
        var bytes = new ModelProto { Graph = graph }.ToByteArray(); // 64 MiB of raw_data

        var (summary, allocated) = Measure(bytes);

        Assert.Equal(16L << 20, summary.ParameterCount);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated to summarise {bytes.Length} bytes");
    }

    [Fact]
    public void ItCountsAMillionEmptyNodesWithoutBuildingThem()
    {
        // 2 bytes per node on the wire; building a NodeProto for each would take well over 100 MB.
        const int nodes = 1_000_000;
        var graph = new byte[2 * nodes];
        for (int i = 0; i < nodes; i++)
        {
            graph[2 * i] = (byte)WireFormat.MakeTag(GraphProto.NodeFieldNumber, WireFormat.WireType.LengthDelimited);
        }
        var bytes = new MemoryStream();
        var output = new CodedOutputStream(bytes);
        output.WriteTag(ModelProto.GraphFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(graph));
        output.Flush();

        var (summary, allocated) = Measure(bytes.ToArray());

        Assert.Equal(nodes, summary.NodeCount);
        Assert.Equal(nodes, summary.OpHistogram["?"]);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated to count {nodes} nodes");
    }

    private static (OnnxModelSummary Summary, long Allocated) Measure(byte[] bytes)
    {
        OnnxModelSummary.Parse(bytes); // the first call pays for the descriptors and the JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        var summary = OnnxModelSummary.Parse(bytes);
        return (summary, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
