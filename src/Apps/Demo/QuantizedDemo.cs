using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Apps.Quantize;
using WasmGraph.Host.Cli;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// <c>demo --int8</c>: the image- and sentence-similarity models quantized by <c>wasmgraph quantize</c> (ResNet18 calibrated on
/// the bundled photos, MiniLM's MatMul/Gemm/embedding on <see cref="CalibrationSentences"/>), compiled, and run side by
/// side with the float modules: each embedding's cosine to the float one, the nearest neighbours of both, module sizes
/// and median run times (the demo's models table). The float modules are checked against ONNX Runtime as everywhere in
/// the demo; the int8 ones are not held to its 1e-3 tolerance (a rounding tie in one QuantizeLinear moves a value by a
/// whole step), their cosine to float is what is shown. The quantized files are written once beside the demo's module cache.
/// The int8 modules run the QDQ layers on int8 kernels (fuse-qdq: QuantizedConv/QuantizedMatMul, MiniLM's float-output
/// QuantizedMatMulToFloat, its embedding tables gathered as 8-bit rows), so a second table sets module size and median time
/// of float and int8 side by side on the same input; for MiniLM that is a float module compiled for the int8 one's batch.
/// </summary>
public sealed class QuantizedDemo : IDemoSection
{
    public const string SectionName = "int8";

    /// <summary>
    /// Everyday sentences of the kinds the demo compares, none of them the demo's own (those are what is measured):
    /// bench/calibration-sentences.txt, embedded, so the demo and the bench's int8 row calibrate on the same text.
    /// </summary>
    public static readonly string[] CalibrationSentences = ReadCalibrationSentences();

