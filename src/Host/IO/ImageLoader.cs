using SkiaSharp;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.IO;

/// <summary>
/// Turns a photo into a model input: decode (SkiaSharp: PNG, JPEG, WebP, …), resize to the input's H×W with bilinear
/// filtering, then apply <see cref="ImagePreprocessing"/>. float32 inputs get normalised values; uint8 inputs get raw
/// pixels. One-channel inputs get luminance. A batch dimension greater than one repeats the image.
/// </summary>
public static class ImageLoader
{
    /// <summary>
    /// Most pixels decoded or produced: 64 megapixels is 256 MiB as RGBA, above any camera photo we expect (a 50 MP
    /// phone photo is 200 MB decoded) and far below what a small file can claim: a 1.5 MB PNG can declare 23000×23000
    /// (529 MP, 2 GB decoded). Checked against the header's dimensions before anything is decoded.
    /// </summary>
    public const long MaxPixels = 64L << 20;

    /// <param name="warn">Told about images that decode only partly (a truncated JPEG); null ignores that.</param>
    public static TensorData Load(string path, TensorInfo input, ImagePreprocessing preprocessing, Action<string>? warn = null)
    {
        var dims = input.Shape;
        if (dims.Length != 4)
        {
            throw new WasmGraphException($"input '{input.Name}' has shape [{string.Join(",", dims)}]; an image needs a rank-4 input");
        }
        var (n, c, h, w) = preprocessing.Layout == TensorLayout.NCHW
            ? (dims[0], dims[1], dims[2], dims[3])
            : (dims[0], dims[3], dims[1], dims[2]);
        if (c is not (1 or 3))
        {
            throw new WasmGraphException(
                $"input '{input.Name}' [{string.Join(",", dims)}] read as {preprocessing.Layout} has {c} channels; images give 1 or 3 (try --layout)");
        }
        // The module's declared shape sets how much the resize and the tensor take: bound it like a decoded image.
        if (h <= 0 || w <= 0 || n <= 0)
        {
            throw new WasmGraphException($"input '{input.Name}' [{string.Join(",", dims)}] asks for {n} image(s) of {w}x{h}: nothing to feed a photo to");
        }
        if ((Int128)h * w > MaxPixels || (Int128)n * c * h * w * 4 > InputFile.NpyMaxBytes)
        {
            throw new WasmGraphException(
                $"input '{input.Name}' [{string.Join(",", dims)}] asks for {n} image(s) of {w}x{h}; the limit is {MaxPixels / (1 << 20)} megapixels " +
                $"and {InputFile.NpyMaxBytes:N0} bytes in all");
        }
        var rgba = DecodeResized(path, (int)w, (int)h, warn);
        return ToTensor(rgba, input, (int)n, (int)c, (int)h, (int)w, preprocessing);
    }

    /// <summary>Decodes and resizes to exactly <paramref name="width"/>×<paramref name="height"/>, as unpremultiplied RGBA bytes.</summary>
    public static byte[] DecodeResized(string path, int width, int height, Action<string>? warn = null)
        => DecodeResized(InputFile.ReadAllBytes(path, "image file", InputFile.ImageMaxBytes), path, width, height, warn);

