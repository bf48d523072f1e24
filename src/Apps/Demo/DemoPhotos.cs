using SkiaSharp;
using WasmGraph.Abstractions;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Demo;

/// <summary>Photos the demo makes from the bundled ones, so the similarity demo has a known near-duplicate to find.</summary>
public static class DemoPhotos
{
    /// <summary>
    /// The region of chelsea.png (451×300) around the cat's eyes and nose. A crop changes every pixel position and most of
    /// the context, so "the crop is nearest to the full photo" is a real test of the embedding, not of pixel equality.
    /// </summary>
    public static readonly SKRectI CatFace = new(110, 40, 380, 300);

    /// <summary>Writes <paramref name="region"/> of <paramref name="source"/> to <paramref name="destination"/> as PNG.</summary>
    public static string Crop(string source, SKRectI region, string destination)
    {
        using var bitmap = ImageLoader.Decode(source);
        var clipped = SKRectI.Intersect(region, new SKRectI(0, 0, bitmap.Width, bitmap.Height));
        if (clipped.Width <= 0 || clipped.Height <= 0)
        {
            throw new WasmGraphException($"{source}: {bitmap.Width}x{bitmap.Height} does not contain the crop {region}");
        }
        using var subset = new SKBitmap();
        if (!bitmap.ExtractSubset(subset, clipped))
        {
            throw new WasmGraphException($"{source}: could not crop {clipped}");
        }
        using var image = SKImage.FromBitmap(subset);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(destination, png.ToArray());
        return destination;
    }
}
