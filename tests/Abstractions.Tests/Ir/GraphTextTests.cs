using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Tests.Ir;

public class GraphTextTests
{
    private static readonly TensorType Vec4 = new(DataType.Float32, new Shape(4));

    /// <summary>One graph with every kind of item: metadata, inline and omitted operands, every attribute kind, a memory plan.</summary>
    private static Graph Sample()
    {
        var b = new GraphBuilder("sample");
        b.AddInput("x", Vec4);
        b.AddConstant("one", TensorData.FromFloats(new Shape(4), [1, -0f, float.NaN, float.NegativeInfinity]));
        b.AddConstant("onnx::Shape_1", TensorData.FromInt64s(new Shape(2), [2, 2]));
        b.AddNode("Add", ["x", "one"], [("y", Vec4)], name: "add");
        var attributes = Attributes.Empty.With("alpha", 1f).With("axes", [0L, -1L]).With("mode", "say \"hi\"\n")
            .With("scales", AttributeValue.Of([0.5f, 2f])).With("names", AttributeValue.Of(["a", "b"]))
            .With("none", AttributeValue.Of(Array.Empty<long>())).With("value", AttributeValue.Of(TensorData.FromInt64s(new Shape(1), [7])));
        b.AddNode("Reshape", ["y", "onnx::Shape_1", ""], [("z", new TensorType(DataType.Float32, new Shape(2, 2)))], attributes, "reshape");
        b.AddNode("NonZero", ["z"], [("nz", TensorType.Bounded(DataType.Int64, new Shape(2, 4), 1))], name: "nz");
        b.Outputs.AddRange(["z", "nz"]);
        b.Metadata[GraphMetadata.Opset] = "13";
        b.Metadata[GraphMetadata.HintKey("layout")] = "NCHW";
        var slots = ImmutableDictionary<string, MemorySlot>.Empty.Add("x", new(0, 16)).Add("y", new(64, 16)).Add("z", new(0, 16)).Add("nz", new(128, 64));
        return b.Build().WithMemoryPlan(new MemoryPlan(slots, 192, 64));
    }

    private const string SampleText = """
        graph sample(x: float32[4]) {
          meta hint.layout = "NCHW"
          meta opset = "13"
          const one: float32[4] = [1,-0,-NaN,-Infinity]
          const onnx::Shape_1: int64[2] = [2,2]
          y: float32[4] = Add(x, one)  # add
          z: float32[2,2] = Reshape(y, onnx::Shape_1, "") {alpha=1.0, axes=[0,-1], mode="say \"hi\"\n", names=["a","b"], none=ints[], scales=[0.5,2.0], value=int64[1] [7]}  # reshape
          nz: int64[2,≤4] = NonZero(z)  # nz
          return z, nz
          memory: arena 192 bytes, alignment 64
            x [0, 16)
            z [0, 16)
            y [64, 80)
            nz [128, 192)
        }

        """;

    [Fact]
    public void ItPrintsEveryKindOfItemReadably() => Assert.Equal(SampleText, Sample().Print());

    [Fact]
    public void ItParsesPrintedTextBackToTheSameGraph()
    {
        var parsed = GraphText.Parse(SampleText);

        Assert.Null(GraphEquality.FirstDifference(Sample(), parsed));
        Assert.Equal(SampleText, parsed.Print());
    }

