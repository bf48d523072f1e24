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
/// 384-d embedding per sentence, and the cosine matrix shows which sentences mean the same thing.
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

    /// <summary>The dynamic [batch, sequence] inputs are pinned to this batch of sentences: every shape is static.</summary>
    public static CompileRequest Request(string model, int batch, int sequence)
    {
        var shape = ImmutableArray.Create<long>(batch, sequence);
        return new CompileRequest(model, "minilm.wasm")
        {
            InputShapes = ImmutableDictionary<string, ImmutableArray<long>>.Empty
                .Add("input_ids", shape).Add("attention_mask", shape).Add("token_type_ids", shape),
        };
    }

    /// <summary>Mean-pooled sentence embeddings from the [batch, sequence, 384] last hidden state.</summary>
    public static float[][] Embed(TensorData lastHiddenState, long[] mask, int batch, int sequence)
        => EmbeddingMath.MeanPool(lastHiddenState.ToFloatArray(), mask, batch, sequence, (int)lastHiddenState.Type.Shape.Dims[^1]);

    public void Run(DemoSession session, CancellationToken cancellation)
    {
        var (ids, mask, types, sequence) = Tokenize(session.Data.MiniLmVocab, Sentences);
        int batch = Sentences.Length;
        var model = session.Load("minilm", Request(session.Data.MiniLm!, batch, sequence));
        var shape = new Shape(batch, sequence);
        var inputs = new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.FromInt64s(shape, ids),
            ["attention_mask"] = TensorData.FromInt64s(shape, mask),
            ["token_type_ids"] = TensorData.FromInt64s(shape, types),
        };
        var wanted = model.Metadata.Inputs.Select(i => i.Name).ToHashSet();
        var (wasm, ort) = model.Run(inputs.Where(kv => wanted.Contains(kv.Key)).ToDictionary(), session.Repeat);
        int hiddenIndex = model.Metadata.Outputs.Select((o, i) => (o, i)).First(p => p.o.Shape.Length == 3).i;
        var hidden = wasm[model.Metadata.Outputs[hiddenIndex].Name];
        var reference = model.ReferenceOutput(ort, hiddenIndex);
        session.Parity.Check(Name, "MiniLM last_hidden_state", hidden, reference);

        var embeddings = Embed(hidden, mask, batch, sequence);
        var expected = Embed(reference, mask, batch, sequence);
        session.Parity.Check(Name, "mean-pooled sentence embeddings", embeddings.SelectMany(e => e.Select(v => (double)v)).ToList(),
                             expected.SelectMany(e => e.Select(v => (double)v)).ToList());
        var cosine = EmbeddingMath.CosineMatrix(embeddings);
        session.Parity.Check(Name, "sentence cosine-similarity matrix", cosine, EmbeddingMath.CosineMatrix(expected));
        var nearest = EmbeddingMath.NearestNeighbours(cosine, batch);

        Print(session.Out, cosine, nearest, ids, sequence);
        var report = session.Section(Name);
        report["sentences"] = new JsonArray(Sentences.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
        report["cosine"] = new JsonArray(cosine.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        report["nearest"] = new JsonArray(nearest.Select(j => (JsonNode)JsonValue.Create(j)).ToArray());
    }

    private static void Print(IAnsiConsole console, double[] cosine, int[] nearest, long[] ids, int sequence)
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
            int tokens = Enumerable.Range(0, sequence).Count(t => ids[i * sequence + t] != 0);
            var cells = new List<string> { $"{i + 1}", Markup.Escape(Sentences[i]), $"{tokens}" };
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
