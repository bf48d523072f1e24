using System.Collections.Immutable;
using System.Globalization;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// The keys the frontend and the Host record in <see cref="Graph.Metadata"/>, and typed reads of them, so no layer
/// parses the string map itself. The map stays strings because a frontend may add keys of its own (they are carried
/// along, not interpreted); the ones the compiler reads are here.
/// </summary>
public static class GraphMetadata
{
    /// <summary>The model's producer ("name version").</summary>
    public const string Producer = "producer";

    /// <summary>The opset the model imports, a positive int in invariant digits.</summary>
    public const string Opset = "opset";

    /// <summary>The model file the graph came from, for error messages.</summary>
    public const string Source = "source";

    /// <summary>The model's doc string.</summary>
    public const string Doc = "doc";

    /// <summary>The prefix of a preprocessing hint's key (<c>hint.layout</c>); the module metadata drops it.</summary>
    public const string HintPrefix = "hint.";

    /// <summary>The metadata key under which hint <paramref name="name"/> is stored.</summary>
    public static string HintKey(string name) => HintPrefix + name;

    /// <summary>The prefix of a bound input's key (<c>bound.pads</c>); see <see cref="BoundInput"/>.</summary>
    public const string BoundPrefix = "bound.";

    /// <summary>Records that graph input <paramref name="name"/> was frozen to <paramref name="value"/> (<c>--bind</c>).</summary>
    public static KeyValuePair<string, string> BoundEntry(string name, TensorData value)
        => KeyValuePair.Create(BoundPrefix + name, BoundInput.Of(name, value).Format());

    /// <summary>The inputs the frontend froze to values, in ordinal name order; an entry that does not parse is skipped.</summary>
    public static ImmutableArray<BoundInput> BoundInputsOf(this Graph graph)
        => graph.Metadata.Where(kv => kv.Key.StartsWith(BoundPrefix, StringComparison.Ordinal))
                         .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                         .Select(kv => BoundInput.Parse(kv.Key[BoundPrefix.Length..], kv.Value))
                         .OfType<BoundInput>()
                         .ToImmutableArray();

    /// <summary>The formatted value of <see cref="Opset"/>.</summary>
    public static string FormatOpset(int opset) => opset.ToString(CultureInfo.InvariantCulture);

    /// <summary>The opset the frontend recorded; 0 when unknown or not a number.</summary>
    public static int OpsetOf(this Graph graph)
        => int.TryParse(graph.Metadata.GetValueOrDefault(Opset, "0"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var opset) ? opset : 0;

    /// <summary>The model file the graph came from, or null.</summary>
    public static string? SourceOf(this Graph graph) => graph.Metadata.GetValueOrDefault(Source);

    /// <summary>The producer, or "".</summary>
    public static string ProducerOf(this Graph graph) => graph.Metadata.GetValueOrDefault(Producer, "");

    /// <summary>The preprocessing hints by name (the key without <see cref="HintPrefix"/>).</summary>
    public static ImmutableDictionary<string, string> HintsOf(this Graph graph)
        => graph.Metadata.Where(kv => kv.Key.StartsWith(HintPrefix, StringComparison.Ordinal))
                         .ToImmutableDictionary(kv => kv.Key[HintPrefix.Length..], kv => kv.Value);
}
