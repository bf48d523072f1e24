using System.Collections.Immutable;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Apps.Quantize;

/// <summary>What <c>quantize</c> is asked to do, beyond the calibration data.</summary>
public sealed record QuantizeOptions
{
    /// <summary>The ops ONNX Runtime's QDQ quantizer and a QDQ-fusing compiler both recognise, and that we quantize by default.</summary>
    public static readonly ImmutableArray<string> DefaultOps = ["Conv", "MatMul", "Gemm", "Add", "MaxPool", "AveragePool", "GlobalAveragePool", "Concat", "Gather"];

    public ImmutableHashSet<string> Ops { get; init; } = DefaultOps.ToImmutableHashSet(StringComparer.Ordinal);

    /// <summary>Node names (or, for unnamed nodes, their first output's name) left in float.</summary>
    public ImmutableHashSet<string> KeepFloat { get; init; } = ImmutableHashSet<string>.Empty;

    public bool PerChannel { get; init; } = true;

    public ActivationType Activations { get; init; } = ActivationType.U8;

    public OutputQuantization QuantizeOutputs { get; init; } = OutputQuantization.Consumed;
}

/// <summary>Which outputs of quantized nodes get a QuantizeLinear/DequantizeLinear pair.</summary>
public enum OutputQuantization
{
    /// <summary>Only outputs that another quantized node reads: the int8 chain continues there, and elsewhere the output stays float.</summary>
    Consumed,

    /// <summary>Every output, as ONNX Runtime's quantize_static does unless told otherwise (its OpTypesToExcludeOutputQuantization option).</summary>
    All,
}

/// <summary>A weight input of a quantized node: quantized symmetric int8, per output channel along <see cref="Axis"/> (or per tensor).</summary>
public sealed record WeightUse(NodeProto Node, int Input, int Axis);

/// <summary>A bias input, quantized to int32 with the scale of <see cref="Activation"/> × the scale of <see cref="Weight"/>.</summary>
public sealed record BiasUse(NodeProto Node, int Input, string Activation, string Weight);

/// <summary>
/// Where the QuantizeLinear/DequantizeLinear pairs go, decided on the prepared float model, the way ONNX Runtime's
/// QDQ quantizer lays them out (quantize_static, QuantFormat.QDQ):
/// <list type="bullet">
/// <item>every float input of a quantized node gets one Q→DQ pair, shared by all its readers, and so does its output
/// when another quantized node reads it (or always, with <see cref="OutputQuantization.All"/>, quantize_static's
/// default: an output read only by float ops, such as a transformer's MatMul feeding a bias Add and LayerNorm, then
/// carries the error of a u8 step over its whole range, outliers included, for no integer kernel downstream);</item>
/// <item>weights (Conv input 1, MatMul's constant B, Gemm's B) are stored as int8 with a DequantizeLinear only, per
/// channel along the output axis (Conv: 0; MatMul: the last; Gemm: 0 with transB=1, else 1);</item>
/// <item>biases (Conv input 2, Gemm's 1-D C with alpha = beta = 1) are int32 with a DequantizeLinear;</item>
/// <item>MaxPool's and Gather's outputs share their input's scale (max commutes with a monotone quantization, and a
/// gather only moves values, so both stay exact); Gather is quantized only on a constant table (an embedding), whose
/// int8 storage is most of a transformer's size;</item>
/// <item>a Relu that alone reads a quantized node's output is removed and its output range is used for that node's
/// output (the quantizer clamps at the zero point, which is ReLU exactly), as ONNX Runtime's QDQRemovableActivation.</item>
/// </list>
/// Only float32 tensors are quantized: <see cref="Finish"/> drops every node one of whose tensors turned out otherwise
/// (Concat and Add of int64 shapes in transformers), once calibration knows the types.
/// </summary>
public sealed class QuantizationPlan
{
    public required List<NodeProto> Nodes { get; init; }

    /// <summary>Activation tensors to quantize (names in the prepared model; a fused Relu's output in place of its input).</summary>
    public required List<string> Activations { get; init; }

