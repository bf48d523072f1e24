using System.Collections.Concurrent;
using System.Text;
using CsCheck;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// .npy headers that lie: sizes of 2^31 bytes and more, products that overflow, negative and enormous dimensions,
/// garbage dtypes, lying length fields, truncated data. Each is a tensor or a <see cref="WasmGraphException"/> naming the
/// file, never another exception, and nothing is allocated for a size the file does not hold.
/// </summary>
public sealed class NpyFileHostileTests
{
    private static byte[] Npy(string dict, int dataBytes = 16, int version = 1)
    {
        var header = dict + "\n";
        var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        stream.Write(version == 1 ? BitConverter.GetBytes((ushort)header.Length) : BitConverter.GetBytes((uint)header.Length));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(new byte[dataBytes]);
        return stream.ToArray();
    }

    private static string Dict(string shape, string descr = "<f4", string fortran = "False")
        => $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}";

    private static (WasmGraphException Error, long Allocated) Refused(byte[] file, string name = "x.npy")
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<WasmGraphException>(() => NpyFile.Read(new MemoryStream(file), name));
        return (e, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("(536870912,)", "float32[536870912]")]              // exactly 2^31 bytes: was an OverflowException (exit 1)
    [InlineData("(65536, 65536)", "float32[65536,65536]")]
    [InlineData("(4294967296, 4294967296)", "float32[4294967296,4294967296]")] // the product overflows a long
    [InlineData("(9223372036854775807,)", "float32[9223372036854775807]")]
    [InlineData("(4294967296, 4294967296, 0)", "float32[4294967296,4294967296,0]")]
    public void AHeaderDeclaringTooManyBytesIsRefusedWithTheShapeAndTheLimit(string shape, string described)
    {
        var (e, allocated) = Refused(Npy(Dict(shape)));

        Assert.Contains($"x.npy: .npy header declares {described}, more than the limit of 2,147,483,591 bytes", e.Message);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void AHeaderDeclaringMoreThanTheFileHoldsIsRefusedWithoutAllocatingIt()
    {
        var (e, allocated) = Refused(Npy(Dict("(100000000,)"), dataBytes: 64));

        Assert.Contains("truncated .npy data: float32[100000000] needs 400,000,000 bytes, the file has 64", e.Message);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void AStreamThatCannotSeekIsReadInChunksSoALieCostsOnlyWhatArrives()
    {
        var file = Npy(Dict("(100000000,)"), dataBytes: 64);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<WasmGraphException>(() => NpyFile.Read(new ForwardOnlyStream(file), "pipe.npy"));

        Assert.Contains("pipe.npy: truncated .npy data", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Theory]
    [InlineData("(-1, 4)", "bad shape")]
    [InlineData("(99999999999999999999,)", "bad shape")]
    [InlineData("(1e3,)", "bad shape")]
    [InlineData("(2, 2)", "'<U8' is not supported", "<U8")]
    [InlineData("(2, 2)", "'[(' is not supported", "[(")]
    [InlineData("(2, 2)", "Fortran-order", "<f4", "True")]
    public void MalformedHeadersAreRefusedByName(string shape, string expected, string descr = "<f4", string fortran = "False")
        => Assert.Contains(expected, Refused(Npy(Dict(shape, descr, fortran))).Error.Message);

    [Fact]
    public void AHeaderLengthFieldThatLiesIsRefusedBeforeAllocatingIt()
    {
        var file = Npy(Dict("(4,)"), version: 2);
        BitConverter.GetBytes(uint.MaxValue).CopyTo(file, 8);

        var (e, allocated) = Refused(file);

        Assert.Contains("header length 4294967295 is over the limit", e.Message);
        Assert.True(allocated < 1 << 20);
    }

    [Fact]
    public void ARankAboveNumPysLimitIsRefused()
        => Assert.Contains("more than 64 dimensions", Refused(Npy(Dict("(" + string.Join(", ", Enumerable.Repeat("1", 65)) + ",)"))).Error.Message);

    [Fact]
    public void AnEmptyArrayWithHugeOtherDimensionsWithinTheLimitIsRead()
    {
        var tensor = NpyFile.Read(new MemoryStream(Npy(Dict("(1000000, 0, 100)"), dataBytes: 0)), "empty.npy");

        Assert.Equal(0, tensor.Type.ElementCount);
    }

    [Fact]
    public async Task AFileThatIsADeviceOrAFifoIsRefusedWithoutReading()
    {
        using var dir = TestPaths.NewTempDirectory();
        Assert.Contains("character device", Assert.Throws<WasmGraphException>(() => NpyFile.Read("/dev/zero")).Message);
        var fifo = SpecialFiles.Fifo(dir);

        var e = await Task.Run(() => Assert.Throws<WasmGraphException>(() => NpyFile.Read(fifo))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("FIFO", e.Message);
    }

    [Fact]
    public void WritingIsAtomicAndLeavesNoTemporary()
    {
        using var dir = TestPaths.NewTempDirectory();
        var path = dir.File("y.npy");
        File.WriteAllText(path, "old");

        NpyFile.Write(path, TensorData.FromFloats(new Shape(2), [1, 2]));

        Assert.Equal([1f, 2f], NpyFile.Read(path).ToFloatArray());
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    private static readonly string[] Kinds = ["generated-header", "header-bit-flip", "truncation", "length-lie", "huge-shape"];

    [Fact]
    public void RandomAndMutatedHeadersGiveATensorOrAClearErrorWithBoundedAllocation()
    {
        var outcomes = new ConcurrentDictionary<(string Kind, bool Read), int>();
        Gen.Select(Gen.Int[0, Kinds.Length - 1], Gen.Int).Sample((kind, seed) =>
        {
            var random = new Random(seed);
            var file = Make(Kinds[kind], random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool read;
            try
            {
                var tensor = NpyFile.Read(new MemoryStream(file), "fuzz.npy");
                Assert.True(tensor.Bytes.Length <= file.Length);
                read = true;
            }
            catch (WasmGraphException e)
            {
                Assert.StartsWith("fuzz.npy: ", e.Message);
                read = false;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 4L * file.Length + (1 << 20), $"{Kinds[kind]} (seed {seed}): {allocated} bytes allocated for a {file.Length}-byte file");
            outcomes.AddOrUpdate((Kinds[kind], read), 1, (_, n) => n + 1);
        }, iter: 2000, threads: 2);

        Assert.Contains(outcomes.Keys, k => k.Read);
        Assert.Contains(outcomes.Keys, k => !k.Read);
        Assert.Equal(Kinds.Length, outcomes.Keys.Select(k => k.Kind).Distinct().Count());
    }

    private static readonly string[] Descrs = ["<f4", "|u1", "<i8", "<f2", "|b1", ">f4", "<c8", "<U3", "", "'", "<f4'", "O", "=f8", "<u2"];
    private static readonly string[] DimTexts = ["0", "1", "3", "16", "-1", "2147483648", "4294967296", "9223372036854775807", "99999999999999999999", "1L", " 2 ", "x", ""];

    private static byte[] Make(string kind, Random random)
    {
        string Shape() => "(" + string.Join(", ", Enumerable.Range(0, random.Next(0, 5)).Select(_ => DimTexts[random.Next(DimTexts.Length)])) + (random.Next(2) == 0 ? ",)" : ")");
        switch (kind)
        {
            case "generated-header":
                var parts = new List<string>
                {
                    $"'descr': '{Descrs[random.Next(Descrs.Length)]}'",
                    $"'fortran_order': {(random.Next(4) == 0 ? "True" : "False")}",
                    $"'shape': {Shape()}",
                };
                var kept = parts.Where(_ => random.Next(8) != 0).OrderBy(_ => random.Next());
                return Npy("{" + string.Join(", ", kept) + ", }", dataBytes: random.Next(0, 200), version: random.Next(1, 4));
            case "header-bit-flip":
                var file = Npy(Dict($"({random.Next(1, 5)}, {random.Next(1, 5)})"), dataBytes: 64);
                for (int i = 0, n = random.Next(1, 6); i < n; i++)
                {
                    file[random.Next(Math.Min(file.Length, 90))] ^= (byte)(1 << random.Next(8));
                }
                return file;
            case "truncation":
                var whole = Npy(Dict("(4, 4)"), dataBytes: 64);
                return whole[..random.Next(whole.Length)];
            case "length-lie":
                var lied = Npy(Dict("(4,)"), version: random.Next(1, 4));
                var length = random.Next(3) switch { 0 => uint.MaxValue, 1 => (uint)random.Next(), _ => (uint)random.Next(0, 200) };
                BitConverter.GetBytes(length).AsSpan(0, lied[6] == 1 ? 2 : 4).CopyTo(lied.AsSpan(8));
                return lied;
            default:
                var dims = Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(3) == 0 ? (long)random.Next(0, 8) : random.NextInt64(1, long.MaxValue));
                return Npy(Dict("(" + string.Join(", ", dims) + ",)"), dataBytes: random.Next(0, 64));
        }
    }

    /// <summary>A stream like a pipe: no length, no seeking.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