    private static string[] ReadCalibrationSentences()
    {
        using var stream = typeof(QuantizedDemo).Assembly.GetManifestResourceStream("calibration-sentences.txt")
            ?? throw new InvalidOperationException("calibration-sentences.txt is not embedded in WasmGraph.Apps");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public string Name => SectionName;

    public string Title => "int8: the similarity models quantized (wasmgraph quantize), side by side with float";

    public string? Unavailable(DemoData data) => data.Missing("resnet18/ResNet18.onnx", "resnet18/ResNetPreprocess.onnx");

    /// <summary>The QDQ ResNet18, calibrated on the bundled photos through its preprocessing model (written once).</summary>
    public static string QuantizedResNet18(DemoData data)
    {
        var request = ImageSimilarityDemo.Request(data);
        var output = Path.Combine(data.ModuleCache, "resnet18.int8.onnx");
        return Quantized(request.ModelPath, output, new QuantizeRequest
        {
            Model = request.ModelPath,
            Output = output,
            Calibrate = [Path.Combine(data.Directory, "images")],
            Prepend = request.PrependModelPath,
            Hints = request.Hints,
        });
    }

    /// <summary>The QDQ MiniLM: MatMul, Gemm and the embedding tables, calibrated on <see cref="CalibrationSentences"/>.</summary>
    public static string QuantizedMiniLm(DemoData data)
    {
        var output = Path.Combine(data.ModuleCache, "minilm.int8.onnx");
        var sentences = Path.Combine(data.ModuleCache, "minilm-calibration.txt");
        if (!File.Exists(sentences))
        {
            AtomicFile.WriteAllBytes(sentences, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', CalibrationSentences) + "\n"));
        }
        return Quantized(data.MiniLm!, output, new QuantizeRequest
        {
            Model = data.MiniLm!,
            Output = output,
            Calibrate = [sentences],
            Vocab = data.MiniLmVocab,
            Options = new QuantizeOptions { Ops = ["MatMul", "Gemm", "Gather"] },
        });
    }

    private static string Quantized(string source, string output, QuantizeRequest request)
    {
        if (!File.Exists(output) || File.GetLastWriteTimeUtc(output) < File.GetLastWriteTimeUtc(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            Quantizer.Run(request);
        }
        return output;
    }

    public void Run(DemoSession session, CancellationToken cancellation)
    {
        var report = session.Section(Name);
        var rows = new Table().Border(TableBorder.Rounded).Title("float vs int8 (wasm): cosine of each embedding to the float one")
            .AddColumns("model", "input", "cosine int8 → float", "nearest (float)", "nearest (int8)");
        var comparisons = new List<(string Model, string Input, DemoModel Float, DemoModel Int8)>();
        RunImages(session, rows, report, comparisons, cancellation);
        if (session.Data.MiniLm is not null)
        {
            RunSentences(session, rows, report, comparisons, cancellation);
        }
        session.Out.Write(rows);
        var sizes = new Table().Border(TableBorder.Rounded).Title($"float → int8 on the same input (medians of {session.Repeat} runs, 1 thread)")
            .AddColumns("model", "input", "module", "wasm (Wasmtime)", "ONNX Runtime native");
        foreach (var (model, input, floats, int8s) in comparisons)
        {
            AddComparison(sizes, report, model, input, floats, int8s);
        }
        session.Out.Write(sizes);
    }

    private static void RunImages(DemoSession session, Table rows, JsonObject report, List<(string, string, DemoModel, DemoModel)> comparisons, CancellationToken cancellation)
    {
        var request = ImageSimilarityDemo.Request(session.Data);
        var floatModel = session.Load("resnet18", request);
        var int8Model = session.Load("resnet18-int8", request with { ModelPath = QuantizedResNet18(session.Data) });
        var photos = ImageSimilarityDemo.Photos(session.Data, session.OutputDirectory, extraPhoto: null);
        var input = floatModel.Metadata.Inputs[0];
        var preprocessing = ImagePreprocessing.FromHints(floatModel.Metadata.Hints, input.Shape);
        var floats = new List<float[]>();
        var int8s = new List<float[]>();
        for (int i = 0; i < photos.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var inputs = new Dictionary<string, TensorData> { [input.Name] = ImageLoader.Load(photos[i], input, preprocessing) };
            var (wasm, ort) = floatModel.Run(inputs, timedRepeats: i == 0 ? session.Repeat : 0);
            var embedding = wasm[floatModel.Metadata.Outputs[0].Name];
            session.Parity.Check(SectionName, $"float ResNet18 embedding of {Path.GetFileName(photos[i])}", embedding, floatModel.ReferenceOutput(ort, 0));
            floats.Add(embedding.ToFloatArray());
            int8s.Add(int8Model.Run(inputs, timedRepeats: i == 0 ? session.Repeat : 0).Wasm.Values.First().ToFloatArray());
        }
        var names = photos.Select(p => Path.GetFileName(p)).ToList();
        AddRows(rows, "ResNet18", names, floats, int8s, report, "resnet18");
        comparisons.Add(("ResNet18", names[0], floatModel, int8Model));
    }

    private static void RunSentences(DemoSession session, Table rows, JsonObject report, List<(string, string, DemoModel, DemoModel)> comparisons, CancellationToken cancellation)
    {
        // Float: the sentence-similarity section's bounded module, each sentence at its real length. int8: the QDQ
        // model's quantize/dequantize steps cannot follow a run-time length yet (docs/ir.md, "Run-time extent"), so
        // it is compiled for the batch of all sentences padded to the longest; the attention mask makes the padding
        // irrelevant to each sentence's mean-pooled embedding.
        var sentences = SentenceSimilarityDemo.Sentences;
        var floatModel = session.Load("minilm", SentenceSimilarityDemo.Request(session.Data.MiniLm!));
        var (batchIds, batchMask, batchTypes, longest) = SentenceSimilarityDemo.Tokenize(session.Data.MiniLmVocab, sentences);
        var staticRequest = new CompileRequest(QuantizedMiniLm(session.Data), "minilm-int8.wasm")
        {
            InputShapes = ImmutableDictionary<string, ImmutableArray<long>>.Empty.Add("input_ids", [sentences.Length, longest]),
        };
        var int8Model = session.Load("minilm-int8", staticRequest);
        var floats = new List<float[]>();
        for (int s = 0; s < sentences.Length; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (ids, mask, types, sequence) = SentenceSimilarityDemo.Tokenize(session.Data.MiniLmVocab, [sentences[s]]);
            var (wasm, ort) = floatModel.Run(SentenceSimilarityDemo.Inputs(floatModel, new Shape(1, sequence), ids, mask, types), s == 0 ? session.Repeat : 0);
            int hidden = SentenceSimilarityDemo.HiddenIndex(floatModel);
            session.Parity.Check(SectionName, $"float MiniLM last_hidden_state, sentence {s + 1} ({sequence} tokens)",
                                 wasm[floatModel.Metadata.Outputs[hidden].Name], floatModel.ReferenceOutput(ort, hidden));
            floats.Add(SentenceSimilarityDemo.Embed(wasm[floatModel.Metadata.Outputs[hidden].Name], mask, 1, sequence)[0]);
        }
        cancellation.ThrowIfCancellationRequested();
        var int8Run = int8Model.Run(SentenceSimilarityDemo.Inputs(int8Model, new Shape(sentences.Length, longest), batchIds, batchMask, batchTypes), session.Repeat).Wasm;
        var int8s = SentenceSimilarityDemo.Embed(int8Run[int8Model.Metadata.Outputs[SentenceSimilarityDemo.HiddenIndex(int8Model)].Name], batchMask, sentences.Length, longest).ToList();
        AddRows(rows, "MiniLM", sentences, floats, int8s, report, "minilm");

        // The same batch through a float module compiled for it, so size and time compare with the int8 module's.
        cancellation.ThrowIfCancellationRequested();
        var floatBatch = session.Load("minilm-batch", staticRequest with { ModelPath = session.Data.MiniLm!, OutputPath = "minilm-batch.wasm" });
        var (batchWasm, batchOrt) = floatBatch.Run(SentenceSimilarityDemo.Inputs(floatBatch, new Shape(sentences.Length, longest), batchIds, batchMask, batchTypes), session.Repeat);
        int batchHidden = SentenceSimilarityDemo.HiddenIndex(floatBatch);
        session.Parity.Check(SectionName, $"float MiniLM last_hidden_state, the {sentences.Length} sentences as one batch",
                             batchWasm[floatBatch.Metadata.Outputs[batchHidden].Name], floatBatch.ReferenceOutput(batchOrt, batchHidden));
        comparisons.Add(("MiniLM", $"{sentences.Length} sentences × {longest} tokens", floatBatch, int8Model));
    }

    /// <summary>Module size and median times of a float and an int8 module timed on the same input, with the int8 ÷ float ratios.</summary>
    private static void AddComparison(Table table, JsonObject report, string model, string input, DemoModel floats, DemoModel int8s)
    {
        string Ratio(double a, double b) => (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×";
        string Mib(long bytes) => (bytes / 1048576.0).ToString("0.00", CultureInfo.InvariantCulture) + " MiB";
        string Ms(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
        table.AddRow(model, Markup.Escape(input), $"{Mib(floats.ModuleBytes)} → {Mib(int8s.ModuleBytes)} ({Ratio(int8s.ModuleBytes, floats.ModuleBytes)})",
                     $"{Ms(floats.WasmMedianMs)} → {Ms(int8s.WasmMedianMs)} ({Ratio(int8s.WasmMedianMs, floats.WasmMedianMs)})",
                     $"{Ms(floats.OrtMedianMs)} → {Ms(int8s.OrtMedianMs)} ({Ratio(int8s.OrtMedianMs, floats.OrtMedianMs)})");
        report[model.ToLowerInvariant() + "_float_vs_int8"] = new JsonObject
        {
            ["input"] = input,
            ["module_bytes_float"] = floats.ModuleBytes,
            ["module_bytes_int8"] = int8s.ModuleBytes,
            ["wasm_median_ms_float"] = floats.WasmMedianMs,
            ["wasm_median_ms_int8"] = int8s.WasmMedianMs,
            ["onnxruntime_median_ms_float"] = floats.OrtMedianMs,
            ["onnxruntime_median_ms_int8"] = int8s.OrtMedianMs,
        };
    }

    private static void AddRows(Table rows, string model, IReadOnlyList<string> names, List<float[]> floats, List<float[]> int8s, JsonObject report, string key)
    {
        int n = names.Count;
        var floatNearest = EmbeddingMath.NearestNeighbours(EmbeddingMath.CosineMatrix(floats), n);
        var int8Nearest = EmbeddingMath.NearestNeighbours(EmbeddingMath.CosineMatrix(int8s), n);
        var cosines = floats.Zip(int8s, EmbeddingMath.Cosine).ToArray();
        for (int i = 0; i < n; i++)
        {
            string Name(int j) => j < 0 ? "-" : Markup.Escape(names[j]);
            var changed = floatNearest[i] != int8Nearest[i];
            rows.AddRow(model, Markup.Escape(names[i]), cosines[i].ToString("0.0000", CultureInfo.InvariantCulture), Name(floatNearest[i]),
                        changed ? $"[red]{Name(int8Nearest[i])}[/]" : Name(int8Nearest[i]));
        }
        report[key] = new JsonObject
        {
            ["inputs"] = new JsonArray(names.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
            ["cosine_to_float"] = new JsonArray(cosines.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
            ["nearest_float"] = new JsonArray(floatNearest.Select(j => (JsonNode)JsonValue.Create(j)).ToArray()),
            ["nearest_int8"] = new JsonArray(int8Nearest.Select(j => (JsonNode)JsonValue.Create(j)).ToArray()),
        };
    }
}