    /// <summary>Constant inputs (Add, Concat) quantized like activations, with their own range.</summary>
    public required List<string> ConstantActivations { get; init; }

    public required List<WeightUse> Weights { get; init; }

    public required List<BiasUse> Biases { get; init; }

    /// <summary>MaxPool outputs and the input whose scale they share.</summary>
    public required Dictionary<string, string> SharedScale { get; init; }

    /// <summary>Relu nodes to remove, by the output of the node they follow.</summary>
    public required Dictionary<string, NodeProto> FusedRelus { get; init; }

    /// <summary>The tensor a quantized node's output is quantized as: its own, or the fused Relu's output.</summary>
    public string OutputTensor(NodeProto node) => FusedRelus.TryGetValue(node.Output[0], out var relu) ? relu.Output[0] : node.Output[0];

    public static string DisplayName(NodeProto node) => node.Name.Length > 0 ? node.Name : $"{node.OpType}({node.Output.FirstOrDefault()})";

    /// <summary>Whether <paramref name="node"/> is named by <paramref name="names"/> (its name, or its first output's).</summary>
    public static bool Named(NodeProto node, IReadOnlySet<string> names)
        => (node.Name.Length > 0 && names.Contains(node.Name)) || (node.Output.Count > 0 && names.Contains(node.Output[0]));

