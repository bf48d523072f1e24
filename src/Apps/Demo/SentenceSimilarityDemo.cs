using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using Spectre.Console;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.Pipeline;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// Sentence similarity: all-MiniLM-L6-v2 (a 6-layer BERT) runs in wasm on a few sentences tokenised with
/// Microsoft.ML.Tokenizers' BERT tokenizer and the model's own vocab; mean pooling over the attention mask gives one
/// 384-d embedding per sentence, and the cosine matrix shows which sentences mean the same thing. One module with a
/// bounded dynamic sequence axis (<c>--input-shape input_ids=1,1..128</c>) runs each sentence at its real length.
/// </summary>
public sealed class SentenceSimilarityDemo : IDemoSection
{
    public const string SectionName = "sentence-similarity";

    /// <summary>Two paraphrase pairs and an outlier: each sentence of a pair must be the other's nearest neighbour.</summary>
    public static readonly string[] Sentences =
    [
        "A cat is sleeping on the sofa.",
        "A kitten naps on the couch.",
        "The stock market fell sharply today.",
        "Shares dropped steeply in today's trading.",
        "This compiler turns neural networks into WebAssembly.",
    ];

    public string Name => SectionName;

    public string Title => "Sentence similarity: all-MiniLM-L6-v2, BERT tokenizer, mean pooling";

    public string? Unavailable(DemoData data)
        => data.MiniLm is null ? $"all-MiniLM-L6-v2 (an .onnx with vocab.txt beside it, in a folder named after MiniLM) not found under {Path.GetFullPath(data.Directory)} (./wasmgraph fetch)" : null;

    /// <summary>Token ids, attention mask and token types for <paramref name="sentences"/>, padded to the longest.</summary>
    public static (long[] Ids, long[] Mask, long[] Types, int Sequence) Tokenize(string vocabPath, IReadOnlyList<string> sentences)
    {
        var tokenizer = BertTokenizer.Create(vocabPath);
        var encoded = sentences.Select(s => tokenizer.EncodeToIds(s, addSpecialTokens: true)).ToList();
        int sequence = encoded.Max(e => e.Count);
        var ids = new long[sentences.Count * sequence];
        var mask = new long[ids.Length];
        for (int b = 0; b < encoded.Count; b++)
        {
            for (int t = 0; t < encoded[b].Count; t++)
            {
                ids[b * sequence + t] = encoded[b][t];
                mask[b * sequence + t] = 1;
            }
        }
        return (ids, mask, new long[ids.Length], sequence);
    }

    /// <summary>The longest sentence the demo's module takes, in tokens ([CLS] and [SEP] included).</summary>
    public const int MaxTokens = 128;

    /// <summary>
    /// The [batch, sequence] inputs with batch pinned to 1 and a run-time sequence length of 1..<see cref="MaxTokens"/>
    /// (<c>--input-shape input_ids=1,1..128</c>; attention_mask and token_type_ids share the dim_params).
    /// </summary>
    public static CompileRequest Request(string model)
        => new(model, "minilm.wasm")
        {
            InputShapes = ImmutableDictionary<string, ImmutableArray<long>>.Empty.Add("input_ids", [1, MaxTokens]),
            InputShapeMinimums = ImmutableDictionary<string, ImmutableArray<long>>.Empty.Add("input_ids", [1, 1]),
        };

    /// <summary>Mean-pooled sentence embeddings from the [batch, sequence, 384] last hidden state.</summary>
    public static float[][] Embed(TensorData lastHiddenState, long[] mask, int batch, int sequence)
        => EmbeddingMath.MeanPool(lastHiddenState.ToFloatArray(), mask, batch, sequence, (int)lastHiddenState.Type.Shape.Dims[^1]);

