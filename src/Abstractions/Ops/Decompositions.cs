using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Runs an op a backend has no kernel for through its <see cref="OpDefinition.Decomposition"/>: the node is replaced by
/// the nodes it decomposes into, with their intermediate types inferred by the registry. This is how an op added by a
/// plugin reaches every backend without the backend's own kernel types crossing the plugin boundary.
/// </summary>
public static class Decompositions
{
    /// <summary>Decompositions may use other decomposed ops; deeper than this is taken to be a cycle.</summary>
    public const int MaxDepth = 8;

    /// <summary>Whether <paramref name="node"/> needs expanding for a backend that lowers the ops <paramref name="lowers"/> accepts.</summary>
    public static bool Needs(Node node, OpRegistry registry, Func<string, bool> lowers)
        => !lowers(node.Op) && registry.Find(node.Op)?.Decomposition is not null;

    /// <summary>
    /// The graph with every node that <see cref="Needs"/> expanding replaced by its decomposition; the same graph when
    /// there is none. The result has no memory plan: its values changed, so the backend plans them again.
    /// </summary>
    public static Graph Expand(Graph graph, OpRegistry registry, Func<string, bool> lowers)
    {
        if (!graph.Nodes.Any(n => Needs(n, registry, lowers)))
        {
            return graph;
        }
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        foreach (var node in graph.Nodes)
        {
            ExpandInto(builder, node, registry, lowers, depth: 0);
        }
        return builder.Build();
    }

    /// <summary>
    /// The nodes <paramref name="node"/> becomes in <paramref name="graph"/>, and the graph with the types and constants
    /// of the new values (for checking each part as a backend would).
    /// </summary>
    public static (ImmutableArray<Node> Nodes, Graph Graph) ExpandNode(Node node, Graph graph, OpRegistry registry, Func<string, bool> lowers)
    {
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        ExpandInto(builder, node, registry, lowers, depth: 0);
        var types = builder.Types.ToImmutableDictionary(StringComparer.Ordinal);
        var constants = builder.Constants.ToImmutableDictionary(StringComparer.Ordinal);
        return (builder.Nodes.ToImmutableArray(), graph with { Types = types, Constants = constants });
    }

    private static void ExpandInto(GraphBuilder builder, Node node, OpRegistry registry, Func<string, bool> lowers, int depth)
    {
        if (!Needs(node, registry, lowers))
        {
            builder.Nodes.Add(node);
            return;
        }
        if (depth >= MaxDepth)
        {
            throw new ModelException($"the decomposition nests deeper than {MaxDepth} levels (does it use itself?)", node: node.Name, op: node.Op);
        }
        var parts = registry.Get(node.Op).Decomposition!(node, new DecompositionContext(builder, node.Name));
        var defined = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < parts.Count; i++)
        {
            var part = parts[i] with { Name = $"{node.Name}/{i}" };
            var types = registry.Infer(part, v => builder.Types.GetValueOrDefault(v), v => builder.Constants.GetValueOrDefault(v));
            for (int o = 0; o < part.Outputs.Length; o++)
            {
                var output = part.Outputs[o];
                if (node.Outputs.Contains(output) && builder.Types[output] != types[o])
                {
                    throw new ModelException($"its decomposition gives '{output}' type {types[o]}, but the op's inference says {builder.Types[output]}",
                                             node: node.Name, op: node.Op);
                }
                builder.SetType(output, types[o]);
                defined.Add(output);
            }
            ExpandInto(builder, part, registry, lowers, depth + 1);
        }
        if (node.Outputs.FirstOrDefault(o => o.Length > 0 && !defined.Contains(o)) is { } missing)
        {
            throw new ModelException($"its decomposition does not define output '{missing}'", node: node.Name, op: node.Op);
        }
    }
}
