using System.Text;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

public sealed class NpyFileTests
{
    public static TheoryData<DataType, long[]> Cases() => new()
    {
        { DataType.Float32, new long[] { 2, 3 } },
        { DataType.Float64, new long[] { 4 } },
        { DataType.Int64, new long[] { 1, 2, 2 } },
        { DataType.Int32, new long[] { 3, 1 } },
        { DataType.UInt8, new long[] { 5 } },
        { DataType.Int8, new long[] { 2, 2 } },
        { DataType.Bool, new long[] { 3 } },
        { DataType.Float32, Array.Empty<long>() },
        { DataType.Int64, new long[] { 0, 3 } },
        { DataType.Float16, new long[] { 2, 2 } },
        { DataType.Int16, new long[] { 3 } },
        { DataType.UInt16, new long[] { 3 } },
        { DataType.UInt32, new long[] { 2 } },
        { DataType.UInt64, new long[] { 2 } },
    };

    [Theory]
    [InlineData(DataType.Float16, "<f2")]
    [InlineData(DataType.Int16, "<i2")]
    [InlineData(DataType.UInt16, "<u2")]
    [InlineData(DataType.UInt32, "<u4")]
    [InlineData(DataType.UInt64, "<u8")]
    [InlineData(DataType.BFloat16, "<u2")]
    public void ItNamesTheNewTypesWithNumPyDescrs(DataType type, string descr)
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, new TensorData(new TensorType(type, new Shape(2)), new byte[2 * type.SizeOf()]));
        Assert.Contains($"'descr': '{descr}'", Encoding.Latin1.GetString(stream.ToArray()));
    }

    [Fact]
    public void ItWritesBFloat16AsUInt16BitsAndReadsThemBackForABFloat16Input()
    {
        var original = TensorData.FromArray<ushort>(DataType.BFloat16, new Shape(2), [0x3F80, 0xC0A0]);
        using var stream = new MemoryStream();
        NpyFile.Write(stream, original);
        stream.Position = 0;
        var read = NpyFile.Read(stream, "bf16.npy");

        Assert.Equal(DataType.UInt16, read.Type.ElementType);
        var asInput = NpyFile.AsDeclared(read, original.Type);
        Assert.NotNull(asInput);
        Assert.Equal(original.Bytes.ToArray(), asInput.Bytes.ToArray());
        Assert.Null(NpyFile.AsDeclared(read, new TensorType(DataType.Float16, new Shape(2))));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ItRoundTripsEveryElementType(DataType type, long[] dims)
    {
        var tensorType = new TensorType(type, new Shape(dims));
        var bytes = new byte[tensorType.ByteSize];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = type == DataType.Bool ? (byte)(i % 2) : (byte)(i * 7 + 1);
        }
        var original = new TensorData(tensorType, bytes);

        using var stream = new MemoryStream();
        NpyFile.Write(stream, original);
        Assert.Equal(0, (stream.Length - original.Bytes.Length) % 64);
        stream.Position = 0;
        var read = NpyFile.Read(stream, "mem.npy");

        Assert.Equal(original.Type, read.Type);
        Assert.Equal(original.Bytes.ToArray(), read.Bytes.ToArray());
    }

    [Fact]
    public void ItWritesTheHeaderNumPyExpects()
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, TensorData.FromFloats(new Shape(1, 3, 224, 224), new float[3 * 224 * 224]));
        var header = Encoding.Latin1.GetString(stream.ToArray(), 0, 128);
        Assert.StartsWith("\u0093NUMPY\u0001\u0000", header);
        Assert.Contains("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }", header);
        Assert.Equal('\n', header[127]);
    }

    [Fact]
    public void ItWritesOneDimensionalShapesAsPythonTuples()
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, TensorData.FromInt64s(new Shape(3), new long[] { 1, 2, 3 }));
        Assert.Contains("'shape': (3,)", Encoding.Latin1.GetString(stream.ToArray()));
    }

    [Fact]
    public void ItReadsVersionTwoHeaders()
    {
        var header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }".PadRight(51) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0]);
        stream.Write(BitConverter.GetBytes((uint)header.Length));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(BitConverter.GetBytes(7));
        stream.Write(BitConverter.GetBytes(-9));
        stream.Position = 0;

        var read = NpyFile.Read(stream, "v2.npy");

        Assert.Equal(new TensorType(DataType.Int32, new Shape(2)), read.Type);
        Assert.Equal(new[] { 7, -9 }, read.AsSpan<int>().ToArray());
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "Fortran-order")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", "'>f4' is not supported")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", "'<c8' is not supported")]
    [InlineData("{'descr': '<f4', 'shape': (2, 2), }", "malformed .npy header")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", "bad shape")]
    public void ItRejectsBadHeadersNamingTheFile(string dict, string expected)
    {
        using var dir = TestPaths.NewTempDirectory();
        var path = dir.File("bad.npy");
        var header = dict.PadRight(117) + "\n";
        using (var stream = File.Create(path))
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(Encoding.Latin1.GetBytes(header));
            stream.Write(new byte[16]);
        }

        var e = Assert.Throws<WasmGraphException>(() => NpyFile.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ItRejectsFilesThatAreNotNpy()
    {
        using var dir = TestPaths.NewTempDirectory();
        var path = dir.File("text.npy");
        File.WriteAllText(path, "hello, world");
        var e = Assert.Throws<WasmGraphException>(() => NpyFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("bad magic", e.Message);
    }

    [Fact]
    public void ItRejectsTruncatedData()
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, TensorData.FromFloats(new Shape(4), new float[] { 1, 2, 3, 4 }));
        var cut = new MemoryStream(stream.ToArray()[..^4]);
        var e = Assert.Throws<WasmGraphException>(() => NpyFile.Read(cut, "cut.npy"));
        Assert.Contains("cut.npy: truncated", e.Message);
    }

    [Fact]
    public void ItReportsAMissingFileByPath()
    {
        var e = Assert.Throws<WasmGraphException>(() => NpyFile.Read("/nonexistent/x.npy"));
        Assert.Contains("/nonexistent/x.npy", e.Message);
    }
}
