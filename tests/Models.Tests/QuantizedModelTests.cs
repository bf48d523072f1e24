using WasmGraph.Abstractions.Ir;
using WasmGraph.Apps.Demo;
using WasmGraph.Apps.Reference;
using WasmGraph.Host.IO;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// <c>wasmgraph quantize</c> on the real models, as a user runs it (the built CLI), against the float models in ONNX
/// Runtime: the quality targets (ResNet18 embedding cosine ≥ 0.99 on the demo's five photos with the nearest
/// neighbours unchanged; MiniLM sentence cosine ≥ 0.98, and its QDQ file and module ≤ 0.35× the float model), measured
/// on the module our compiler makes from the QDQ file and on ONNX Runtime running that file. Latency is measured by
/// the bench, not asserted here.
/// </summary>
public sealed class QuantizedModelTests(ITestOutputHelper log)
{
    private static readonly DemoData Data = new(CliModel.Data);

    /// <summary>The ResNet18 demo's compile flags: pixels 0..255 RGB NCHW into the preprocessing model.</summary>
    private static readonly string[] ResNetHints =
        ["--hint", "layout=NCHW", "--hint", "channel_order=RGB", "--hint", "scale=1", "--hint", "mean=0,0,0", "--hint", "std=1,1,1"];

    [Fact]
    public void ResNet18QuantizedOnTheBundledPhotosKeepsEachEmbeddingAndTheNearestNeighbours()
    {
        using var dir = TestPaths.NewTempDirectory();
        var request = ImageSimilarityDemo.Request(Data);
        var int8 = dir.File("resnet18.int8.onnx");
        var quantize = HostProcess.Run(["quantize", request.ModelPath, "-o", int8, "--calibrate", Path.Combine(Data.Directory, "images"),
                                        "--prepend", request.PrependModelPath!, .. ResNetHints, "--quiet"], null, timeoutSeconds: 300);
        Assert.True(quantize.ExitCode == 0, quantize.ToString());
        log.WriteLine(quantize.StdOut.Split('\n').Last(l => l.StartsWith("wrote", StringComparison.Ordinal)));

        var photos = ImageSimilarityDemo.Photos(Data, dir.Path, extraPhoto: null);
        Assert.Equal(5, photos.Count);
        var input = new Abstractions.Plugins.TensorInfo("OriginalInput", "float32", [1, 3, 224, 224], 3 * 224 * 224 * 4);
        var preprocessing = ImagePreprocessing.FromHints(request.Hints, input.Shape);
        var inputs = photos.Select(p => new Dictionary<string, TensorData> { [input.Name] = ImageLoader.Load(p, input, preprocessing) }).ToList();
        using var floatOrt = new OnnxReferenceSession([request.PrependModelPath!, request.ModelPath]);
        using var int8Ort = new OnnxReferenceSession([request.PrependModelPath!, int8]);
        var reference = inputs.Select(i => floatOrt.Run(i).Values.First().ToFloatArray()).ToList();
        var ortInt8 = inputs.Select(i => int8Ort.Run(i).Values.First().ToFloatArray()).ToList();

        using var module = new CliModel(int8, "resnet18-int8", ["--prepend", request.PrependModelPath!, .. ResNetHints]);
        var ours = photos.Select(p => module.Run("--image", p).Values.First().ToFloatArray()).ToList();

        for (int i = 0; i < photos.Count; i++)
        {
            double cosine = EmbeddingMath.Cosine(reference[i], ours[i]), ortCosine = EmbeddingMath.Cosine(reference[i], ortInt8[i]);
            log.WriteLine($"{Path.GetFileName(photos[i])}: cosine to float {cosine:F5} (ours) {ortCosine:F5} (ONNX Runtime on the QDQ file)");
            Assert.True(cosine >= 0.99, $"{photos[i]}: cosine {cosine} of the int8 module's embedding to the float one, below 0.99");
            Assert.True(ortCosine >= 0.99, $"{photos[i]}: ONNX Runtime's int8 cosine {ortCosine}, below 0.99");
        }
        int n = photos.Count;
        Assert.Equal(EmbeddingMath.NearestNeighbours(EmbeddingMath.CosineMatrix(reference), n), EmbeddingMath.NearestNeighbours(EmbeddingMath.CosineMatrix(ours), n));
    }

