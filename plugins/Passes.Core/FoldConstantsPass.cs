using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fold-constants: evaluates at compile time every node whose inputs are all constants and whose op has an evaluator
/// (<see cref="OpDefinition.Evaluate"/>), replacing it by constant data.
/// Why: the principle is that everything static is decided at compile time. The ONNX importer already folds as it
/// imports; this pass folds what later rewrites expose, and graphs that arrive from other frontends. Nodes whose
/// output would be very large (<see cref="ConstantFolder.MaxFoldedElements"/>) stay kernels. Constants that become
/// unread are left for eliminate-dead-code.
/// </summary>
public sealed class FoldConstantsPass : IPass
{
    public string Name => "fold-constants";

    public string Description => "evaluate nodes whose inputs are all constants at compile time";

    public Graph Run(Graph graph, PassContext context)
    {
        var builder = new GraphBuilder(graph);
        builder.Nodes.Clear();
        int folded = 0;
        foreach (var node in graph.Nodes)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var types = node.Outputs.Select(graph.TypeOf).ToImmutableArray();
            // Graph outputs stay produced by nodes: the ABI gives each output an arena buffer.
            var results = node.Outputs.Any(graph.Outputs.Contains)
                ? null
                : ConstantFolder.TryFold(node, context.Registry, types, v => builder.Constants.GetValueOrDefault(v));
            if (results is null)
            {
                builder.Nodes.Add(node);
                continue;
            }
            for (int i = 0; i < node.Outputs.Length; i++)
            {
                builder.AddConstant(node.Outputs[i], results.Value[i]);
            }
            folded++;
        }
        if (folded == 0)
        {
            return graph;
        }
        context.Statistics["folded"] = folded;
        return builder.Build();
    }
}
