using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fuse-elementwise: merges connected float32 elementwise ops (Add, Sub, Mul, Div, Pow and parameterless maps such as
/// Erf, Tanh, Sqrt) into one FusedElementwise node whose <c>steps</c> list the ops in order (docs/ir.md). Two ops join
/// when the first one's output is read only by the second, so each group has exactly one value leaving it.
/// Why: exported transformers spell GELU and LayerNorm as chains of 5–6 tiny ops; fused, each chain is one loop
/// that reads its inputs once and writes one output, instead of a full pass over memory per op.
/// Order: after fuse-activation and fuse-residual, which claim the Relus and Adds that fold into Conv/Gemm stores.
/// </summary>
public sealed class FuseElementwisePass : IPass
{
    public string Name => "fuse-elementwise";

    public string Description => "fuse chains of elementwise ops into one loop";

    public Graph Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var producers = graph.Producers();
        var group = new Dictionary<Node, int>();
        var members = new List<List<Node>>();
        foreach (var node in graph.Nodes.Where(n => Fusible(n, graph)))
        {
            // Join the group of an operand's producer when this node is that operand's only reader.
            var joined = node.Inputs.Where(i => i.Length > 0 && producers.ContainsKey(i))
                .Select(i => producers[i])
                .Where(p => group.ContainsKey(p) && consumers[p.Outputs[0]].Length == 1 && !graph.Outputs.Contains(p.Outputs[0]))
                .Select(p => group[p]).Distinct().ToList();
            int id;
            if (joined.Count == 0)
            {
                id = members.Count;
                members.Add([]);
            }
            else
            {
                id = joined[0];
                foreach (var other in joined.Skip(1))
                {
                    members[other].ForEach(n => group[n] = id);
                    members[id].AddRange(members[other]);
                    members[other].Clear();
                }
            }
            group[node] = id;
            members[id].Add(node);
        }

        var fused = members.Where(m => m.Count >= 2).ToList();
        if (fused.Count == 0)
        {
            return graph;
        }
        var order = graph.Nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var replacement = new Dictionary<Node, Node>();
        foreach (var nodes in fused)
        {
            var sorted = nodes.OrderBy(n => order[n]).ToList();
            replacement[sorted[^1]] = Fuse(sorted);
        }
        context.Statistics["groups"] = fused.Count;
        context.Statistics["ops fused"] = fused.Sum(m => m.Count);
        var removed = fused.SelectMany(m => m).ToHashSet();
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        builder.Nodes.AddRange(graph.Nodes.Where(n => !removed.Contains(n) || replacement.ContainsKey(n))
                                          .Select(n => replacement.GetValueOrDefault(n, n)));
        return builder.Build();
    }

    private static bool Fusible(Node node, Graph graph)
        => node.Outputs.Length == 1 && node.Attributes.Count == 0
           && (StandardOps.FusibleUnary.Contains(node.Op) || StandardOps.FusibleBinary.Contains(node.Op))
           && node.Inputs.All(i => i.Length > 0 && graph.TypeOf(i).ElementType == DataType.Float32);

    /// <summary>One FusedElementwise node for a group in topological order; its output is the last node's.</summary>
    private static Node Fuse(List<Node> nodes)
    {
        var inputs = new List<string>();
        var stepOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var steps = new List<string>();
        foreach (var node in nodes)
        {
            var refs = node.Inputs.Select(value =>
            {
                if (stepOf.TryGetValue(value, out var step))
                {
                    return $"s{step}";
                }
                int index = inputs.IndexOf(value);
                if (index < 0)
                {
                    index = inputs.Count;
                    inputs.Add(value);
                }
                return $"i{index}";
            });
            stepOf[node.Outputs[0]] = steps.Count;
            steps.Add($"{node.Op} {string.Join(" ", refs)}");
        }
        var last = nodes[^1];
        return new Node(last.Name, "FusedElementwise", inputs.ToImmutableArray(), last.Outputs,
                        Attributes.Empty.With("steps", AttributeValue.Of(steps)));
    }
}
