using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>Mutable scratch space for building or rewriting a <see cref="Graph"/>; <see cref="Build"/> freezes it.</summary>
public sealed class GraphBuilder
{
    private readonly ImmutableDictionary<string, TensorType>.Builder _types;
    private readonly ImmutableDictionary<string, TensorData>.Builder _constants;
    private int _fresh;

    public GraphBuilder(string name)
    {
        Name = name;
        _types = ImmutableDictionary.CreateBuilder<string, TensorType>(StringComparer.Ordinal);
        _constants = ImmutableDictionary.CreateBuilder<string, TensorData>(StringComparer.Ordinal);
    }

    /// <summary>Starts from an existing graph: everything is copied, the node list included.</summary>
    public GraphBuilder(Graph graph) : this(graph.Name)
    {
        _types.AddRange(graph.Types);
        _constants.AddRange(graph.Constants);
        Inputs.AddRange(graph.Inputs);
        Outputs.AddRange(graph.Outputs);
        Nodes.AddRange(graph.Nodes);
        Metadata = graph.Metadata.ToBuilder();
    }

    public string Name { get; set; }
    public List<string> Inputs { get; } = new();
    public List<string> Outputs { get; } = new();
    public List<Node> Nodes { get; } = new();
    public ImmutableDictionary<string, string>.Builder Metadata { get; private set; } = ImmutableDictionary.CreateBuilder<string, string>();

    public IReadOnlyDictionary<string, TensorType> Types => _types;
    public IReadOnlyDictionary<string, TensorData> Constants => _constants;

    public void SetType(string value, TensorType type) => _types[value] = type;

    public string AddInput(string name, TensorType type)
    {
        SetType(name, type);
        Inputs.Add(name);
        return name;
    }

    public string AddConstant(string name, TensorData data)
    {
        SetType(name, data.Type);
        _constants[name] = data;
        return name;
    }

    public void RemoveConstant(string name)
    {
        _constants.Remove(name);
        _types.Remove(name);
    }

    /// <summary>A value name not yet used in this graph, derived from <paramref name="hint"/>.</summary>
    public string FreshName(string hint)
    {
        string name;
        do
        {
            name = $"{hint}__{_fresh++}";
        }
        while (_types.ContainsKey(name));
        return name;
    }

    public Node AddNode(string op, IEnumerable<string> inputs, IEnumerable<(string Name, TensorType Type)> outputs, Attributes? attributes = null, string? name = null)
    {
        var outs = outputs.ToList();
        foreach (var (n, t) in outs)
        {
            SetType(n, t);
        }
        var node = new Node(name ?? FreshName(op), op, inputs.ToImmutableArray(), outs.Select(o => o.Name).ToImmutableArray(), attributes ?? Attributes.Empty);
        Nodes.Add(node);
        return node;
    }

    /// <summary>Freezes the builder, dropping types of values that nothing defines any more.</summary>
    public Graph Build()
    {
        var defined = new HashSet<string>(Inputs, StringComparer.Ordinal);
        defined.UnionWith(_constants.Keys);
        foreach (var node in Nodes)
        {
            defined.UnionWith(node.Outputs);
        }
        var types = _types.Where(kv => defined.Contains(kv.Key)).ToImmutableDictionary(StringComparer.Ordinal);
        return new Graph
        {
            Name = Name,
            Inputs = Inputs.ToImmutableArray(),
            Outputs = Outputs.ToImmutableArray(),
            Nodes = Nodes.ToImmutableArray(),
            Types = types,
            Constants = _constants.ToImmutable(),
            Metadata = Metadata.ToImmutable(),
        };
    }
}
