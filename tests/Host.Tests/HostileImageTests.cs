using System.Collections.Concurrent;
using System.Collections.Immutable;
using CsCheck;
using SkiaSharp;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Images that lie: dimensions far beyond the pixel limit are refused from the header, before anything is decoded;
/// truncated data decodes with a warning; and mutated PNG/JPEG bytes give an image or a <see cref="WasmGraphException"/>,
/// never another exception.
/// </summary>
public sealed class HostileImageTests
{
    private static readonly byte[] Png = HostileImages.Encode(SKEncodedImageFormat.Png);
    private static readonly byte[] Jpeg = HostileImages.Encode(SKEncodedImageFormat.Jpeg, 64, 64);

    private static long ManagedAllocation(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void APngDeclaring23000SquaredPixelsIsRefusedFromItsHeader()
    {
        var bomb = HostileImages.PngClaiming(Png, 23000, 23000);
        WasmGraphException? error = null;

        long allocated = ManagedAllocation(() => error = Assert.Throws<WasmGraphException>(() => ImageLoader.DecodeResized(bomb, "bomb.png", 8, 8)));

        Assert.Contains("bomb.png: the image declares 23000x23000 pixels (529 megapixels); the limit is 64 megapixels", error!.Message);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void AJpegDeclaringHugeDimensionsIsRefusedFromItsHeader()
    {
        var bomb = HostileImages.JpegClaiming(Jpeg, 65000, 65000);

        var e = Assert.Throws<WasmGraphException>(() => ImageLoader.DecodeResized(bomb, "bomb.jpg", 8, 8));

        Assert.Contains("65000x65000", e.Message);
    }

    [Fact]
    public void ATruncatedJpegDecodesWithAWarning()
    {
        var warnings = new List<string>();

        var rgba = ImageLoader.DecodeResized(Jpeg[..(Jpeg.Length / 2)], "cut.jpg", 8, 8, warnings.Add);

        Assert.Equal(8 * 8 * 4, rgba.Length);
        Assert.Contains(warnings, w => w.Contains("cut.jpg: the image data is truncated", StringComparison.Ordinal));
        Assert.Empty(WarningsOf(Jpeg)); // the whole file decodes without one
    }

    private static List<string> WarningsOf(byte[] image)
    {
        var warnings = new List<string>();
        ImageLoader.DecodeResized(image, "whole.jpg", 8, 8, warnings.Add);
        return warnings;
    }

    [Theory]
    [InlineData(100_000, 100_000, "the limit is 64 megapixels")]
    [InlineData(1, 0, "nothing to feed a photo to")]
    public void AModuleInputAskingForAnImpossibleImageIsRefusedBeforeDecoding(long height, long width, string expected)
    {
        using var dir = TestPaths.NewTempDirectory();
        var path = dir.File("ok.png");
        File.WriteAllBytes(path, Png);
        var input = new TensorInfo("image", "float32", [1, 3, height, width], 0);

        var e = Assert.Throws<WasmGraphException>(() => ImageLoader.Load(path, input, new ImagePreprocessing()));

        Assert.Contains("input 'image'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AnImageFileThatIsADeviceIsRefused()
    {
        var input = new TensorInfo("image", "float32", ImmutableArray.Create(1L, 3, 8, 8), 768);

        var e = Assert.Throws<WasmGraphException>(() => ImageLoader.Load("/dev/zero", input, new ImagePreprocessing()));

        Assert.Contains("character device", e.Message);
    }

    /// <summary>How a seed image is damaged; each is a way real files go wrong or are made to.</summary>
    private static readonly string[] Kinds = ["bit-flip", "byte-overwrite", "truncation", "huge-dimensions", "random-dimensions", "chunk-splice"];

    [Fact]
    public void MutatedPngAndJpegBytesDecodeOrAreRefusedClearly()
    {
        var outcomes = new ConcurrentDictionary<(string Kind, bool Decoded), int>();
        var seeds = new[] { Png, Jpeg, HostileImages.Encode(SKEncodedImageFormat.Webp, 16, 16) };

        Gen.Select(Gen.Int[0, Kinds.Length - 1], Gen.Int[0, seeds.Length - 1], Gen.Int).Sample((kind, seed, caseSeed) =>
        {
            var bytes = Mutate(Kinds[kind], seeds[seed], new Random(caseSeed));
            bool decoded;
            try
            {
                var rgba = ImageLoader.DecodeResized(bytes, "fuzz", 8, 8, _ => { });
                Assert.Equal(8 * 8 * 4, rgba.Length);
                decoded = true;
            }
            catch (WasmGraphException e)
            {
                Assert.StartsWith("fuzz: ", e.Message);
                decoded = false;
            }
            outcomes.AddOrUpdate((Kinds[kind], decoded), 1, (_, n) => n + 1);
        }, iter: 600, threads: 2);

        // Not vacuous: damaged images are both decoded (with a warning at most) and refused, and every kind was drawn.
        Assert.Contains(outcomes.Keys, k => k.Decoded);
        Assert.Contains(outcomes.Keys, k => !k.Decoded);
        Assert.Equal(Kinds.Length, outcomes.Keys.Select(k => k.Kind).Distinct().Count());
        Assert.DoesNotContain(outcomes.Keys, k => k is { Kind: "huge-dimensions", Decoded: true });
    }

    private static byte[] Mutate(string kind, byte[] seed, Random random)
    {
        var bytes = seed.ToArray();
        switch (kind)
        {
            case "bit-flip":
                for (int i = 0, n = random.Next(1, 8); i < n; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }
                return bytes;
            case "byte-overwrite":
                byte[] boundary = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];
                for (int i = 0, n = random.Next(1, 4); i < n; i++)
                {
                    bytes[random.Next(Math.Min(bytes.Length, 64))] = boundary[random.Next(boundary.Length)];
                }
                return bytes;
            case "truncation":
                return bytes[..random.Next(0, bytes.Length)];
            case "huge-dimensions":
                return Claim(seed, (uint)random.Next(8193, 65535), (uint)random.Next(8193, 65535));
            case "random-dimensions":
                return Claim(seed, (uint)random.Next(0, 4096), (uint)random.Next(0, 4096));
            default: // chunk-splice: a run of bytes moved elsewhere
                int start = random.Next(bytes.Length), length = random.Next(1, Math.Max(2, bytes.Length / 8));
                var chunk = bytes.Skip(start).Take(length).ToArray();
                var rest = bytes.Take(start).Concat(bytes.Skip(start + length)).ToList();
                rest.InsertRange(random.Next(rest.Count + 1), chunk);
                return rest.ToArray();
        }
    }

    /// <summary>The seed claiming other dimensions, where its format lets a header be rewritten consistently.</summary>
    private static byte[] Claim(byte[] seed, uint width, uint height)
        => seed[0] == 0x89 ? HostileImages.PngClaiming(seed, width, height)
            : seed[0] == 0xFF ? HostileImages.JpegClaiming(seed, (ushort)width, (ushort)height)
            : HostileImages.PngClaiming(Png, width, height);
}
