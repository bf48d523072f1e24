using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Ir;

/// <summary>
/// The toolkit of a rewriting pass (after tract's <c>TypedModelPatch</c> and ONNX Runtime's <c>graph_utils</c>): use-def
/// queries over the graph the pass started from, and edits (replace, remove, add constants) recorded against it and
/// applied by <see cref="Build"/>. The queries always describe the original graph, so a pass decides every rewrite on
/// the same facts however many it has already made; <see cref="IsEdited"/> says whether a node was already claimed.
/// Nothing is copied until the first edit, and <see cref="Build"/> returns the original graph when there was none.
/// </summary>
public sealed class GraphRewriter
{
    private ImmutableDictionary<string, Node>? _producers;
    private ImmutableDictionary<string, ImmutableArray<Node>>? _consumers;
    private Dictionary<Node, int>? _positions;
    private HashSet<string>? _outputs;
    private Dictionary<Node, Node?>? _edits; // node → its replacement, null when removed
    private GraphBuilder? _builder;

    public GraphRewriter(Graph graph) => Graph = graph;

    /// <summary>The graph being rewritten, unchanged by the edits.</summary>
    public Graph Graph { get; }

    /// <summary>Whether any edit was made, so that <see cref="Build"/> makes a new graph.</summary>
    public bool Changed => _edits is { Count: > 0 } || _builder is not null;

    /// <summary>The node that defines <paramref name="value"/>, or null for graph inputs, constants and omitted inputs.</summary>
    public Node? ProducerOf(string value)
        => (_producers ??= Graph.Producers()).GetValueOrDefault(value);

    /// <summary>The nodes that read <paramref name="value"/>, each once (Add(x, x) is one reader of x).</summary>
    public ImmutableArray<Node> ConsumersOf(string value)
        => (_consumers ??= Graph.Consumers()).GetValueOrDefault(value, ImmutableArray<Node>.Empty);

    public bool IsGraphOutput(string value) => (_outputs ??= new HashSet<string>(Graph.Outputs, StringComparer.Ordinal)).Contains(value);

    /// <summary>
    /// Whether exactly one node reads <paramref name="value"/> and the value is not a graph output: then the node
    /// reading it may absorb its producer, and no one else sees the value disappear.
    /// </summary>
    public bool HasSoleReader(string value) => ConsumersOf(value).Length == 1 && !IsGraphOutput(value);

    /// <summary>The node's index in the original node order.</summary>
    public int PositionOf(Node node)
    {
        _positions ??= Graph.Nodes.Select((n, i) => (n, i)).ToDictionary<(Node n, int i), Node, int>(p => p.n, p => p.i, ReferenceEqualityComparer.Instance);
        return _positions.TryGetValue(node, out var at) ? at : throw new ArgumentException($"{node.Describe()} is not in graph '{Graph.Name}'", nameof(node));
    }

    /// <summary>Whether <paramref name="value"/> exists when <paramref name="node"/> runs: an input, a constant or an earlier node's output.</summary>
    public bool IsAvailableBefore(string value, Node node)
        => Graph.Inputs.Contains(value) || Graph.IsConstant(value) || (ProducerOf(value) is { } producer && PositionOf(producer) < PositionOf(node));

    /// <summary>Whether <paramref name="node"/> was already replaced or removed by this rewriter.</summary>
    public bool IsEdited(Node node) => _edits?.ContainsKey(node) == true;

    /// <summary>Puts <paramref name="replacement"/> where <paramref name="node"/> is; every node is edited at most once.</summary>
    public void Replace(Node node, Node replacement) => Edit(node, replacement);

    public void Remove(Node node) => Edit(node, null);

    /// <summary>
    /// Replaces <paramref name="nodes"/> by one node standing where the last of them (in graph order) stands: the place
    /// where every value the group reads is defined.
    /// </summary>
    public void ReplaceAll(IReadOnlyCollection<Node> nodes, Node replacement)
    {
        var last = nodes.MaxBy(PositionOf) ?? throw new ArgumentException("no nodes to replace", nameof(nodes));
        foreach (var node in nodes)
        {
            Edit(node, node == last ? replacement : null);
        }
    }

    /// <summary>Adds a constant under a fresh name derived from <paramref name="hint"/> and returns that name.</summary>
    public string AddConstant(string hint, TensorData data)
    {
        _builder ??= new GraphBuilder(Graph);
        return _builder.AddConstant(_builder.FreshName(hint), data);
    }

    /// <summary>The rewritten graph; the original itself when nothing changed. Types of values no longer defined are dropped.</summary>
    public Graph Build()
    {
        if (!Changed)
        {
            return Graph;
        }
        var builder = _builder ?? new GraphBuilder(Graph);
        builder.Nodes.Clear();
        foreach (var node in Graph.Nodes)
        {
            if (_edits is null || !_edits.TryGetValue(node, out var edited))
            {
                builder.Nodes.Add(node);
            }
            else if (edited is not null)
            {
                builder.Nodes.Add(edited);
            }
        }
        return builder.Build();
    }

    private void Edit(Node node, Node? replacement)
    {
        PositionOf(node); // refuses a node of another graph
        _edits ??= new Dictionary<Node, Node?>(ReferenceEqualityComparer.Instance);
        if (!_edits.TryAdd(node, replacement))
        {
            throw new InvalidOperationException($"{node.Describe()} was already rewritten");
        }
    }
}