    /// <summary>
    /// The least sentence cosine between our int8 module's embedding and ONNX Runtime's on the same QDQ file (measured
    /// 0.9981–1.00000 on the demo's sentences: a sentence whose LayerNorm output lies on a rounding tie of a QuantizeLinear
    /// moves a whole step there, and the step propagates).
    /// </summary>
    private const double AgreementWithOnnxRuntime = 0.995;

    [Fact]
    public void MiniLmQuantizedOnSentencesKeepsTheSentenceEmbeddings()
    {
        using var dir = TestPaths.NewTempDirectory();
        var sentences = dir.File("calibration.txt");
        File.WriteAllLines(sentences, QuantizedDemo.CalibrationSentences);
        var model = Path.Combine(MiniLmModule.Directory, "model.onnx");
        var int8 = dir.File("minilm.int8.onnx");
        var quantize = HostProcess.Run(["quantize", model, "-o", int8, "--calibrate", sentences, "--ops", "MatMul,Gemm,Gather", "--quiet"], null, timeoutSeconds: 300);
        Assert.True(quantize.ExitCode == 0, quantize.ToString());
        log.WriteLine(quantize.StdOut.Split('\n').Last(l => l.StartsWith("wrote", StringComparison.Ordinal)));
        Assert.True(new FileInfo(int8).Length <= 0.35 * new FileInfo(model).Length, $"{int8}: {new FileInfo(int8).Length:N0} B, more than 0.35× the float model");

        using var floatOrt = new OnnxReferenceSession([model]);
        using var int8Ort = new OnnxReferenceSession([int8]);
        using var module = new CliModel(int8, "minilm-int8", "--input-shape", $"input_ids=1,{MiniLmModule.Sequence}",
                                        "--input-shape", $"attention_mask=1,{MiniLmModule.Sequence}", "--input-shape", $"token_type_ids=1,{MiniLmModule.Sequence}");
        // The float module holds the float weights (86.27 MiB against the 86.7 MiB file, docs/performance.md), so the
        // file stands for it here instead of a second 86 MiB compile.
        long moduleBytes = new FileInfo(module.Module).Length;
        log.WriteLine($"int8 module {moduleBytes:N0} B = {moduleBytes / (double)new FileInfo(model).Length:F3}× the float model");
        Assert.True(moduleBytes <= 0.35 * new FileInfo(model).Length, $"{module.Module}: {moduleBytes:N0} B, more than 0.35× the float model: are weights dequantized to float at compile time?");
        foreach (var sentence in SentenceSimilarityDemo.Sentences)
        {
            var inputs = MiniLmTests.Tokenize(sentence);
            var mask = inputs["attention_mask"].ToInt64Array();
            float[] Embed(IReadOnlyDictionary<string, TensorData> outputs)
                => SentenceSimilarityDemo.Embed(outputs.Values.First(t => t.Type.Shape.Rank == 3), mask, 1, MiniLmModule.Sequence)[0];
            var reference = Embed(floatOrt.Run(inputs));
            float[] oursEmbedding = Embed(module.Run(inputs)), ortEmbedding = Embed(int8Ort.Run(inputs));
            double ours = EmbeddingMath.Cosine(reference, oursEmbedding), ort = EmbeddingMath.Cosine(reference, ortEmbedding);
            double agreement = EmbeddingMath.Cosine(ortEmbedding, oursEmbedding);
            log.WriteLine($"\"{sentence}\": cosine to float {ours:F5} (ours) {ort:F5} (ONNX Runtime on the QDQ file); ours to ONNX Runtime's int8 {agreement:F6}");
            Assert.True(ours >= 0.98, $"\"{sentence}\": sentence cosine {ours} of the int8 module to the float model, below 0.98");
            Assert.True(ort >= 0.98, $"\"{sentence}\": ONNX Runtime's int8 sentence cosine {ort}, below 0.98");
            // Stated tolerance against ONNX Runtime on the same QDQ file: sentence cosine ≥ AgreementWithOnnxRuntime. The
            // int8 products are exact on both sides; the float ops between them (LayerNorm, GELU, softmax) round
            // differently, and each QuantizeLinear after them turns such a difference into a whole step now and then.
            Assert.True(agreement >= AgreementWithOnnxRuntime, $"\"{sentence}\": cosine {agreement} between our int8 embedding and ONNX Runtime's on the same file, below {AgreementWithOnnxRuntime}");
        }
    }
}