    /// <summary>The candidate plan: every node of a quantized op type that is not kept in float.</summary>
    public static QuantizationPlan Build(GraphProto graph, QuantizeOptions options)
    {
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        bool IsFloatConstant(string name) => initializers.TryGetValue(name, out var t) && t.DataType == (int)TensorProto.Types.DataType.Float;
        var readers = ModelPreparation.Readers(graph);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        bool hasSubgraphs = graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0));
        var plan = new QuantizationPlan
        {
            Nodes = [], Activations = [], ConstantActivations = [], Weights = [], Biases = [],
            SharedScale = new(StringComparer.Ordinal), FusedRelus = new(StringComparer.Ordinal),
        };
        var activations = new HashSet<string>(StringComparer.Ordinal);
        void Activation(string name)
        {
            if (name.Length == 0 || initializers.ContainsKey(name) && !IsFloatConstant(name))
            {
                return;
            }
            if (IsFloatConstant(name))
            {
                if (!plan.ConstantActivations.Contains(name))
                {
                    plan.ConstantActivations.Add(name);
                }
            }
            else if (activations.Add(name))
            {
                plan.Activations.Add(name);
            }
        }

        foreach (var node in graph.Node)
        {
            // Nodes without the inputs their op needs are left for ONNX Runtime to refuse, with its own message.
            int needed = node.OpType is "Conv" or "MatMul" or "Gemm" or "Gather" ? 2 : 1;
            if (node.Domain is not ("" or "ai.onnx") || !options.Ops.Contains(node.OpType) || Named(node, options.KeepFloat) || node.Output.Count != 1
                || node.Input.Count < needed || node.Input.Take(needed).Any(i => i.Length == 0))
            {
                continue;
            }
            switch (node.OpType)
            {
                case "Conv" when node.Input.Count >= 2 && IsFloatConstant(node.Input[1]):
                    Activation(node.Input[0]);
                    plan.Weights.Add(new WeightUse(node, 1, 0));
                    if (node.Input.Count > 2 && node.Input[2].Length > 0 && IsFloatConstant(node.Input[2]))
                    {
                        plan.Biases.Add(new BiasUse(node, 2, node.Input[0], node.Input[1]));
                    }
                    break;
                case "MatMul" when IsFloatConstant(node.Input[1]):
                    Activation(node.Input[0]);
                    plan.Weights.Add(new WeightUse(node, 1, initializers[node.Input[1]].Dims.Count - 1));
                    break;
                case "Gemm" when IsFloatConstant(node.Input[1]):
                    Activation(node.Input[0]);
                    bool transB = node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
                    plan.Weights.Add(new WeightUse(node, 1, transB ? 0 : 1));
                    float alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f, beta = node.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
                    if (node.Input.Count > 2 && IsFloatConstant(node.Input[2]) && initializers[node.Input[2]].Dims.Count == 1 && alpha == 1f && beta == 1f)
                    {
                        plan.Biases.Add(new BiasUse(node, 2, node.Input[0], node.Input[1]));
                    }
                    break;
                case "Gather" when IsFloatConstant(node.Input[0]):
                    Activation(node.Input[0]); // an embedding table: stored quantized, per tensor, and gathered as it is
                    break;
                case "Conv" or "Gemm" or "Gather":
                    continue; // a computed weight or a gather of computed data: left in float
                case "MatMul" or "Add" or "Concat" or "AveragePool" or "GlobalAveragePool" or "MaxPool":
                    foreach (var input in node.Input)
                    {
                        Activation(input);
                    }
                    break;
                default:
                    continue;
            }
            plan.Nodes.Add(node);
        }

        // Outputs: every quantized node's (as quantize_static does by default), or only those a quantized node reads.
        var quantizedInputs = plan.Nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var node in plan.Nodes)
        {
            var output = node.Output[0];
            var relu = node.OpType is "Conv" or "MatMul" or "Gemm" or "Add" && !hasSubgraphs && !graphOutputs.Contains(output) && readers.GetValueOrDefault(output) == 1
                       && graph.Node.FirstOrDefault(n => n.Input.Contains(output)) is { OpType: "Relu" } r && r.Output.Count == 1 && !Named(r, options.KeepFloat) ? r : null;
            var quantized = relu?.Output[0] ?? output;
            if (options.QuantizeOutputs == OutputQuantization.Consumed && !quantizedInputs.Contains(quantized))
            {
                continue; // read by float nodes only: an int8 kernel writes float directly, and a Q/DQ pair would add error for nothing
            }
            if (relu is not null)
            {
                plan.FusedRelus[output] = relu;
            }
            if (node.OpType is "MaxPool" or "Gather")
            {
                plan.SharedScale[quantized] = node.Input[0];
            }
            Activation(quantized);
        }
        return plan;
    }

    /// <summary>
    /// The plan restricted to nodes all of whose quantized tensors are float32 (<paramref name="isFloat"/> knows the
    /// type of every activation from the calibration session) and exist.
    /// </summary>
    public QuantizationPlan Finish(Func<string, bool> isFloat)
    {
        var rejected = Nodes.Where(n => NodeTensors(n).Any(t => !ConstantActivations.Contains(t) && !isFloat(t))).ToHashSet();
        if (rejected.Count == 0)
        {
            return this;
        }
        var kept = Nodes.Where(n => !rejected.Contains(n)).ToList();
        var tensors = kept.SelectMany(NodeTensors).ToHashSet(StringComparer.Ordinal);
        return new QuantizationPlan
        {
            Nodes = kept,
            Activations = Activations.Where(tensors.Contains).ToList(),
            ConstantActivations = ConstantActivations.Where(tensors.Contains).ToList(),
            Weights = Weights.Where(w => !rejected.Contains(w.Node)).ToList(),
            Biases = Biases.Where(b => !rejected.Contains(b.Node)).ToList(),
            SharedScale = SharedScale.Where(s => tensors.Contains(s.Key)).ToDictionary(StringComparer.Ordinal),
            FusedRelus = FusedRelus.Where(f => kept.Any(n => n.Output[0] == f.Key)).ToDictionary(StringComparer.Ordinal),
        };
    }

    /// <summary>The activation tensors a node's quantization involves: its non-weight, non-bias inputs and its output.</summary>
    public IEnumerable<string> NodeTensors(NodeProto node)
    {
        for (int i = 0; i < node.Input.Count; i++)
        {
            if (node.Input[i].Length > 0 && !(node.OpType == "Gather" && i == 1) && !Weights.Any(w => w.Node == node && w.Input == i) && !Biases.Any(b => b.Node == node && b.Input == i))
            {
                yield return node.Input[i];
            }
        }
        yield return OutputTensor(node);
    }
}
