namespace WasmGraph.Abstractions.Ir;

/// <summary>What <see cref="GraphEquality"/> may ignore.</summary>
public enum GraphComparison
{
    /// <summary>Everything counts, value and node names included: what a text round trip must preserve.</summary>
    Exact,

    /// <summary>
    /// Internal values (constants and node outputs that are not graph outputs) may be renamed consistently, and node
    /// names are ignored, like TVM's alpha-equality; graph inputs and outputs keep their names, since they are the
    /// module's interface. What pass tests compare, so an expected graph need not guess the names a pass makes up.
    /// </summary>
    UpToRenaming,
}

/// <summary>
/// Structural equality of graphs (TVM's <c>assert_structural_equal</c>): same name and metadata, the same inputs, the
/// same nodes in the same order (order is structure: it decides lifetimes and so the memory plan) with the same ops,
/// attributes (floats by their bits, tensors by type and bytes), operands and output types, the same constants (by
/// type and bytes), the same outputs and the same memory plan. Types of values nothing defines are not compared.
/// Under <see cref="GraphComparison.UpToRenaming"/> each name of one graph stands for exactly one name of the other:
/// node outputs pair up in node order and constants where they are first read; an unread constant keeps its name.
/// </summary>
public static class GraphEquality
{
    public static bool StructurallyEqual(Graph expected, Graph actual, GraphComparison comparison = GraphComparison.Exact)
        => FirstDifference(expected, actual, comparison) is null;

    /// <summary>The first difference in words, with the two nodes' lines when it is in a node; null when equal.</summary>
    public static string? FirstDifference(Graph expected, Graph actual, GraphComparison comparison = GraphComparison.Exact)
        => new Matcher(expected, actual, comparison).Run();

    /// <summary>Exact equality of two attribute values: floats by their bits (NaN equals itself, 0 is not -0), tensors by type and bytes.</summary>
    public static bool SameAttribute(AttributeValue a, AttributeValue b) => a.Kind == b.Kind && a.Kind switch
    {
        AttributeKind.Int => a.Int == b.Int,
        AttributeKind.Float => BitConverter.SingleToUInt32Bits(a.Float) == BitConverter.SingleToUInt32Bits(b.Float),
        AttributeKind.String => a.String == b.String,
        AttributeKind.Ints => a.Ints.SequenceEqual(b.Ints),
        AttributeKind.Floats => a.Floats.Select(BitConverter.SingleToUInt32Bits).SequenceEqual(b.Floats.Select(BitConverter.SingleToUInt32Bits)),
        AttributeKind.Strings => a.Strings.SequenceEqual(b.Strings, StringComparer.Ordinal),
        _ => a.Tensor is { } x && b.Tensor is { } y && SameData(x, y),
    };

    /// <summary>Same type (bounded axes included) and the same bytes.</summary>
    public static bool SameData(TensorData a, TensorData b) => a.Type == b.Type && a.Bytes.SequenceEqual(b.Bytes);

    private sealed class Matcher(Graph expected, Graph actual, GraphComparison comparison)
    {
        private readonly Dictionary<string, string> _forward = new(StringComparer.Ordinal);  // expected name → actual name
        private readonly Dictionary<string, string> _backward = new(StringComparer.Ordinal); // actual name → expected name
        private readonly HashSet<string> _interface = [.. expected.Inputs, .. expected.Outputs, .. actual.Inputs, .. actual.Outputs];

        public string? Run()
        {
            if (expected.Name != actual.Name)
            {
                return $"the graph is named '{actual.Name}', expected '{expected.Name}'";
            }
            var metadata = expected.Metadata.Keys.Union(actual.Metadata.Keys).Order(StringComparer.Ordinal)
                .FirstOrDefault(k => expected.Metadata.GetValueOrDefault(k) != actual.Metadata.GetValueOrDefault(k));
            if (metadata is not null)
            {
                return $"metadata '{metadata}' is {Quoted(actual.Metadata.GetValueOrDefault(metadata))}, expected {Quoted(expected.Metadata.GetValueOrDefault(metadata))}";
            }
            if (!expected.Inputs.SequenceEqual(actual.Inputs, StringComparer.Ordinal))
            {
                return $"the inputs are ({string.Join(", ", actual.Inputs)}), expected ({string.Join(", ", expected.Inputs)})";
            }
            foreach (var input in expected.Inputs)
            {
                if (Bind(input, input) is { } problem)
                {
                    return $"input {problem}";
                }
            }
            return Nodes() ?? Outputs() ?? UnreadConstants() ?? Memory();
        }

        private string? Nodes()
        {
            int common = Math.Min(expected.Nodes.Length, actual.Nodes.Length);
            for (int i = 0; i < common; i++)
            {
                if (NodeDifference(expected.Nodes[i], actual.Nodes[i]) is { } problem)
                {
                    return $"node {i} differs: {problem}\n  expected: {Line(expected, expected.Nodes[i])}\n  actual:   {Line(actual, actual.Nodes[i])}";
                }
            }
            if (expected.Nodes.Length != actual.Nodes.Length)
            {
                var (longer, graph, which) = expected.Nodes.Length > common ? (expected.Nodes, expected, "missing") : (actual.Nodes, actual, "extra");
                return $"the graph has {actual.Nodes.Length} nodes, expected {expected.Nodes.Length}; first {which} node:\n  {Line(graph, longer[common])}";
            }
            return null;
        }

