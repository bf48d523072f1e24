using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Apps.Demo;
using WasmGraph.Host.IO;
using WasmGraph.Apps.Reference;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>wasmgraph demo</c> end to end on the fetched real models: it exits 0, and every number in its report is
/// recomputed here from ONNX Runtime on the same inputs, independently of the demo's own comparison.
/// </summary>
public sealed class DemoTests
{
    private static readonly DemoData Data = new(Path.Combine(TestPaths.RepoRoot, ".cache", "data"));

    [Fact]
    public void TheDemoMatchesOnnxRuntimeAndTheCropIsNearestToTheCat()
    {
        using var dir = TestPaths.NewTempDirectory();
        var report = dir.File("report.json");
        var result = HostProcess.Run(["demo", "--repeat", "1", "--report", report, "--output-dir", dir.File("out")],
                                     new Dictionary<string, string> { ["WASMGRAPH_REPO"] = TestPaths.RepoRoot }, timeoutSeconds: 900);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("max |wasm − ONNX Runtime|", result.StdOut);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.All(root.GetProperty("parity").EnumerateArray(), c => Assert.True(c.GetProperty("ok").GetBoolean(), c.ToString()));

        CheckImageSimilarity(root.GetProperty(ImageSimilarityDemo.SectionName), dir.File("out"));
        if (root.TryGetProperty(FaceDetectionDemo.SectionName, out var faces))
        {
            CheckFaces(faces);
        }
        if (root.TryGetProperty(SentenceSimilarityDemo.SectionName, out var sentences))
        {
            CheckSentences(sentences);
        }
    }

    private static void CheckImageSimilarity(JsonElement section, string outputDirectory)
    {
        var photos = ImageSimilarityDemo.Photos(Data, outputDirectory, extraPhoto: null);
        var request = ImageSimilarityDemo.Request(Data);
        using var reference = new OnnxReferenceSession([request.PrependModelPath!, request.ModelPath]);
        var input = new Abstractions.Plugins.TensorInfo("OriginalInput", "float32", [1, 3, 224, 224], 3 * 224 * 224 * 4);
        var preprocessing = ImagePreprocessing.FromHints(request.Hints, input.Shape);
        var embeddings = photos.Select(p => reference.Run(new Dictionary<string, TensorData> { [input.Name] = ImageLoader.Load(p, input, preprocessing) })
                                                      .Values.First().ToFloatArray()).ToList();
        var cosine = EmbeddingMath.CosineMatrix(embeddings);

        AssertClose(cosine, Doubles(section.GetProperty("cosine")), "cosine matrix");
        AssertClose(embeddings.Select(e => EmbeddingMath.Norm(e)).ToArray(), Doubles(section.GetProperty("norms")), "embedding norms");
        var nearest = section.GetProperty("nearest").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(EmbeddingMath.NearestNeighbours(cosine, photos.Count).Select(j => Path.GetFileName(photos[j])), nearest);
        Assert.Equal("chelsea.png", nearest[photos.Count - 1]);
        Assert.Equal(ImageSimilarityDemo.CropName, nearest[0]);
    }

    private static void CheckFaces(JsonElement section)
    {
        using var reference = new OnnxReferenceSession([Data.BlazeFace!]);
        var info = new Abstractions.Plugins.TensorInfo("input:0", "float32", [1, 128, 128, 3], 128 * 128 * 3 * 4);
        foreach (var photo in FaceDetectionDemo.Photos)
        {
            var (input, box) = FaceDetectionDemo.Input(Data.Image(photo), info, FaceDetectionDemo.Request(Data.BlazeFace!).Hints);
            var outputs = reference.Run(new Dictionary<string, TensorData> { [info.Name] = input }).Values.ToList();
            var expected = FaceDetectionDemo.Detect(outputs, box);
            var shown = section.GetProperty("photos").GetProperty(photo).GetProperty("faces").EnumerateArray().ToList();
            Assert.Equal(expected.Count, shown.Count);
            Assert.NotEmpty(expected);
            for (int i = 0; i < expected.Count; i++)
            {
                AssertClose(expected[i].Numbers().ToArray(), Doubles(shown[i]), $"face {i + 1} in {photo}");
            }
            Assert.True(File.Exists(section.GetProperty("photos").GetProperty(photo).GetProperty("annotated").GetString()));
        }
    }

    private static void CheckSentences(JsonElement section)
    {
        var sentences = SentenceSimilarityDemo.Sentences;
        var (ids, mask, types, sequence) = SentenceSimilarityDemo.Tokenize(Data.MiniLmVocab, sentences);
        using var reference = new OnnxReferenceSession([Data.MiniLm!]);
        var shape = new Shape(sentences.Length, sequence);
        var outputs = reference.Run(new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.FromInt64s(shape, ids),
            ["attention_mask"] = TensorData.FromInt64s(shape, mask),
            ["token_type_ids"] = TensorData.FromInt64s(shape, types),
        });
        var hidden = outputs.Values.First(o => o.Type.Shape.Rank == 3);
        var cosine = EmbeddingMath.CosineMatrix(SentenceSimilarityDemo.Embed(hidden, mask, sentences.Length, sequence));
        AssertClose(cosine, Doubles(section.GetProperty("cosine")), "sentence cosine matrix");
        var nearest = section.GetProperty("nearest").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(1, nearest[0]);
        Assert.Equal(0, nearest[1]);
        Assert.Equal(3, nearest[2]);
        Assert.Equal(2, nearest[3]);
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double magnitude = expected.Max(Math.Abs);
        double diff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(diff <= DemoCommand.Tolerance * magnitude, $"{what}: max |demo − ONNX Runtime| = {diff}, max |ref| = {magnitude}");
    }
}
