using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fold-batchnorm: rewrites Conv → BatchNormalization (inference mode, constant parameters, the Conv output read
/// only by the BatchNorm) into a single Conv with scaled weights and a shifted bias:
/// W' = W · s, b' = (b − mean) · s + β, with s = γ / √(var + ε) per output channel.
/// Why: in CNN exports (ResNet has one BatchNorm per Conv) this removes a full read and write of every activation.
/// </summary>
public sealed class FoldBatchNormPass : IPass
{
    public string Name => "fold-batchnorm";

    public string Description => "fold inference BatchNormalization into the preceding Conv's weights and bias";

    public Graph Run(Graph graph, PassContext context)
    {
        var consumers = graph.Consumers();
        var producers = graph.Producers();
        var builder = new GraphBuilder(graph);
        var replaced = new Dictionary<string, Node>(StringComparer.Ordinal); // conv name → folded conv
        var removed = new HashSet<Node>();
        foreach (var bn in graph.Nodes.Where(n => n.Op == "BatchNormalization"))
        {
            if (!producers.TryGetValue(bn.Inputs[0], out var conv) || conv.Op != "Conv"
                || consumers[conv.Outputs[0]].Length != 1 || graph.Outputs.Contains(conv.Outputs[0])
                || bn.Attributes.GetInt("spatial", 1) == 0
                || !graph.IsConstant(conv.Inputs[1]) || (conv.InputOrNull(2) is { } b && !graph.IsConstant(b))
                || !Enumerable.Range(1, 4).All(i => graph.IsConstant(bn.Inputs[i])))
            {
                continue;
            }
            var weights = graph.Constants[conv.Inputs[1]];
            var bias = graph.ConstantOrNull(conv.InputOrNull(2));
            var (newWeights, newBias) = Fold(weights, bias, bn, graph);
            var wName = builder.AddConstant(builder.FreshName(conv.Inputs[1] + "_bn"), newWeights);
            var bName = builder.AddConstant(builder.FreshName((conv.InputOrNull(2) ?? conv.Name + "_bias") + "_bn"), newBias);
            replaced[conv.Name] = conv with { Inputs = [conv.Inputs[0], wName, bName], Outputs = bn.Outputs };
            removed.Add(bn);
        }
        if (replaced.Count == 0)
        {
            return graph;
        }
        context.Statistics["folded"] = replaced.Count;
        var nodes = graph.Nodes.Where(n => !removed.Contains(n)).Select(n => replaced.GetValueOrDefault(n.Name, n)).ToList();
        builder.Nodes.Clear();
        builder.Nodes.AddRange(nodes);
        // The Conv's old output value is no longer defined; Build() drops its type.
        return builder.Build();
    }

    private static (TensorData Weights, TensorData Bias) Fold(TensorData weights, TensorData? bias, Node bn, Graph graph)
    {
        var gamma = graph.Constants[bn.Inputs[1]].ToFloatArray();
        var beta = graph.Constants[bn.Inputs[2]].ToFloatArray();
        var mean = graph.Constants[bn.Inputs[3]].ToFloatArray();
        var variance = graph.Constants[bn.Inputs[4]].ToFloatArray();
        double eps = bn.Attributes.GetFloat("epsilon", 1e-5f);
        var w = weights.ToFloatArray();
        int outChannels = (int)weights.Type.Shape[0];
        int perChannel = w.Length / outChannels;
        var b = bias?.ToFloatArray() ?? new float[outChannels];
        var newW = new float[w.Length];
        var newB = new float[outChannels];
        for (int m = 0; m < outChannels; m++)
        {
            double s = gamma[m] / Math.Sqrt(variance[m] + eps);
            for (int i = 0; i < perChannel; i++)
            {
                newW[m * perChannel + i] = (float)(w[m * perChannel + i] * s);
            }
            newB[m] = (float)((b[m] - mean[m]) * s + beta[m]);
        }
        return (TensorData.FromFloats(weights.Type.Shape, newW), TensorData.FromFloats(new Shape(outChannels), newB));
    }
}
