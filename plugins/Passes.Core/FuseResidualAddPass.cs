using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fuse-residual: folds an Add of a Conv's output and a same-typed tensor (a residual shortcut) into one FusedConv
/// whose input 3 (<see cref="FusedOps.ResidualInput"/>) is the shortcut (docs/ir.md, "Fused ops"), when the Conv's
/// output has no other reader and the backend runs FusedConv. The convolution's epilogue then adds the shortcut
/// while it stores each output once.
/// Why: ResNets add a shortcut after every block; fused, the sum costs no extra pass over the activations.
/// Runs after fold-batchnorm (<see cref="RunsAfter"/>), so that Conv → BatchNorm → Add has become Conv → Add;
/// fuse-activation runs after this pass, so the Relu that follows the Add can fuse into the same FusedConv.
/// </summary>
public sealed class FuseResidualAddPass : IPass
{
    public string Name => "fuse-residual";

    public string Description => "fuse a residual Add into the Conv that produces one of its operands";

    public IReadOnlyList<string> RunsAfter { get; } = ["fold-batchnorm"];

    public Graph Run(Graph graph, PassContext context)
    {
        var rewriter = new GraphRewriter(graph);
        int fused = 0;
        foreach (var add in graph.Nodes.Where(n => n.Op == "Add"))
        {
            var outputType = graph.TypeOf(add.Outputs[0]);
            for (int side = 0; side < 2; side++)
            {
                var convOutput = add.Inputs[side];
                var shortcut = add.Inputs[1 - side];
                if (rewriter.ProducerOf(convOutput) is not { Op: "Conv" } conv || rewriter.IsEdited(conv)
                    || !rewriter.HasSoleReader(convOutput)
                    || graph.TypeOf(convOutput) != outputType || graph.TypeOf(shortcut) != outputType
                    || !rewriter.IsAvailableBefore(shortcut, conv))
                {
                    continue;
                }
                var candidate = conv with
                {
                    Op = FusedOps.Conv,
                    Inputs = [conv.Inputs[0], conv.Inputs[1], conv.InputOrNull(2) ?? "", shortcut],
                    Outputs = add.Outputs,
                };
                if (!context.Capabilities.CanRun(candidate, graph))
                {
                    continue;
                }
                rewriter.Replace(conv, candidate);
                rewriter.Remove(add);
                fused++;
                break;
            }
        }
        if (fused > 0)
        {
            context.Statistics["fused"] = fused;
        }
        return rewriter.Build();
    }
}
