namespace WasmGraph.Onnx.Tests;

/// <summary>Parsing a whole model file: every malformed file is one <see cref="ModelException"/> naming it, and nesting is bounded.</summary>
public class OnnxModelFileTests
{
    private static ModelProto Parse(byte[] bytes, int maxDepth = 64) => OnnxModelFile.Parse(new MemoryStream(bytes), "m.onnx", maxDepth);

    [Fact]
    public void ItParsesAModel()
    {
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "g" } };

        Assert.Equal("g", Parse(model.ToByteArray()).Graph.Name);
    }

    [Fact]
    public void ItRefusesTruncatedBytesAndAModelWithoutAGraph()
    {
        var bytes = new ModelProto { Graph = new GraphProto { Name = "a graph with a name" } }.ToByteArray();

        var truncated = Assert.Throws<ModelException>(() => Parse(bytes[..(bytes.Length / 2)]));
        var graphless = Assert.Throws<ModelException>(() => Parse(new ModelProto { IrVersion = 8 }.ToByteArray()));

        Assert.StartsWith("m.onnx: not a valid ONNX model (", truncated.Message);
        Assert.Contains("not a valid ONNX model (it has no graph)", graphless.Message);
    }

    [Fact]
    public void ItRefusesNestingDeeperThanTheLimit()
    {
        // A Loop body inside a Loop body …: each level is a graph in an attribute of a node.
        var graph = new GraphProto();
        for (int i = 0; i < 10; i++)
        {
            var node = new NodeProto { OpType = "Loop" };
            node.Attribute.Add(new AttributeProto { Name = "body", G = graph });
            graph = new GraphProto { Node = { node } };
        }
        var bytes = new ModelProto { Graph = graph }.ToByteArray();

        Assert.NotNull(Parse(bytes, maxDepth: 64));
        Assert.Contains("not a valid ONNX model", Assert.Throws<ModelException>(() => Parse(bytes, maxDepth: 8)).Message);
    }
}
