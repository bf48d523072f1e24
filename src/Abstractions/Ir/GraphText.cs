using System.Security.Cryptography;
using System.Text;

namespace WasmGraph.Abstractions.Ir;

/// <summary>How <see cref="GraphText.Print(Graph, GraphTextOptions)"/> writes constant data.</summary>
public sealed record GraphTextOptions
{
    /// <summary>What <c>--dump-ir</c> shows: data of up to 16 elements inline, larger tensors elided.</summary>
    public static readonly GraphTextOptions Default = new();

    /// <summary>Every tensor inline, so that the text parses back whatever the sizes (tests, small graphs).</summary>
    public static readonly GraphTextOptions Full = new() { MaxInlineElements = long.MaxValue };

    /// <summary>
    /// Tensors with more elements print as <c>&lt;N values, sha256 XXXXXXXXXXXXXXXX&gt;</c>: a reader of a ResNet dump
    /// wants its structure, not 11 million weights, and the hash still tells two tensors apart. Text with elided data
    /// does not parse (the data is not there); print with <see cref="Full"/> for that.
    /// </summary>
    public long MaxInlineElements { get; init; } = 16;
}

/// <summary>
/// The IR's text form (docs/ir.md, "Text format"): what <c>--dump-ir</c> shows, test failures print and pass tests are
/// written in. It round-trips: <c>Parse(Print(g))</c> is structurally equal to <c>g</c> (<see cref="GraphEquality"/>,
/// exactly, names included) and <c>Print(Parse(text)) == text</c> for printed text, as long as no data was elided.
/// </summary>
public static class GraphText
{
    public static string Print(Graph graph) => Print(graph, GraphTextOptions.Default);

    public static string Print(Graph graph, GraphTextOptions options)
    {
        var sb = new StringBuilder();
        sb.Append("graph ").Append(GraphTextSyntax.Name(graph.Name)).Append('(')
          .AppendJoin(", ", graph.Inputs.Select(i => Typed(graph, i))).AppendLine(") {");
        foreach (var (key, value) in graph.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append("  meta ").Append(GraphTextSyntax.Name(key)).Append(" = ").AppendLine(GraphTextSyntax.Quote(value));
        }
        foreach (var (name, data) in graph.Constants.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append("  const ").Append(GraphTextSyntax.Name(name)).Append(": ").Append(data.Type).Append(" = ")
              .AppendLine(Data(data, options));
        }
        foreach (var node in graph.Nodes)
        {
            sb.Append("  ").AppendLine(NodeLine(graph, node, options));
        }
        sb.Append("  return ").AppendJoin(", ", graph.Outputs.Select(GraphTextSyntax.Name)).AppendLine();
        if (graph.Memory is { } plan)
        {
            sb.Append("  memory: arena ").Append(plan.ArenaBytes).Append(" bytes, alignment ").Append(plan.Alignment).AppendLine();
            foreach (var (name, slot) in plan.Slots.OrderBy(s => s.Value.Offset).ThenBy(s => s.Key, StringComparer.Ordinal))
            {
                sb.Append("    ").Append(GraphTextSyntax.Name(name)).Append(' ').Append(slot).AppendLine();
            }
        }
        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>Reads IR text back into a graph; a <see cref="ModelException"/> names the line and column of an error.</summary>
    public static Graph Parse(string text) => new GraphTextParser(text).ParseGraph();

    /// <summary>One node as a line of text, <c>y: float32[4] = Add(x, one) {…}  # name</c>.</summary>
    public static string NodeLine(Graph graph, Node node, GraphTextOptions options)
    {
        var sb = new StringBuilder();
        if (node.Outputs.Length > 0)
        {
            sb.AppendJoin(", ", node.Outputs.Select(o => Typed(graph, o))).Append(" = ");
        }
        sb.Append(GraphTextSyntax.Name(node.Op)).Append('(').AppendJoin(", ", node.Inputs.Select(GraphTextSyntax.Name)).Append(')');
        if (node.Attributes.Count > 0)
        {
            sb.Append(" {").Append(AttributeList(node.Attributes, options)).Append('}');
        }
        return sb.Append("  # ").Append(GraphTextSyntax.Name(node.Name)).ToString();
    }

    /// <summary><c>name=value, …</c> in key order.</summary>
    public static string AttributeList(Attributes attributes, GraphTextOptions options)
        => string.Join(", ", attributes.All.Select(kv => $"{GraphTextSyntax.Name(kv.Key)}={Attribute(kv.Value, options)}"));

    /// <summary>
    /// One attribute value: <c>3</c>, <c>1.0</c>, <c>"same"</c>, <c>[1,2]</c>, <c>[0.5,1.0]</c>, <c>["a"]</c>, an empty
    /// list as <c>ints[]</c>, <c>floats[]</c> or <c>strings[]</c>, and a tensor as its type and data.
    /// </summary>
    public static string Attribute(AttributeValue value, GraphTextOptions options) => value.Kind switch
    {
        AttributeKind.Int => value.Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AttributeKind.Float => GraphTextSyntax.FloatAttribute(value.Float),
        AttributeKind.String => GraphTextSyntax.Quote(value.String),
        AttributeKind.Ints => value.Ints.IsEmpty ? "ints[]" : "[" + string.Join(",", value.Ints) + "]",
        AttributeKind.Floats => value.Floats.IsEmpty ? "floats[]" : "[" + string.Join(",", value.Floats.Select(GraphTextSyntax.FloatAttribute)) + "]",
        AttributeKind.Strings => value.Strings.IsEmpty ? "strings[]" : "[" + string.Join(",", value.Strings.Select(GraphTextSyntax.Quote)) + "]",
        _ => $"{value.Tensor!.Type} {Data(value.Tensor, options)}",
    };

    private static string Typed(Graph graph, string value)
        => $"{GraphTextSyntax.Name(value)}: {(graph.Types.TryGetValue(value, out var type) ? type.ToString() : "?")}";

    /// <summary>A tensor's elements, flat in row-major order (the type gives the shape), or its elided form.</summary>
    public static string Data(TensorData data, GraphTextOptions options)
    {
        long count = data.Type.ElementCount;
        if (count > options.MaxInlineElements)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(data.Bytes))[..16];
            return $"<{count} values, sha256 {hash}>";
        }
        return "[" + string.Join(",", Elements(data)) + "]";
    }

    private static IEnumerable<string> Elements(TensorData data)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return data.Type.ElementType switch
        {
            DataType.Float32 => data.AsSpan<float>().ToArray().Select(GraphTextSyntax.Float32),
            DataType.Float64 => data.AsSpan<double>().ToArray().Select(GraphTextSyntax.Float64),
            DataType.Float16 or DataType.BFloat16 => data.AsSpan<ushort>().ToArray().Select(b => GraphTextSyntax.Half(b, data.Type.ElementType)),
            DataType.Bool => data.Bytes.ToArray().Select(b => b switch { 0 => "false", 1 => "true", _ => b.ToString(inv) }),
            DataType.UInt64 => data.AsSpan<ulong>().ToArray().Select(v => v.ToString(inv)),
            _ => data.ToInt64Array().Select(v => v.ToString(inv)),
        };
    }
}
