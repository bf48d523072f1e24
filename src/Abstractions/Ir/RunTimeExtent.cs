using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// A bounded dynamic input dimension (<c>--input-shape input_ids=1,1..128</c>, docs/abi.md "Bounded dynamic inputs"):
/// one run-time extent in [<see cref="Min"/>, <see cref="Bound"/>] that every axis listed in <see cref="Axes"/>
/// follows. The graph is compiled at the bound, so every type's <see cref="TensorType.Shape"/> is the bound's and
/// tensors keep the bound's layout: along a listed axis the first <c>extent</c> entries are data, the rest padding.
/// <para>
/// This is an annotation of one exact graph, as <see cref="MemoryPlan"/> is: it is made after the last pass
/// (<see cref="RunTimeExtentAnalysis"/>, which compares the graph compiled at the bound with the same graph compiled at
/// a smaller probe extent) and read by the backend and the metadata. It is kept apart from
/// <see cref="TensorType.Dynamic"/>, which marks data-dependent (NonZero-style) bounded outputs: those may not be read
/// by any node, while values that follow the extent flow through the whole graph.
/// </para>
/// </summary>
public sealed record RunTimeExtent(long Min, long Bound, ImmutableDictionary<string, DynamicDims> Axes)
{
    /// <summary>The axes of <paramref name="value"/> that follow the extent (none for a static value).</summary>
    public DynamicDims AxesOf(string value) => Axes.GetValueOrDefault(value);

    /// <summary>Whether any axis of <paramref name="value"/> follows the extent.</summary>
    public bool Follows(string value) => !AxesOf(value).IsEmpty;

    /// <summary><c>1..128</c>, as <c>--input-shape</c> writes it.</summary>
    public string Range => $"{Min}..{Bound}";

    /// <summary><c>[1,1..128]</c>: <paramref name="type"/>'s shape with each axis that follows the extent written as its range.</summary>
    public string Describe(string value, TensorType type)
        => "[" + string.Join(",", type.Shape.Dims.Select((d, i) => AxesOf(value).Contains(i) ? Range : $"{d}")) + "]";

    /// <summary>
    /// <paramref name="actual"/> laid out as its bound (<paramref name="bound"/>): along each of <paramref name="axes"/>
    /// the first entries are the data and the rest zeros, as a host writes a dynamic input (docs/abi.md). The caller has
    /// checked that <paramref name="actual"/> fits the bound.
    /// </summary>
    public static byte[] Pad(TensorType bound, DynamicDims axes, TensorData actual)
    {
        var padded = new byte[bound.ByteSize];
        var dims = actual.Type.Shape.Dims;
        int last = axes.Axes.DefaultIfEmpty(-1).Max();
        var bytes = actual.Bytes;
        if (last < 0 || bytes.Length == 0)
        {
            bytes.CopyTo(padded);
            return padded;
        }
        // Axes after the last dynamic one are whole, so each index of the axes before it is one contiguous run.
        int size = bound.ElementType.SizeOf();
        var strides = bound.Shape.Strides();
        int run = checked((int)(dims[last] * strides[last] * size));
        var index = new long[last];
        for (int read = 0; read < bytes.Length; read += run)
        {
            long offset = 0;
            for (int d = 0; d < last; d++)
            {
                offset += index[d] * strides[d];
            }
            bytes.Slice(read, run).CopyTo(padded.AsSpan(checked((int)(offset * size))));
            for (int d = last - 1; d >= 0 && ++index[d] == dims[d]; d--)
            {
                index[d] = 0;
            }
        }
        return padded;
    }

    /// <summary>The smallest shape <paramref name="value"/> takes: its bound shape with each extent axis at <see cref="Min"/>.</summary>
    public ImmutableArray<long> MinShape(string value, TensorType type)
        => type.Shape.Dims.Select((d, i) => AxesOf(value).Contains(i) ? Min : d).ToImmutableArray();
}
