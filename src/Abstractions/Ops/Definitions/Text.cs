using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>Text feature extraction over integer token ids: TfIdfVectorizer.</summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Text()
    {
        yield return new OpDefinition("TfIdfVectorizer", FusionKind.Opaque, InferTfIdf, "counts of pooled n-grams (with skips) per row, weighted TF, IDF or TFIDF")
        {
            RequiredAttributes = ["min_gram_length", "max_gram_length", "max_skip_count", "mode", "ngram_counts", "ngram_indexes", "pool_int64s", "weights"],
        };
    }

    /// <summary>Token ids [C] or [N, C] (int32/int64) → float32 [max(ngram_indexes) + 1] or [N, …].</summary>
    private static ImmutableArray<TensorType> InferTfIdf(InferenceContext c)
    {
        var x = c.Input(0);
        var a = c.Attributes;
        if (x.ElementType is not (DataType.Int32 or DataType.Int64) || x.Shape.Rank is not (1 or 2))
        {
            throw c.Error($"input must be int32 or int64 of rank 1 or 2, got {x}");
        }
        long min = a.GetInt("min_gram_length"), max = a.GetInt("max_gram_length"), skip = a.GetInt("max_skip_count");
        var counts = a.GetInts("ngram_counts");
        var indexes = a.GetInts("ngram_indexes");
        var pool = a.GetInts("pool_int64s");
        if (min < 1 || max < min || skip < 0 || a.GetString("mode", "") is not ("TF" or "IDF" or "TFIDF"))
        {
            throw c.Error("needs 1 ≤ min_gram_length ≤ max_gram_length, max_skip_count ≥ 0 and mode TF, IDF or TFIDF");
        }
        long ngrams = 0;
        for (int n = 1; n <= counts.Length; n++)
        {
            long begin = counts[n - 1], end = n < counts.Length ? counts[n] : pool.Length;
            if (begin < 0 || end < begin || end > pool.Length || (end - begin) % n != 0)
            {
                throw c.Error($"ngram_counts {string.Join(",", counts)} do not split a pool of {pool.Length} ids into n-grams");
            }
            ngrams += (end - begin) / n;
        }
        if (indexes.Length != ngrams || a.GetFloats("weights").Length != ngrams || indexes.Any(i => i < 0))
        {
            throw c.Error($"ngram_indexes and weights need one non-negative entry per pooled n-gram ({ngrams})");
        }
        long width = indexes.Length == 0 ? 0 : indexes.Max() + 1;
        var shape = x.Shape.Rank == 1 ? new Shape(width) : new Shape(x.Shape[0], width);
        return One(DataType.Float32, shape);
    }
}