    /// <summary>The tokenised [batch, sequence] tensors under the input names <paramref name="model"/> has (some exports lack token_type_ids).</summary>
    public static Dictionary<string, TensorData> Inputs(DemoModel model, Shape shape, long[] ids, long[] mask, long[] types)
    {
        var all = new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.FromInt64s(shape, ids),
            ["attention_mask"] = TensorData.FromInt64s(shape, mask),
            ["token_type_ids"] = TensorData.FromInt64s(shape, types),
        };
        return all.Where(kv => model.Metadata.Inputs.Any(i => i.Name == kv.Key)).ToDictionary();
    }

    /// <summary>The index of the [batch, sequence, hidden] output (the last hidden state) among the model's outputs.</summary>
    public static int HiddenIndex(DemoModel model) => model.Metadata.Outputs.Select((o, i) => (o, i)).First(p => p.o.Shape.Length == 3).i;

    public void Run(DemoSession session, CancellationToken cancellation)
    {
        var tokenizer = BertTokenizer.Create(session.Data.MiniLmVocab);
        var model = session.Load("minilm", Request(session.Data.MiniLm!));
        int hiddenIndex = HiddenIndex(model);
        var embeddings = new float[Sentences.Length][];
        var expected = new float[Sentences.Length][];
        var lengths = new int[Sentences.Length];
        for (int s = 0; s < Sentences.Length; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            // Each sentence at its own length: no padding, so no work on padding either.
            var ids = tokenizer.EncodeToIds(Sentences[s], addSpecialTokens: true).Select(t => (long)t).ToArray();
            lengths[s] = ids.Length;
            var mask = Enumerable.Repeat(1L, ids.Length).ToArray();
            var (wasm, ort) = model.Run(Inputs(model, new Shape(1, ids.Length), ids, mask, new long[ids.Length]), session.Repeat);
            var hidden = wasm[model.Metadata.Outputs[hiddenIndex].Name];
            var reference = model.ReferenceOutput(ort, hiddenIndex);
            session.Parity.Check(Name, $"MiniLM last_hidden_state, sentence {s + 1} ({ids.Length} tokens)", hidden, reference);
            embeddings[s] = Embed(hidden, mask, 1, ids.Length)[0];
            expected[s] = Embed(reference, mask, 1, ids.Length)[0];
        }
        session.Parity.Check(Name, "mean-pooled sentence embeddings", embeddings.SelectMany(e => e.Select(v => (double)v)).ToList(),
                             expected.SelectMany(e => e.Select(v => (double)v)).ToList());
        var cosine = EmbeddingMath.CosineMatrix(embeddings);
        session.Parity.Check(Name, "sentence cosine-similarity matrix", cosine, EmbeddingMath.CosineMatrix(expected));
        var nearest = EmbeddingMath.NearestNeighbours(cosine, Sentences.Length);

        Print(session.Out, cosine, nearest, lengths);
        var report = session.Section(Name);
        report["sentences"] = new JsonArray(Sentences.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
        report["tokens"] = new JsonArray(lengths.Select(n => (JsonNode)JsonValue.Create(n)).ToArray());
        report["cosine"] = new JsonArray(cosine.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        report["nearest"] = new JsonArray(nearest.Select(j => (JsonNode)JsonValue.Create(j)).ToArray());
    }

    private static void Print(IAnsiConsole console, double[] cosine, int[] nearest, int[] lengths)
    {
        int n = Sentences.Length;
        var table = new Table().Border(TableBorder.Rounded).Title("cosine similarity of the sentence embeddings (wasm)")
            .AddColumn("#").AddColumn("sentence").AddColumn(new TableColumn("tokens").RightAligned());
        for (int j = 0; j < n; j++)
        {
            table.AddColumn(new TableColumn($"{j + 1}").RightAligned());
        }
        table.AddColumn("nearest");
        for (int i = 0; i < n; i++)
        {
            var cells = new List<string> { $"{i + 1}", Markup.Escape(Sentences[i]), $"{lengths[i]}" };
            for (int j = 0; j < n; j++)
            {
                var text = cosine[i * n + j].ToString("0.000", CultureInfo.InvariantCulture);
                cells.Add(i == j ? $"[grey]{text}[/]" : j == nearest[i] ? $"[bold green]{text}[/]" : text);
            }
            cells.Add($"{nearest[i] + 1}");
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
    }
}
