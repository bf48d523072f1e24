namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// The rules for bounded values, whose size depends on the data (NonZero, NonMaxSuppression, Unique): the compiler
/// gives them a buffer of their static upper bound, the module reports their actual dims after each run, and hosts
/// trim the buffer to them (docs/abi.md, "Bounded outputs"). Every kernel is compiled for static shapes, so a bounded
/// value can only be a graph output: no node may read it. The frontend, the verifier and the backend all check that
/// here.
/// </summary>
public static class BoundedOutputs
{
    /// <summary>The first bounded value that a node reads, with its producer and that reader; null when there is none.</summary>
    public static (Node Producer, string Value, Node Consumer)? FindConsumed(Graph graph)
    {
        var producers = graph.Producers();
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                if (input.Length > 0 && graph.Types.TryGetValue(input, out var type) && type.IsBounded)
                {
                    return (producers.TryGetValue(input, out var producer) ? producer : node, input, node);
                }
            }
        }
        return null;
    }

    /// <summary>Why a bounded value may not be read, for messages.</summary>
    public static string Reason(string value, Node consumer)
        => $"its output size depends on the data, so it can only be a graph output ('{value}' feeds {consumer.Describe()})";

    /// <summary>Throws <see cref="UnsupportedOpException"/> (naming the producing node) when a node reads a bounded value.</summary>
    public static void ThrowIfConsumed(Graph graph)
    {
        if (FindConsumed(graph) is var (producer, value, consumer))
        {
            throw new UnsupportedOpException(producer.Op, graph.OpsetOf(), producer.Name, graph.SourceOf(), Reason(value, consumer));
        }
    }

    /// <summary>
    /// The actual tensor inside a buffer laid out as its bound: along each dynamic axis only the first
    /// <paramref name="actualDims"/>[axis] entries are data, the rest padding. Checks the reported dims (a dynamic one
    /// within its bound, a static one equal to it), because they come from the module.
    /// </summary>
    public static TensorData Trim(TensorType bound, ReadOnlySpan<byte> padded, IReadOnlyList<long> actualDims, string name)
    {
        var dims = bound.Shape.Dims;
        bool fits = actualDims.Count == dims.Length;
        for (int d = 0; fits && d < dims.Length; d++)
        {
            fits = bound.Dynamic.Contains(d) ? actualDims[d] >= 0 && actualDims[d] <= dims[d] : actualDims[d] == dims[d];
        }
        if (!fits || padded.Length != bound.ByteSize)
        {
            throw new WasmGraphException($"the module reports dims [{string.Join(",", actualDims)}] for output '{name}', which do not fit its bound {bound}");
        }
        var actual = new TensorType(bound.ElementType, new Shape(actualDims.ToArray()));
        var bytes = new byte[actual.ByteSize];
        int last = bound.Dynamic.Axes.DefaultIfEmpty(-1).Max();
        if (last < 0 || bytes.Length == 0)
        {
            padded[..bytes.Length].CopyTo(bytes);
            return new TensorData(actual, bytes);
        }
        // Axes after the last dynamic one are whole, so each index of the axes before it starts one contiguous run.
        int size = bound.ElementType.SizeOf();
        var strides = bound.Shape.Strides();
        int run = checked((int)(actualDims[last] * strides[last] * size));
        var index = new long[last];
        for (int written = 0; written < bytes.Length; written += run)
        {
            long offset = 0;
            for (int d = 0; d < last; d++)
            {
                offset += index[d] * strides[d];
            }
            padded.Slice(checked((int)(offset * size)), run).CopyTo(bytes.AsSpan(written));
            for (int d = last - 1; d >= 0 && ++index[d] == actualDims[d]; d--)
            {
                index[d] = 0;
            }
        }
        return new TensorData(actual, bytes);
    }
}
