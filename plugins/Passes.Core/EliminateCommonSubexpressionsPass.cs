using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// eliminate-common-subexpressions: when two nodes apply the same op with the same attributes to the same inputs,
/// the second is dropped and its readers use the first one's outputs. Ops are pure, so this is always safe.
/// Why: exporters repeat work (transformers recompute the same mask and shape arithmetic in every layer; models
/// glued together share preprocessing), and each copy would cost a kernel and arena space.
/// </summary>
public sealed class EliminateCommonSubexpressionsPass : IPass
{
    public string Name => "eliminate-common-subexpressions";

    public string Description => "merge nodes that compute the same op on the same inputs";

    public Graph Run(Graph graph, PassContext context)
    {
        var seen = new Dictionary<string, Node>(StringComparer.Ordinal);
        var replace = new Dictionary<string, string>(StringComparer.Ordinal);
        var kept = new List<Node>();
        string Map(string value) => replace.GetValueOrDefault(value, value);
        foreach (var original in graph.Nodes)
        {
            var node = original with { Inputs = original.Inputs.Select(Map).ToImmutableArray() };
            var key = $"{node.Op}({string.Join(",", node.Inputs)}){{{node.Attributes}}}#{node.Outputs.Length}";
            if (seen.TryGetValue(key, out var first) && !node.Outputs.Any(graph.Outputs.Contains))
            {
                for (int i = 0; i < node.Outputs.Length; i++)
                {
                    replace[node.Outputs[i]] = first.Outputs[i];
                }
                continue;
            }
            seen.TryAdd(key, node);
            kept.Add(node);
        }
        if (replace.Count == 0)
        {
            return graph;
        }
        context.Statistics["nodes merged"] = graph.Nodes.Length - kept.Count;
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        builder.Nodes.AddRange(kept);
        return builder.Build();
    }
}
