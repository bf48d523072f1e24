using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// eliminate-dead-code: removes nodes none of whose outputs reach a graph output, and constants nothing reads.
/// Why: importers and other passes (BatchNorm folding, fusion) leave orphans behind; every dead node would still
/// cost a kernel, arena space and weight bytes in the module.
/// </summary>
public sealed class EliminateDeadCodePass : IPass
{
    public string Name => "eliminate-dead-code";

    public string Description => "drop nodes and constants that do not reach an output";

    public Graph Run(Graph graph, PassContext context)
    {
        var live = new HashSet<string>(graph.Outputs, StringComparer.Ordinal);
        var kept = new List<Node>();
        for (int i = graph.Nodes.Length - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (node.Outputs.Any(live.Contains))
            {
                kept.Add(node);
                live.UnionWith(node.Inputs.Where(n => n.Length > 0));
            }
        }
        var deadConstants = graph.Constants.Keys.Where(c => !live.Contains(c)).ToList();
        if (kept.Count == graph.Nodes.Length && deadConstants.Count == 0)
        {
            return graph;
        }
        context.Statistics["nodes removed"] = graph.Nodes.Length - kept.Count;
        context.Statistics["constants removed"] = deadConstants.Count;
        kept.Reverse();
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        builder.Nodes.AddRange(kept);
        foreach (var constant in deadConstants)
        {
            builder.RemoveConstant(constant);
        }
        return builder.Build();
    }
}
