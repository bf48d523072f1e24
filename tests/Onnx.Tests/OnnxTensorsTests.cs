namespace WasmGraph.Onnx.Tests;

/// <summary>
/// TensorProto ↔ TensorData: every element type round-trips through raw_data and through its typed field, and every
/// way a file's tensor can lie is refused with a message naming the tensor and the file, before its size is allocated.
/// </summary>
public class OnnxTensorsTests
{
    private const string File = "model.onnx";

    public static IEnumerable<object[]> EveryTypeAndEncoding()
        => from type in DataTypes.All from encoding in Enum.GetValues<TensorEncoding>() select new object[] { type, encoding };

    [Theory]
    [MemberData(nameof(EveryTypeAndEncoding))]
    public void ItRoundTripsEveryElementTypeThroughTheWireFormat(DataType type, TensorEncoding encoding)
    {
        var bytes = new byte[2 * 3 * type.SizeOf()];
        new Random((int)type).NextBytes(bytes);
        var tensor = new TensorData(new TensorType(type, new Shape(2, 3)), bytes);

        var wire = OnnxTensors.ToProto("t", tensor, encoding).ToByteArray();
        var proto = TensorProto.Parser.ParseFrom(wire);
        var back = OnnxTensors.ToTensorData(proto, "initializer 't'", File);

        Assert.Equal(encoding == TensorEncoding.Raw, proto.HasRawData);
        Assert.Equal("t", proto.Name);
        Assert.Equal(tensor.Type, back.Type);
        Assert.Equal(bytes, back.Bytes.ToArray());
    }

    [Fact]
    public void ItReadsInt8FromTheLowByteOfEachInt32AsOnnxWritesIt()
    {
        var proto = new TensorProto { DataType = (int)DataType.Int8, Dims = { 3 }, Int32Data = { -1, 127, -128 } };

        var tensor = OnnxTensors.ToTensorData(proto, "Constant 'c'", File);

        Assert.Equal(new sbyte[] { -1, 127, -128 }, tensor.AsSpan<sbyte>().ToArray());
    }

    public static TheoryData<string, TensorProto, string> Lies() => new()
    {
        {
            "external", new TensorProto { DataType = 1, Dims = { 4 }, DataLocation = TensorProto.Types.DataLocation.External,
                                          ExternalData = { new StringStringEntryProto { Key = "location", Value = "weights.bin" } } },
            "initializer 'w' keeps its data in an external file ('weights.bin'); external data is not supported"
        },
        { "segment", new TensorProto { DataType = 1, Dims = { 4 }, Segment = new TensorProto.Types.Segment { Begin = 0, End = 4 } }, "initializer 'w' is stored in segments" },
        { "string", new TensorProto { DataType = (int)TensorProto.Types.DataType.String, Dims = { 1 } }, "initializer 'w' has element type STRING, which is not supported (supported: float32," },
        { "unknown code", new TensorProto { DataType = 99, Dims = { 1 } }, "element type code 99, which is not supported" },
        { "negative dim", new TensorProto { DataType = 1, Dims = { 2, -3 } }, "initializer 'w' has a negative dimension in [2,-3]" },
        { "short raw", new TensorProto { DataType = 1, Dims = { 4 }, RawData = ByteString.CopyFrom(new byte[12]) }, "initializer 'w' declares float32[4] (16 bytes) but raw_data holds 12 bytes" },
        { "no data", new TensorProto { DataType = 1, Dims = { 4 } }, "initializer 'w' declares float32[4] (4 elements) but has no data" },
        { "short typed", new TensorProto { DataType = 7, Dims = { 4 }, Int64Data = { 1, 2 } }, "(4 elements) but has 2 values in int64_data" },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public void ItRefusesATensorThatLiesAboutItsData(string lie, TensorProto proto, string expected)
    {
        var error = Assert.Throws<ModelException>(() => OnnxTensors.ToTensorData(proto, "initializer 'w'", File));

        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{lie}: {error.Message}");
        Assert.Equal(File, error.File);
    }

    [Theory]
    [InlineData(new long[] { 1L << 31, 4 }, "declares float32[2147483648,4] (34359738368 bytes), more than a tensor may hold")]
    [InlineData(new long[] { 1L << 40, 1L << 40 }, "whose size overflows")]
    public void ItRefusesAnOversizedDeclarationBeforeAllocatingIt(long[] dims, string expected)
    {
        var proto = new TensorProto { DataType = 1, Dims = { dims }, RawData = ByteString.CopyFrom(new byte[16]) };

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ModelException>(() => OnnxTensors.ToTensorData(proto, "initializer 'w'", File));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(expected, error.Message);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated while refusing");
    }
}
