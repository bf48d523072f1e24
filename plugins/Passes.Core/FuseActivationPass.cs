using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fuse-activation: folds an activation (an op with <see cref="FusedRoles.Activation"/>: Relu, Sigmoid, Clip) into the
/// op that produces its input when that op has a fused form (<see cref="OpDefinition.FusedForm"/>: Conv → FusedConv,
/// Gemm → FusedGemm, MatMul → FusedMatMul), its output has no other reader and the backend runs the fused node. The
/// activation's own attributes travel as <c>activation_*</c> (docs/ir.md, "Fused ops").
/// Why: the producer's kernel then applies the activation while the value is still in registers, saving one full
/// pass over the tensor per activation (17 of them in ResNet18). An activation after an elementwise op (Add → Relu)
/// is fuse-elementwise's: it joins the loop of that op's chain.
/// Runs after fold-batchnorm (<see cref="RunsAfter"/>), so that Conv → BatchNorm → Relu has become Conv → Relu, and
/// after fuse-residual, so that Conv → Add → Relu first becomes one FusedConv that can then take the Relu.
/// </summary>
public sealed class FuseActivationPass : IPass
{
    public string Name => "fuse-activation";

    public string Description => "fuse an activation (Relu, Sigmoid, Clip) into the producing Conv, Gemm or MatMul";

    public IReadOnlyList<string> RunsAfter { get; } = ["fold-batchnorm", "fuse-residual"];

    public Graph Run(Graph graph, PassContext context)
    {
        var rewriter = new GraphRewriter(graph);
        int fused = 0;
        foreach (var activation in graph.Nodes)
        {
            if (context.Registry.Find(activation.Op) is not { } definition || !definition.FusedRoles.HasFlag(FusedRoles.Activation)
                || activation.Inputs.Length != 1 || rewriter.ProducerOf(activation.Inputs[0]) is not { } producer || rewriter.IsEdited(producer)
                || context.Registry.Find(producer.Op) is not { Fusion: FusionKind.OutElementwiseFusable, FusedForm: { } fusedForm }
                || producer.Attributes.Has(FusedOps.Activation) || !rewriter.HasSoleReader(producer.Outputs[0])
                || graph.TypeOf(activation.Outputs[0]).ElementType != DataType.Float32)
            {
                continue;
            }
            var attributes = activation.Attributes.All.Aggregate(
                producer.Attributes.With(FusedOps.Activation, activation.Op),
                (all, parameter) => all.With(FusedOps.ActivationParameter(parameter.Key), parameter.Value));
            var candidate = producer with { Op = fusedForm, Attributes = attributes, Outputs = activation.Outputs };
            if (!context.Capabilities.CanRun(candidate, graph))
            {
                continue;
            }
            rewriter.Replace(producer, candidate);
            rewriter.Remove(activation);
            fused++;
        }
        if (fused > 0)
        {
            context.Statistics["fused"] = fused;
        }
        return rewriter.Build();
    }
}