    /// <summary>Decodes and resizes to exactly <paramref name="width"/>×<paramref name="height"/>, as unpremultiplied RGBA bytes.</summary>
    public static byte[] DecodeResized(byte[] encoded, string name, int width, int height, Action<string>? warn = null)
    {
        using var decoded = Decode(encoded, name, warn);
        var target = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = decoded.Resize(target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None))
                            ?? throw new WasmGraphException($"{name}: could not resize to {width}x{height}");
        return resized.GetPixelSpan().ToArray();
    }

    /// <summary>The image file at <paramref name="path"/> decoded at full size (see <see cref="Decode(byte[], string, Action{string}?)"/>).</summary>
    public static SKBitmap Decode(string path, Action<string>? warn = null)
        => Decode(InputFile.ReadAllBytes(path, "image file", InputFile.ImageMaxBytes), path, warn);

    /// <summary>
    /// Decodes <paramref name="encoded"/> (named <paramref name="name"/> in messages): its dimensions are read from the
    /// header and checked against <see cref="MaxPixels"/> first. A truncated image is used as far as it goes, as
    /// SkiaSharp and browsers do, but <paramref name="warn"/> is told; corrupt data is refused. The caller disposes it.
    /// </summary>
    public static SKBitmap Decode(byte[] encoded, string name, Action<string>? warn = null)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new WasmGraphException($"{name}: not an image SkiaSharp can decode");
        var declared = codec.Info;
        long pixels = (long)declared.Width * declared.Height;
        if (declared.Width <= 0 || declared.Height <= 0)
        {
            throw new WasmGraphException($"{name}: the image declares {declared.Width}x{declared.Height} pixels");
        }
        if (pixels > MaxPixels)
        {
            throw new WasmGraphException(
                $"{name}: the image declares {declared.Width}x{declared.Height} pixels ({pixels / 1e6:F0} megapixels); the limit is " +
                $"{MaxPixels / (1 << 20)} megapixels ({MaxPixels * 4 / (1 << 20)} MiB decoded)");
        }
        // As SKBitmap.Decode does: premultiplied alpha, no colour space.
        var info = declared.WithAlphaType(declared.AlphaType == SKAlphaType.Unpremul ? SKAlphaType.Premul : declared.AlphaType).WithColorSpace(null);
        var decoded = new SKBitmap(info);
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
        switch (result)
        {
            case SKCodecResult.Success:
                return decoded;
            case SKCodecResult.IncompleteInput:
                warn?.Invoke($"{name}: the image data is truncated; only part of it was decoded (the rest is blank)");
                return decoded;
            default:
                decoded.Dispose();
                throw new WasmGraphException($"{name}: the image data is corrupt (SkiaSharp: {result})");
        }
    }

    /// <summary>Lays out RGBA pixels as the input tensor; separate from decoding so it can be tested exactly.</summary>
    public static TensorData ToTensor(byte[] rgba, TensorInfo input, int n, int c, int h, int w, ImagePreprocessing p)
    {
        var type = input.ToTensorType();
        long plane = (long)h * w;
        if (type.ElementType == DataType.UInt8)
        {
            var bytes = new byte[n * c * plane];
            Fill(n, c, h, w, p, (index, channel, r, g, b) => bytes[index] = (byte)MathF.Round(Channel(channel, c, r, g, b, p.Order)));
            return new TensorData(type, bytes);
        }
        if (type.ElementType != DataType.Float32)
        {
            throw new WasmGraphException($"input '{input.Name}' is {input.DType}; images can feed float32 or uint8 inputs");
        }
        var mean = Enumerable.Range(0, c).Select(ch => ImagePreprocessing.PerChannel(p.Mean, ch, "--mean")).ToArray();
        var std = Enumerable.Range(0, c).Select(ch => ImagePreprocessing.PerChannel(p.Std, ch, "--std")).ToArray();
        var values = new float[n * c * plane];
        Fill(n, c, h, w, p, (index, channel, r, g, b) =>
            values[index] = (Channel(channel, c, r, g, b, p.Order) * p.Scale - mean[channel]) / std[channel]);
        return TensorData.FromFloats(type.Shape, values);

        void Fill(int batches, int channels, int height, int width, ImagePreprocessing prep, Action<long, int, float, float, float> store)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int pixel = (y * width + x) * 4;
                    float r = rgba[pixel], g = rgba[pixel + 1], b = rgba[pixel + 2];
                    for (int batch = 0; batch < batches; batch++)
                    {
                        for (int ch = 0; ch < channels; ch++)
                        {
                            long index = prep.Layout == TensorLayout.NCHW
                                ? ((long)batch * channels + ch) * plane + (long)y * width + x
                                : (((long)batch * height + y) * width + x) * channels + ch;
                            store(index, ch, r, g, b);
                        }
                    }
                }
            }
        }
    }

    private static float Channel(int channel, int channels, float r, float g, float b, ChannelOrder order)
    {
        if (channels == 1)
        {
            return 0.299f * r + 0.587f * g + 0.114f * b;
        }
        return (order, channel) switch
        {
            (ChannelOrder.RGB, 0) or (ChannelOrder.BGR, 2) => r,
            (_, 1) => g,
            _ => b,
        };
    }
}
