using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fuse-elementwise: merges connected float32 elementwise ops (the ops with <see cref="FusedRoles.UnaryStep"/> or
/// <see cref="FusedRoles.BinaryStep"/>: Add, Mul, Pow, Erf, Tanh, Relu…) into one FusedElementwise node whose
/// <c>steps</c> list the ops in order (docs/ir.md). Two ops join when the first one's output is read only by the
/// second, so each group has exactly one value leaving it. A group the backend cannot run stays as it was.
/// Why: exported transformers spell GELU and LayerNorm as chains of 5–6 tiny ops; fused, each chain is one loop
/// that reads its inputs once and writes one output, instead of a full pass over memory per op.
/// Runs after fuse-activation and fuse-residual (<see cref="RunsAfter"/>), which claim the Relus and Adds that fold into
/// Conv/Gemm stores: there they cost nothing, here they cost a loop.
/// </summary>
public sealed class FuseElementwisePass : IPass
{
    public string Name => "fuse-elementwise";

    public string Description => "fuse chains of elementwise ops into one loop";

    public IReadOnlyList<string> RunsAfter { get; } = ["fuse-residual", "fuse-activation"];

    public Graph Run(Graph graph, PassContext context)
    {
        var rewriter = new GraphRewriter(graph);
        var group = new Dictionary<Node, int>();
        var members = new List<List<Node>>();
        foreach (var node in graph.Nodes.Where(n => Fusible(n, graph, context.Registry)))
        {
            // Join the group of an operand's producer when this node is that operand's only reader.
            var joined = node.Inputs.Select(rewriter.ProducerOf)
                .Where(p => p is not null && group.ContainsKey(p) && rewriter.HasSoleReader(p.Outputs[0]))
                .Select(p => group[p!]).Distinct().ToList();
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

        int groups = 0, ops = 0;
        foreach (var nodes in members.Where(m => m.Count >= 2))
        {
            var fused = Fuse(nodes.OrderBy(rewriter.PositionOf).ToList());
            if (!context.Capabilities.CanRun(fused, graph))
            {
                continue;
            }
            rewriter.ReplaceAll(nodes, fused);
            groups++;
            ops += nodes.Count;
        }
        if (groups > 0)
        {
            context.Statistics["groups"] = groups;
            context.Statistics["ops fused"] = ops;
        }
        return rewriter.Build();
    }

    /// <summary>A parameterless float32 map the registry marks as a FusedElementwise step.</summary>
    private static bool Fusible(Node node, Graph graph, OpRegistry registry)
        => node.Outputs.Length == 1 && node.Attributes.Count == 0
           && registry.Find(node.Op) is { Fusion: FusionKind.Elementwise } definition
           && (definition.FusedRoles & (FusedRoles.UnaryStep | FusedRoles.BinaryStep)) != 0
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
        return new Node(last.Name, FusedOps.Elementwise, inputs.ToImmutableArray(), last.Outputs,
                        Attributes.Empty.With("steps", AttributeValue.Of(steps)));
    }
}
