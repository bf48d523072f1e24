using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>TfIdfVectorizer against ONNX Runtime; counts are exact small integers, so the default tolerance is ample.</summary>
public class TfIdfVectorizerKernelTests
{
    // Pool: unigrams 2, 3, 5, 4 (slots 0–3), bigrams (5,6) (7,8) (6,7) (2,3) (slots 4–7), trigram (2,3,5) (slot 8).
    private static readonly long[] Pool = [2, 3, 5, 4, 5, 6, 7, 8, 6, 7, 2, 3, 2, 3, 5];
    private static readonly long[] Counts = [0, 4, 12];
    private static readonly long[] Indexes = [0, 1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [InlineData("TF", 1, 1, 0, false)]
    [InlineData("TF", 2, 2, 0, false)]
    [InlineData("TF", 1, 2, 3, false)]
    [InlineData("TF", 1, 3, 2, false)]
    [InlineData("IDF", 1, 2, 1, false)]
    [InlineData("IDF", 1, 3, 5, true)]
    [InlineData("TFIDF", 2, 3, 2, true)]
    [InlineData("TFIDF", 1, 3, 0, false)]
    public void ItMatchesOnnxRuntimeForEveryMode(string mode, int minGram, int maxGram, int skips, bool weighted)
    {
        foreach (var type in new[] { DataType.Int32, DataType.Int64 })
        {
            foreach (var dims in new[] { new long[] { 2, 12 }, [9] })
            {
                var attributes = Attributes(mode, minGram, maxGram, skips, Pool, Counts, Indexes);
                if (weighted)
                {
                    attributes.Add(OnnxAttr.Floats("weights", 0.5f, 1.5f, 2f, 0.25f, 3f, 1f, 0.75f, 2.5f, 4f));
                }
                AssertMatchesOnnxRuntime(Model(type, dims, attributes), Inputs(("x", Tokens(type, dims, seed: minGram * 10 + skips))));
            }
        }
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForBigramsWithoutUnigramsAndPermutedSlots()
    {
        // No unigrams in the pool (an empty first level), and output slots that are not in pool order.
        var attributes = Attributes("TF", 2, 2, 4, [5, 6, 7, 8, 6, 7], [0, 0], [2, 0, 1]);
        AssertMatchesOnnxRuntime(Model(DataType.Int64, [3, 10], attributes), Inputs(("x", Tokens(DataType.Int64, [3, 10], seed: 7))));
    }

    [Fact]
    public void ItRejectsStringPools()
    {
        var attribute = new AttributeProto { Name = "pool_strings", Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.Add(Google.Protobuf.ByteString.CopyFromUtf8("a"));
        var attributes = new List<AttributeProto>
        {
            OnnxAttr.Int("min_gram_length", 1), OnnxAttr.Int("max_gram_length", 1), OnnxAttr.Int("max_skip_count", 0),
            OnnxAttr.String("mode", "TF"), OnnxAttr.Ints("ngram_counts", 0), OnnxAttr.Ints("ngram_indexes", 0), attribute,
        };
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Import(Model(DataType.Int64, [4], attributes).ToBytes()));
        Assert.Contains("pool_strings", error.Message);
    }

    private static List<AttributeProto> Attributes(string mode, int minGram, int maxGram, int skips, long[] pool, long[] counts, long[] indexes)
        =>
        [
            OnnxAttr.Int("min_gram_length", minGram), OnnxAttr.Int("max_gram_length", maxGram), OnnxAttr.Int("max_skip_count", skips),
            OnnxAttr.String("mode", mode), OnnxAttr.Ints("pool_int64s", pool), OnnxAttr.Ints("ngram_counts", counts),
            OnnxAttr.Ints("ngram_indexes", indexes),
        ];

    private static OnnxModelBuilder Model(DataType type, long[] dims, List<AttributeProto> attributes)
        => new OnnxModelBuilder().Opset(9)
            .Input("x", type, dims)
            .Node("TfIdfVectorizer", ["x"], ["y"], attributes.ToArray())
            .Output("y", DataType.Float32);

    /// <summary>Token ids drawn from 2..8, so that pooled n-grams occur often and some ids are not pooled.</summary>
    private static TensorData Tokens(DataType type, long[] dims, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(_ => (long)random.Next(2, 9)).ToArray();
        return type == DataType.Int64
            ? TensorData.FromInt64s(new Shape(dims), values)
            : TensorData.FromArray(DataType.Int32, new Shape(dims), values.Select(v => (int)v).ToArray());
    }
}
