using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fuse-residual: folds an Add of a Conv's output and a same-shaped tensor (a residual shortcut) into the Conv, as
/// input 3 with the backend attribute <c>wg.residual</c> (docs/ir.md). The convolution's epilogue then adds the
/// shortcut while it stores each output once.
/// Why: ResNets add a shortcut after every block; fused, the sum costs no extra pass over the activations.
/// Order: after fold-batchnorm (so Conv → BatchNorm → Add has become Conv → Add) and before fuse-activation (so the
/// Relu that follows the Add can fuse into the same Conv).
/// </summary>
public sealed class FuseResidualAddPass : IPass
{
    public const string Attribute = "wg.residual";

    public string Name => "fuse-residual";

    public string Description => "fuse a residual Add into the Conv that produces one of its operands";

    public Graph Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var producers = graph.Producers();
        var fused = new Dictionary<string, Node>(StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var add in graph.Nodes.Where(n => n.Op == "Add"))
        {
            var outputType = graph.TypeOf(add.Outputs[0]);
            for (int side = 0; side < 2; side++)
            {
                var convOutput = add.Inputs[side];
                var shortcut = add.Inputs[1 - side];
                if (!producers.TryGetValue(convOutput, out var conv) || conv.Op != "Conv" || fused.ContainsKey(conv.Name)
                    || conv.Attributes.All.Any(a => a.Key.StartsWith("wg.", StringComparison.Ordinal))
                    || consumers[convOutput].Length != 1 || graph.Outputs.Contains(convOutput)
                    || graph.TypeOf(convOutput) != outputType || graph.TypeOf(shortcut) != outputType
                    || !DefinedBefore(graph, shortcut, conv))
                {
                    continue;
                }
                var inputs = conv.Inputs.Length == 2 ? conv.Inputs.Add("") : conv.Inputs;
                fused[conv.Name] = conv with
                {
                    Inputs = inputs.Add(shortcut),
                    Outputs = add.Outputs,
                    Attributes = conv.Attributes.With(Attribute, 1L),
                };
                removed.Add(add.Name);
                break;
            }
        }
        if (fused.Count == 0)
        {
            return graph;
        }
        context.Statistics["fused"] = fused.Count;
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        builder.Nodes.AddRange(graph.Nodes.Where(n => !removed.Contains(n.Name)).Select(n => fused.GetValueOrDefault(n.Name, n)));
        return builder.Build();
    }

    /// <summary>The shortcut must exist when the Conv runs: a graph input, a constant, or an earlier node's output.</summary>
    private static bool DefinedBefore(Graph graph, string value, Node conv)
    {
        if (graph.Inputs.Contains(value) || graph.IsConstant(value))
        {
            return true;
        }
        foreach (var node in graph.Nodes)
        {
            if (node == conv)
            {
                return false;
            }
            if (node.Outputs.Contains(value))
            {
                return true;
            }
        }
        return false;
    }
}
