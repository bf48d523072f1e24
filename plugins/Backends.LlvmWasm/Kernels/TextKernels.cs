using WasmGraph.Abstractions.Ir;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// TfIdfVectorizer over int32/int64 token ids. The pooled n-grams become a trie at compile time (as in ONNX Runtime):
/// each node's children are a sorted run of (token id, child node) pairs, and a node carries the output slot of the
/// n-gram that ends there. At run time, for every skip distance and start position the kernel walks the trie one token
/// at a time, finding each child by a binary search with a fixed number of steps (the bit length of the widest fan-out),
/// and counts the n-grams it reaches. Unigrams are counted at skip distance 1 only, since skips do not change them.
/// Tables grow linearly with the pool; the work per row is C · (skips + 1) · max_gram_length · log(fan-out).
/// </summary>
internal sealed class TfIdfVectorizerKernel : IKernelGenerator
{
    public IReadOnlyList<string> Ops { get; } = ["TfIdfVectorizer"];

    /// <summary>The trie in flat arrays; the key and child arrays carry one padding entry so probes never read past them.</summary>
    private sealed record Trie(int[] ChildBegin, int[] ChildCount, long[] Keys, int[] Children, int[] Slot, int SearchSteps);

    public string? CheckSupported(Node node, Graph graph)
        => graph.TypeOf(node.Inputs[0]).ElementType is DataType.Int32 or DataType.Int64 ? null : "only int32/int64 token ids are lowered";

    public void Emit(KernelContext k)
    {
        var e = k.E;
        var a = k.Attributes;
        var inputType = k.InputType(0);
        var xs = inputType.Shape;
        long rows = xs.Rank == 1 ? 1 : xs[0];
        long length = xs[xs.Rank - 1];
        long width = k.OutputType(0).Shape[k.OutputType(0).Shape.Rank - 1];
        long maxGram = a.GetInt("max_gram_length");
        long skips = a.GetInt("max_skip_count");
        string mode = a.GetString("mode", "TF");
        var trie = Build(a);
        var childBegin = k.EmbedInts(trie.ChildBegin);
        var childCount = k.EmbedInts(trie.ChildCount);
        var keys = k.EmbedLongs(trie.Keys);
        var children = k.EmbedInts(trie.Children);
        var slots = k.EmbedInts(trie.Slot);
        var weights = k.EmbedFloats(SlotWeights(a, width));

        LValue Child(LValue node, LValue token)
        {
            var begin = e.Load(e.Ctx.I32, 4, childBegin, node);
            var count = e.Load(e.Ctx.I32, 4, childCount, node);
            var end = e.Add(begin, count);
            var (low, span) = (begin, count);
            for (int step = 0; step < trie.SearchSteps; step++)
            {
                var half = e.B.Binary(BinaryOp.LShr, span, e.I(1));
                var mid = e.Add(low, half);
                var less = e.B.Binary(BinaryOp.And, e.B.ICmp(IntPredicate.Sgt, span, e.I(0)),
                                      e.B.ICmp(IntPredicate.Slt, e.Load(e.Ctx.I64, 8, keys, mid), token));
                low = e.B.Select(less, e.Add(mid, 1), low);
                span = e.B.Select(less, e.Sub(e.Sub(span, half), e.I(1)), half);
            }
            var found = e.B.Binary(BinaryOp.And, e.B.ICmp(IntPredicate.Slt, low, end),
                                   e.B.ICmp(IntPredicate.Eq, e.Load(e.Ctx.I64, 8, keys, low), token));
            return e.B.Select(found, e.Load(e.Ctx.I32, 4, children, low), e.I(-1));
        }

        e.For(rows, row =>
        {
            var rowIn = e.Mul(row, length);
            var rowOut = e.Mul(row, width);
            e.For(width, j => e.StoreF32(e.F(0), k.Output(0), e.Add(rowOut, j)));
            e.For(1, skips + 2, 1, distance => e.For(length, start =>
            {
                e.Fold(0, maxGram, 1, e.I(0), (gram, node) =>
                {
                    var position = e.Add(start, e.Mul(gram, distance));
                    var alive = e.B.Binary(BinaryOp.And, e.B.ICmp(IntPredicate.Sge, node, e.I(0)), e.InRange(position, length));
                    var token = Scalars.Convert(e, Scalars.Load(e, inputType.ElementType, k.Input(0), e.Add(rowIn, e.B.Select(alive, position, e.I(0)))),
                                                inputType.ElementType, DataType.Int64);
                    var next = e.B.Select(alive, Child(e.B.Select(alive, node, e.I(0)), token), e.I(-1));
                    var slot = e.Load(e.Ctx.I32, 4, slots, e.B.Select(e.B.ICmp(IntPredicate.Sge, next, e.I(0)), next, e.I(0)));
                    var unigramOnce = e.B.Binary(BinaryOp.Or, e.B.ICmp(IntPredicate.Ugt, gram, e.I(0)), e.B.ICmp(IntPredicate.Eq, distance, e.I(1)));
                    var counts = e.B.Binary(BinaryOp.And, e.B.Binary(BinaryOp.And, e.B.ICmp(IntPredicate.Sge, next, e.I(0)), e.B.ICmp(IntPredicate.Sge, slot, e.I(0))), unigramOnce);
                    e.If(counts, () =>
                    {
                        var at = e.Add(rowOut, slot);
                        e.StoreF32(e.FAdd(e.LoadF32(k.Output(0), at), e.F(1)), k.Output(0), at);
                    });
                    return next;
                });
            }));
            if (mode != "TF")
            {
                e.For(width, j =>
                {
                    var at = e.Add(rowOut, j);
                    var count = e.LoadF32(k.Output(0), at);
                    var weight = e.LoadF32(weights, j);
                    var value = mode == "IDF"
                        ? e.B.Select(e.B.FCmp(RealPredicate.Ogt, count, e.F(0)), weight, e.F(0))
                        : e.FMul(count, weight);
                    e.StoreF32(value, k.Output(0), at);
                });
            }
        });
    }

