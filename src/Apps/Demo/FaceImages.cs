using SkiaSharp;
using WasmGraph.Abstractions;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// Photo handling for face detection with SkiaSharp: letterboxing to the detector's square input (so faces keep their
/// aspect ratio, as MediaPipe does), and drawing the detections onto the original photo.
/// </summary>
public static class FaceImages
{
    /// <summary>The photo centred on a black square and resized bilinearly to size×size, as RGBA bytes, with the letterbox used.</summary>
    public static (byte[] Rgba, Letterbox Box) LetterboxedRgba(string path, int size)
    {
        using var photo = ImageLoader.Decode(path);
        var box = Letterbox.For(photo.Width, photo.Height);
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var square = new SKBitmap(info);
        using (var canvas = new SKCanvas(square))
        {
            canvas.Clear(SKColors.Black);
            float scale = size / box.Side;
            using var image = SKImage.FromBitmap(photo);
            var target = SKRect.Create(box.PadX * scale, box.PadY * scale, photo.Width * scale, photo.Height * scale);
            canvas.DrawImage(image, target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
        }
        return (square.GetPixelSpan().ToArray(), box);
    }

    /// <summary>
    /// Writes the photo with the box and the six keypoints of each detection (pixel coordinates) as PNG. Scores are printed,
    /// not drawn: the self-contained SkiaSharp build has no fonts.
    /// </summary>
    public static void Annotate(string source, IReadOnlyList<FaceDetection> faces, string destination)
    {
        using var photo = ImageLoader.Decode(source);
        using var canvas = new SKCanvas(photo);
        float stroke = Math.Max(2f, Math.Max(photo.Width, photo.Height) / 200f);
        using var boxPaint = new SKPaint { Color = new SKColor(0, 230, 64), Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
        using var pointPaint = new SKPaint { Color = new SKColor(255, 64, 64), Style = SKPaintStyle.Fill, IsAntialias = true };
        foreach (var face in faces)
        {
            canvas.DrawRect(SKRect.Create(face.XMin, face.YMin, face.Width, face.Height), boxPaint);
            for (int k = 0; k < face.Keypoints.Length / 2; k++)
            {
                canvas.DrawCircle(face.Keypoints[2 * k], face.Keypoints[2 * k + 1], stroke * 1.5f, pointPaint);
            }
        }
        using var image = SKImage.FromBitmap(photo);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(destination, png.ToArray());
    }
}