    [Fact]
    public void AFloatNaNKeepsItsPayloadAndCanonicalNaNsPrintPlainly()
    {
        var nans = new[] { BitConverter.UInt32BitsToSingle(0x7FC00000), BitConverter.UInt32BitsToSingle(0xFFC00000), BitConverter.UInt32BitsToSingle(0x7FC00001) };
        var text = GraphText.Attribute(AttributeValue.Of(nans), GraphTextOptions.Default);

        Assert.Equal("[NaN,-NaN,NaN:0x7fc00001]", text);
        Assert.Equal(nans.Select(BitConverter.SingleToUInt32Bits), GraphText.Parse($"graph g() {{\n  Op() {{f={text}}}\n  return\n}}").Nodes[0].Attributes.GetFloats("f").Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void HandWrittenTextMayOmitNodeNamesAndUseComments()
    {
        var graph = GraphText.Parse("""
            // a test graph
            graph g(x: float32[4]) {
              y: float32[4] = Relu(x)   // the node is named after its output
              return y
            }
            """);

        Assert.Equal("y", graph.Nodes.Single().Name);
        Assert.Equal(Vec4, graph.TypeOf("y"));
    }

    [Fact]
    public void ElidedDataPrintsItsSizeAndHashAndRefusesToParse()
    {
        var b = new GraphBuilder("big");
        b.AddConstant("w", TensorData.FromFloats(new Shape(17), new float[17]));
        b.Outputs.Add("w");
        var text = b.Build().Print();

        Assert.Contains("const w: float32[17] = <17 values, sha256 ", text);
        var error = Assert.Throws<ModelException>(() => GraphText.Parse(text));
        Assert.Contains("line 2, column 26", error.Message);
        Assert.Contains("GraphTextOptions.Full", error.Message);
    }

    [Theory]
    [InlineData("graph g(x: float32[4]) {\n  y: float32[4] = Relu(q)\n  return y\n}", "line 2, column 24: 'q' is read before it is defined")]
    [InlineData("graph g(x: float33[4]) {\n  return x\n}", "line 1, column 12: expected an element type")]
    [InlineData("graph g(x: float32[4]) {\n  x: float32[4] = Relu(x)\n  return x\n}", "line 2, column 3: 'x' is already defined at line 1, column 9")]
    [InlineData("graph g(x: float32[4,-2]) {\n  return x\n}", "line 1, column 22: dimension -2 is negative")]
    [InlineData("graph g() {\n  const c: int8[2] = [1,300]\n  return c\n}", "line 2, column 25: 300 is out of range for int8")]
    [InlineData("graph g() {\n  const c: float32[2] = [1]\n  return c\n}", "line 2, column 25: float32[2] holds 2 values, the data has 1")]
    [InlineData("graph g(x: float32[4]) {\n  y: float32[4] = Relu(x) {a=[]}\n  return y\n}", "line 2, column 30: an empty list has no element type")]
    [InlineData("graph g(x: float32[4]) {\n  y: float32[4] = Relu(x) {s=\"a\\q\"}\n  return y\n}", "line 2, column 32: unknown escape")]
    [InlineData("graph g(x: float32[4]) {\n  y: float32[4] = Relu(x\n  return y\n}", "line 3, column 3: expected ')', found 'return'")]
    [InlineData("graph g(x: float32[4]) {\n  y: float32[4] = Relu(x)\n}", "line 3, column 1: the graph has no 'return'")]
    [InlineData("graph g(x: float32[4]) {\n  return x\n} extra", "line 3, column 3: unexpected 'extra' after the graph")]
    public void AParseErrorNamesItsLineAndColumn(string text, string expected)
    {
        var error = Assert.Throws<ModelException>(() => GraphText.Parse(text));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("x", "x")]
    [InlineData("onnx::Conv_12", "onnx::Conv_12")]
    [InlineData("a:", "\"a:\"")]
    [InlineData("const", "\"const\"")]
    [InlineData("123", "123")]
    [InlineData("input.1", "input.1")]
    [InlineData("with space", "\"with space\"")]
    [InlineData("//c", "\"//c\"")]
    [InlineData("", "\"\"")]
    public void NamesArePrintedBareOnlyWhenTheyReadBackAsThemselves(string name, string printed)
    {
        var b = new GraphBuilder("g");
        b.AddInput(name.Length == 0 ? "e" : name, Vec4);
        b.AddNode("Relu", [name], [("r", Vec4)], name: "n");
        b.Outputs.Add("r");

        var line = GraphText.NodeLine(b.Build(), b.Nodes[0], GraphTextOptions.Default);

        Assert.Equal($"r: float32[4] = Relu({printed})  # n", line);
    }

    [Fact]
    public void ControlCharactersAndLoneSurrogatesAreEscaped()
        => Assert.Equal("\"\\u0001\\ud800\\\\\"", GraphText.Attribute(AttributeValue.Of("\u0001\ud800\\"), GraphTextOptions.Default));

    [Fact]
    public void EveryElementTypePrintsItsValuesInItsOwnWords()
    {
        var b = new GraphBuilder("types");
        b.AddConstant("b", new TensorData(new TensorType(DataType.Bool, new Shape(2)), [1, 0]));
        b.AddConstant("u8", new TensorData(new TensorType(DataType.UInt8, new Shape(1)), [255]));
        b.AddConstant("i8", new TensorData(new TensorType(DataType.Int8, new Shape(1)), [0x80]));
        b.AddConstant("u64", TensorData.FromArray(DataType.UInt64, new Shape(1), [ulong.MaxValue]));
        b.AddConstant("f16", TensorData.FromArray(DataType.Float16, new Shape(2), [BitConverter.HalfToUInt16Bits((Half)0.1), (ushort)0x7E00]));
        b.AddConstant("bf16", TensorData.FromArray(DataType.BFloat16, new Shape(1), [(ushort)0x3F80]));
        b.AddConstant("f64", TensorData.FromArray(DataType.Float64, new Shape(1), [0.1]));
        b.Outputs.Add("b");

        var text = b.Build().Print();

        Assert.Contains("const b: bool[2] = [true,false]", text);
        Assert.Contains("const u8: uint8[1] = [255]", text);
        Assert.Contains("const i8: int8[1] = [-128]", text);
        Assert.Contains("const u64: uint64[1] = [18446744073709551615]", text);
        Assert.Contains("const f16: float16[2] = [0.1,NaN]", text);
        Assert.Contains("const bf16: bfloat16[1] = [1]", text);
        Assert.Contains("const f64: float64[1] = [0.1]", text);
    }
}