        private string? NodeDifference(Node e, Node a)
        {
            if (e.Op != a.Op)
            {
                return $"op {a.Op}, expected {e.Op}";
            }
            if (comparison == GraphComparison.Exact && e.Name != a.Name)
            {
                return $"named '{a.Name}', expected '{e.Name}'";
            }
            if (e.Inputs.Length != a.Inputs.Length)
            {
                return $"{a.Inputs.Length} inputs, expected {e.Inputs.Length}";
            }
            for (int i = 0; i < e.Inputs.Length; i++)
            {
                if (Read(e.Inputs[i], a.Inputs[i]) is { } problem)
                {
                    return $"input {i}: {problem}";
                }
            }
            var names = e.Attributes.All.Select(kv => kv.Key).Union(a.Attributes.All.Select(kv => kv.Key)).Order(StringComparer.Ordinal);
            foreach (var name in names)
            {
                var (x, y) = (e.Attributes.Get(name), a.Attributes.Get(name));
                if (x is null || y is null || !SameAttribute(x, y))
                {
                    return $"attribute '{name}' is {y?.ToString() ?? "absent"}, expected {x?.ToString() ?? "absent"}";
                }
            }
            if (e.Outputs.Length != a.Outputs.Length)
            {
                return $"{a.Outputs.Length} outputs, expected {e.Outputs.Length}";
            }
            for (int i = 0; i < e.Outputs.Length; i++)
            {
                if (Bind(e.Outputs[i], a.Outputs[i]) is { } problem)
                {
                    return $"output {i}: {problem}";
                }
            }
            return null;
        }

        /// <summary>A read of a value: the name it is bound to, or a constant bound here at its first read.</summary>
        private string? Read(string e, string a)
        {
            if (_forward.TryGetValue(e, out var bound))
            {
                return bound == a ? null : $"reads '{a}' where '{bound}' was expected (expected '{e}')";
            }
            if (expected.IsConstant(e) || actual.IsConstant(a))
            {
                return Bind(e, a);
            }
            // Neither graph defines it (the verifier's concern): only the same name matches.
            return e == a ? null : $"reads '{a}', expected '{e}'";
        }

        /// <summary>Pairs a definition in each graph: same name unless renaming is allowed, same type, same constant data.</summary>
        private string? Bind(string e, string a)
        {
            bool renamable = comparison == GraphComparison.UpToRenaming && !_interface.Contains(e) && !_interface.Contains(a);
            if (!renamable && e != a)
            {
                return $"is '{a}', expected '{e}'";
            }
            if (_backward.TryGetValue(a, out var other) && other != e)
            {
                return $"'{a}' stands for '{other}' already, so it cannot also be '{e}'";
            }
            if (expected.Types.GetValueOrDefault(e) != actual.Types.GetValueOrDefault(a))
            {
                return $"'{a}' has type {Describe(actual.Types.GetValueOrDefault(a))}, expected {Describe(expected.Types.GetValueOrDefault(e))}";
            }
            var (x, y) = (expected.ConstantOrNull(e), actual.ConstantOrNull(a));
            if ((x is null) != (y is null) || (x is not null && !SameData(x, y!)))
            {
                return x is null ? $"'{a}' is a constant, expected a computed value"
                     : y is null ? $"'{a}' is computed, expected a constant" : $"constant '{a}' holds {GraphText.Data(y, GraphTextOptions.Default)}, expected {GraphText.Data(x, GraphTextOptions.Default)}";
            }
            _forward[e] = a;
            _backward[a] = e;
            return null;
        }

        private string? Outputs()
        {
            if (!expected.Outputs.SequenceEqual(actual.Outputs, StringComparer.Ordinal))
            {
                return $"the outputs are ({string.Join(", ", actual.Outputs)}), expected ({string.Join(", ", expected.Outputs)})";
            }
            foreach (var output in expected.Outputs)
            {
                if (Read(output, output) is { } problem)
                {
                    return $"output '{output}': {problem}";
                }
            }
            return null;
        }

        /// <summary>Constants no node reads pair up by name.</summary>
        private string? UnreadConstants()
        {
            var unread = expected.Constants.Keys.Where(c => !_forward.ContainsKey(c))
                .Union(actual.Constants.Keys.Where(c => !_backward.ContainsKey(c))).Order(StringComparer.Ordinal);
            foreach (var name in unread)
            {
                if (!expected.IsConstant(name) || !actual.IsConstant(name))
                {
                    return expected.IsConstant(name) ? $"constant '{name}' is missing" : $"constant '{name}' is not expected";
                }
                if (Bind(name, name) is { } problem)
                {
                    return $"unread constant {problem}";
                }
            }
            return null;
        }

        private string? Memory()
        {
            if (expected.Memory is not { } e || actual.Memory is not { } a)
            {
                return expected.Memory is null == actual.Memory is null ? null
                     : expected.Memory is null ? "the graph has a memory plan, expected none" : "the graph has no memory plan, expected one";
            }
            if (e.ArenaBytes != a.ArenaBytes || e.Alignment != a.Alignment)
            {
                return $"the memory plan has arena {a.ArenaBytes} bytes, alignment {a.Alignment}; expected {e.ArenaBytes} bytes, alignment {e.Alignment}";
            }
            if (e.Slots.Count != a.Slots.Count)
            {
                return $"the memory plan has {a.Slots.Count} slots, expected {e.Slots.Count}";
            }
            foreach (var (value, slot) in e.Slots.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                var name = _forward.GetValueOrDefault(value, value);
                if (!a.Slots.TryGetValue(name, out var other) || other != slot)
                {
                    return $"'{name}' is at {other?.ToString() ?? "no slot"} in the memory plan, expected {slot}";
                }
            }
            return null;
        }

        private static string Line(Graph graph, Node node) => GraphText.NodeLine(graph, node, GraphTextOptions.Default);

        private static string Describe(TensorType? type) => type?.ToString() ?? "none";

        private static string Quoted(string? value) => value is null ? "absent" : GraphTextSyntax.Quote(value);
    }
}