    /// <summary>The weight of each output slot: weights[i] belongs to the i-th pooled n-gram, stored at ngram_indexes[i].</summary>
    private static float[] SlotWeights(Attributes a, long width)
    {
        var table = new float[Math.Max(width, 1)];
        var indexes = a.GetInts("ngram_indexes");
        var weights = a.GetFloats("weights");
        for (int i = 0; i < indexes.Length; i++)
        {
            table[indexes[i]] = weights[i];
        }
        return table;
    }

    /// <summary>Inserts the pooled n-grams whose length lies in [min_gram_length, max_gram_length] into a trie.</summary>
    private static Trie Build(Attributes a)
    {
        long min = a.GetInt("min_gram_length"), max = a.GetInt("max_gram_length");
        var counts = a.GetInts("ngram_counts");
        var indexes = a.GetInts("ngram_indexes");
        var pool = a.GetInts("pool_int64s");
        var nodes = new List<SortedDictionary<long, int>> { new() };
        var slot = new List<int> { -1 };
        int ngram = 0;
        for (int n = 1; n <= counts.Length; n++)
        {
            long begin = counts[n - 1], end = n < counts.Length ? counts[n] : pool.Length;
            for (long at = begin; at < end; at += n, ngram++)
            {
                if (n < min || n > max)
                {
                    continue;
                }
                int node = 0;
                for (int t = 0; t < n; t++)
                {
                    if (!nodes[node].TryGetValue(pool[(int)(at + t)], out int child))
                    {
                        child = nodes.Count;
                        nodes[node][pool[(int)(at + t)]] = child;
                        nodes.Add(new SortedDictionary<long, int>());
                        slot.Add(-1);
                    }
                    node = child;
                }
                slot[node] = (int)indexes[ngram];
            }
        }
        var childBegin = new int[nodes.Count];
        var childCount = new int[nodes.Count];
        var keys = new List<long>();
        var children = new List<int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            childBegin[i] = keys.Count;
            childCount[i] = nodes[i].Count;
            keys.AddRange(nodes[i].Keys);
            children.AddRange(nodes[i].Values);
        }
        keys.Add(0);
        children.Add(-1);
        int widest = childCount.Max();
        int steps = widest == 0 ? 0 : 32 - int.LeadingZeroCount(widest);
        return new Trie(childBegin, childCount, [.. keys], [.. children], [.. slot], steps);
    }
}
