using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>TfIdfVectorizer over integer token ids.</summary>
internal static class TextImporters
{
    /// <summary>
    /// Makes every attribute explicit; absent weights become ones (which is what TF, IDF and TFIDF mean without them).
    /// String pools are refused: WasmGraph has no string tensors.
    /// </summary>
    public static void TfIdfVectorizer(OnnxNode node, int opset, ImportContext context)
    {
        var a = node.Attributes;
        if (a.Has("pool_strings") && !a.Has("pool_int64s"))
        {
            throw context.Unsupported(node, "string pools (pool_strings); only integer token ids are supported");
        }
        var indexes = a.Ints("ngram_indexes") ?? throw context.Error(node, "required attribute 'ngram_indexes' is missing");
        var weights = a.Floats("weights") is { Length: > 0 } given ? given : Enumerable.Repeat(1f, indexes.Length).ToArray();
        var attributes = IrAttributes.Empty
            .With("min_gram_length", a.Int("min_gram_length"))
            .With("max_gram_length", a.Int("max_gram_length"))
            .With("max_skip_count", a.Int("max_skip_count"))
            .With("mode", a.String("mode", ""))
            .With("ngram_counts", a.Ints("ngram_counts") ?? throw context.Error(node, "required attribute 'ngram_counts' is missing"))
            .With("ngram_indexes", indexes)
            .With("pool_int64s", a.Ints("pool_int64s") ?? [])
            .With("weights", Abstractions.Ir.AttributeValue.Of(weights));
        context.EmitDirect(node, "TfIdfVectorizer", attributes, inputCount: 1);
    }
}
