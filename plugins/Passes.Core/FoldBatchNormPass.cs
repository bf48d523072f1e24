using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Passes.Core;

/// <summary>
/// fold-batchnorm: rewrites Conv → BatchNormalization, and Gemm → BatchNormalization over its columns (inference
/// mode, constant parameters, the producer's output read only by the BatchNorm), into the producer alone with scaled
/// weights and a shifted bias: W' = W · s, b' = b · s + t, with s = γ / √(var + ε) and t = β − mean · s per channel.
/// Why: in CNN exports (ResNet has one BatchNorm per Conv) this removes a full read and write of every activation.
/// Runs after fold-constants (<see cref="RunsAfter"/>), so BatchNorm parameters computed from constants are constants here.
/// </summary>
public sealed class FoldBatchNormPass : IPass
{
    public string Name => "fold-batchnorm";

    public string Description => "fold inference BatchNormalization into the preceding Conv's or Gemm's weights and bias";

    public IReadOnlyList<string> RunsAfter { get; } = ["fold-constants"];

    public Graph Run(Graph graph, PassContext context)
    {
        var rewriter = new GraphRewriter(graph);
        int folded = 0;
        foreach (var bn in graph.Nodes.Where(n => n.Op == "BatchNormalization"))
        {
            if (rewriter.ProducerOf(bn.Inputs[0]) is not { Op: "Conv" or "Gemm" } producer
                || !rewriter.HasSoleReader(producer.Outputs[0])
                || bn.Attributes.GetInt("spatial", 1) == 0
                || !graph.IsConstant(producer.Inputs[1]) || (producer.InputOrNull(2) is { } b && !graph.IsConstant(b))
                || !Enumerable.Range(1, 4).All(i => graph.IsConstant(bn.Inputs[i])))
            {
                continue;
            }
            var (newWeights, newBias) = producer.Op == "Conv"
                ? Fold(graph.Constants[producer.Inputs[1]], graph.ConstantOrNull(producer.InputOrNull(2)), bn, graph)
                : FoldIntoGemm(producer, bn, graph);
            var wName = rewriter.AddConstant(producer.Inputs[1] + "_bn", newWeights);
            var bName = rewriter.AddConstant((producer.InputOrNull(2) ?? producer.Name + "_bias") + "_bn", newBias);
            var attributes = producer.Op == "Gemm" ? producer.Attributes.With("beta", 1f) : producer.Attributes;
            // The producer's old output value is no longer defined; Build() drops its type.
            rewriter.Replace(producer, producer with { Inputs = [producer.Inputs[0], wName, bName], Outputs = bn.Outputs, Attributes = attributes });
            rewriter.Remove(bn);
            folded++;
        }
        if (folded > 0)
        {
            context.Statistics["folded"] = folded;
        }
        return rewriter.Build();
    }

    /// <summary>
    /// Gemm then BatchNormalization over its N columns: BN(αA·B + βC)[i,j] = αA·(B·diag(s))[i,j] + (βC[i,j]·s[j] + t[j]),
    /// with s = γ/√(var+ε) and t = β_bn − mean·s. B's columns (rows when transB) are scaled; C becomes the new bias
    /// (per column, or the full [M, N] when C varies along M) and the Gemm's beta becomes 1.
    /// </summary>
    private static (TensorData Weights, TensorData Bias) FoldIntoGemm(Node gemm, Node bn, Graph graph)
    {
        var (s, t) = ScaleShift(bn, graph);
        var weights = graph.Constants[gemm.Inputs[1]];
        bool transB = gemm.Attributes.GetInt("transB", 0) != 0;
        var w = weights.ToFloatArray();
        long rows = weights.Type.Shape[0], cols = weights.Type.Shape[1];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < cols; c++)
            {
                w[r * cols + c] *= (float)s[transB ? r : c];
            }
        }
        var output = graph.TypeOf(gemm.Outputs[0]).Shape;
        long m = output[0], n = output[1];
        float beta = gemm.Attributes.GetFloat("beta", 1f);
        var c0 = graph.ConstantOrNull(gemm.InputOrNull(2));
        var cShape = c0?.Type.Shape ?? Shape.Scalar;
        bool perRow = cShape.Rank == 2 && cShape[0] == m && m > 1;
        var cValues = c0?.ToFloatArray() ?? [0f];
        long biasRows = perRow ? m : 1;
        var bias = new float[biasRows * n];
        for (long i = 0; i < biasRows; i++)
        {
            for (long j = 0; j < n; j++)
            {
                long cCols = cShape.Rank == 0 ? 1 : cShape[cShape.Rank - 1];
                float cValue = cValues[(perRow ? i * cCols : 0) + (cCols == 1 ? 0 : j)];
                bias[i * n + j] = (float)(beta * cValue * s[j] + t[j]);
            }
        }
        return (TensorData.FromFloats(weights.Type.Shape, w), TensorData.FromFloats(perRow ? new Shape(m, n) : new Shape(n), bias));
    }

    /// <summary>The per-channel scale s = γ/√(var+ε) and shift t = β − mean·s of an inference BatchNormalization.</summary>
    private static (double[] Scale, double[] Shift) ScaleShift(Node bn, Graph graph)
    {
        var gamma = graph.Constants[bn.Inputs[1]].ToFloatArray();
        var beta = graph.Constants[bn.Inputs[2]].ToFloatArray();
        var mean = graph.Constants[bn.Inputs[3]].ToFloatArray();
        var variance = graph.Constants[bn.Inputs[4]].ToFloatArray();
        double eps = bn.Attributes.GetFloat("epsilon", 1e-5f);
        var scale = gamma.Select((g, c) => g / Math.Sqrt(variance[c] + eps)).ToArray();
        return (scale, scale.Select((sc, c) => beta[c] - mean[c] * sc).ToArray());
    }

    /// <summary>Conv then BatchNormalization: each output channel's weights scale by s, its bias becomes b·s + t.</summary>
    private static (TensorData Weights, TensorData Bias) Fold(TensorData weights, TensorData? bias, Node bn, Graph graph)
    {
        var (scale, shift) = ScaleShift(bn, graph);
        var w = weights.ToFloatArray();
        int outChannels = (int)weights.Type.Shape[0];
        int perChannel = w.Length / outChannels;
        var b = bias?.ToFloatArray() ?? new float[outChannels];
        var newB = new float[outChannels];
        for (int m = 0; m < outChannels; m++)
        {
            for (int i = 0; i < perChannel; i++)
            {
                w[m * perChannel + i] = (float)(w[m * perChannel + i] * scale[m]);
            }
            newB[m] = (float)(b[m] * scale[m] + shift[m]);
        }
        return (TensorData.FromFloats(weights.Type.Shape, w), TensorData.FromFloats(new Shape(outChannels), newB));
    }
}
