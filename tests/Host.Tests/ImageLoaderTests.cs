using System.Collections.Immutable;
using SkiaSharp;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

public sealed class ImageLoaderTests
{
    /// <summary>2×2 pixels: red, green / blue, (10, 20, 30).</summary>
    private static readonly (byte R, byte G, byte B)[] Pixels = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)];

    private static string WritePng(TempDirectory dir)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(2, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int i = 0; i < 4; i++)
        {
            bitmap.SetPixel(i % 2, i / 2, new SKColor(Pixels[i].R, Pixels[i].G, Pixels[i].B));
        }
        var path = dir.File("tiny.png");
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static TensorInfo Input(string dtype, params long[] shape) => new("image", dtype, shape.ToImmutableArray(), 0);

    private static float Expected(byte value, int channel, ImagePreprocessing p) => (value * p.Scale - p.Mean[channel]) / p.Std[channel];

    [Fact]
    public void ItNormalisesAPngIntoNchwWithImageNetDefaults()
    {
        using var dir = TestPaths.NewTempDirectory();
        var p = new ImagePreprocessing();

        var tensor = ImageLoader.Load(WritePng(dir), Input("float32", 1, 3, 2, 2), p);

        var values = tensor.AsSpan<float>().ToArray();
        Assert.Equal(12, values.Length);
        for (int pixel = 0; pixel < 4; pixel++)
        {
            var (r, g, b) = Pixels[pixel];
            Assert.Equal(Expected(r, 0, p), values[0 * 4 + pixel], 5);
            Assert.Equal(Expected(g, 1, p), values[1 * 4 + pixel], 5);
            Assert.Equal(Expected(b, 2, p), values[2 * 4 + pixel], 5);
        }
    }

    [Fact]
    public void ItLaysOutNhwcInBgrOrderWithCustomScale()
    {
        using var dir = TestPaths.NewTempDirectory();
        var p = new ImagePreprocessing { Layout = TensorLayout.NHWC, Order = ChannelOrder.BGR, Scale = 1, Mean = [0f], Std = [1f] };

        var values = ImageLoader.Load(WritePng(dir), Input("float32", 1, 2, 2, 3), p).AsSpan<float>().ToArray();

        for (int pixel = 0; pixel < 4; pixel++)
        {
            Assert.Equal(new float[] { Pixels[pixel].B, Pixels[pixel].G, Pixels[pixel].R }, values[(pixel * 3)..(pixel * 3 + 3)]);
        }
    }

    [Fact]
    public void ItFeedsRawPixelsToUInt8Inputs()
    {
        using var dir = TestPaths.NewTempDirectory();
        var bytes = ImageLoader.Load(WritePng(dir), Input("uint8", 1, 3, 2, 2), new ImagePreprocessing()).Bytes.ToArray();
        Assert.Equal(new byte[] { 255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30 }, bytes);
    }

    [Fact]
    public void ItResizesToTheInputSize()
    {
        using var dir = TestPaths.NewTempDirectory();
        var tensor = ImageLoader.Load(WritePng(dir), Input("float32", 1, 3, 8, 5), new ImagePreprocessing());
        Assert.Equal(3 * 8 * 5, tensor.Type.ElementCount);
    }

    [Fact]
    public void ItTakesDefaultsFromHintsAndGuessesNhwcFromTheShape()
    {
        var hinted = ImagePreprocessing.FromHints(
            new Dictionary<string, string> { ["channel_order"] = "BGR", ["scale"] = "1", ["mean"] = "1,2,3", ["std"] = "1" },
            new long[] { 1, 3, 224, 224 });
        Assert.Equal(ChannelOrder.BGR, hinted.Order);
        Assert.Equal(1f, hinted.Scale);
        Assert.Equal(new[] { 1f, 2f, 3f }, hinted.Mean);
        Assert.Equal(TensorLayout.NCHW, hinted.Layout);

        var guessed = ImagePreprocessing.FromHints(new Dictionary<string, string>(), new long[] { 1, 128, 128, 3 });
        Assert.Equal(TensorLayout.NHWC, guessed.Layout);
        Assert.Equal(1f / 255f, guessed.Scale);
        Assert.Equal(1f / 255f, ImagePreprocessing.ParseScale("1/255", "test"));
    }

    [Fact]
    public void ItRejectsAnInputThatIsNotAnImage()
    {
        using var dir = TestPaths.NewTempDirectory();
        var e = Assert.Throws<WasmGraph.Abstractions.WasmGraphException>(
            () => ImageLoader.Load(WritePng(dir), Input("float32", 1, 7, 2, 2), new ImagePreprocessing()));
        Assert.Contains("7 channels", e.Message);
    }
}
