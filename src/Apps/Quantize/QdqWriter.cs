using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;
using AttributeType = WasmGraph.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace WasmGraph.Apps.Quantize;

/// <summary>What the writer did, for the summary and the report.</summary>
public sealed record QdqSummary(int QuantizedNodes, int QuantizedActivations, int Weights, int Int32Biases, IReadOnlyList<string> FloatBiases, int FusedRelus);

/// <summary>
/// Writes the QDQ model for a <see cref="QuantizationPlan"/> and the calibrated activation ranges, with ONNX Runtime's
/// names so tools that know its output find their way (for a tensor <c>t</c>: nodes <c>t_QuantizeLinear</c> and
/// <c>t_DequantizeLinear</c>, tensors <c>t_QuantizeLinear_Output</c> and <c>t_DequantizeLinear_Output</c>, parameters
/// <c>t_scale</c> and <c>t_zero_point</c>; a weight <c>w</c> becomes <c>w_quantized</c> read by
/// <c>w_DequantizeLinear</c>; a bias <c>b</c> becomes <c>b_quantized</c> whose DequantizeLinear outputs <c>b</c>).
/// A quantized graph output keeps its name on the DequantizeLinear's output; its producer writes <c>t_QuantizeLinear_Input</c>.
/// <para>
/// Biases are int32 with scale = input scale × weight scale (per channel) and zero point 0, ONNX Runtime's choice and
/// the one an int8 kernel wants: the bias adds into the int32 accumulator with no rescaling. A bias too large for
/// int32 at that scale (possible when an input's range is tiny) stays float and is listed in the summary.
/// </para>
/// </summary>
public static class QdqWriter
{
    public static (ModelProto Model, QdqSummary Summary) Write(ModelProto prepared, QuantizationPlan plan, IReadOnlyDictionary<string, (double Min, double Max)> ranges,
                                                               QuantizeOptions options, string file)
    {
        var model = prepared.Clone();
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var type = options.Activations;
        var zeroPointType = type == ActivationType.U8 ? DataType.UInt8 : DataType.Int8;

        // The same node objects in the clone, by position.
        var index = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < prepared.Graph.Node.Count; i++)
        {
            index[prepared.Graph.Node[i]] = i;
        }
        NodeProto Clone(NodeProto original) => graph.Node[index[original]];

        // 1. Activation parameters; MaxPool outputs share their input's.
        var parameters = new Dictionary<string, QuantParams>(StringComparer.Ordinal);
        foreach (var tensor in plan.Activations.Where(t => !plan.SharedScale.ContainsKey(t)).Concat(plan.ConstantActivations))
        {
            var (min, max) = plan.ConstantActivations.Contains(tensor) ? ConstantRange(initializers[tensor], file) : ranges[tensor];
            parameters[tensor] = QuantMath.Activation(min, max, type);
        }
        foreach (var (output, input) in plan.SharedScale)
        {
            parameters[output] = parameters[input];
        }

        var prefix = new List<NodeProto>();
        var newInitializers = new List<TensorProto>();
        void Add(string name, TensorData data) => newInitializers.Add(OnnxTensors.ToProto(name, data));
        void AddParameters(string tensor, QuantParams p)
        {
            Add(tensor + "_scale", TensorData.FromFloats(Shape.Scalar, [p.Scale]));
            Add(tensor + "_zero_point", ZeroPoint(zeroPointType, p.ZeroPoint));
        }

        // 2. Weights: int8 per channel (or per tensor), DequantizeLinear only.
        var weightScales = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var biasNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var use in plan.Weights)
        {
            var name = use.Node.Input[use.Input];
            if (!weightScales.ContainsKey(name))
            {
                var (shape, values) = ModelPreparation.Floats(initializers[name], file);
                int axis = options.PerChannel && use.Axis >= 0 && use.Axis < shape.Rank ? use.Axis : -1;
                var (quantized, scales) = QuantizeWeight(shape, values, axis);
                weightScales[name] = scales;
                Add(name + "_quantized", TensorData.FromArray(DataType.Int8, shape, quantized));
                Add(name + "_scale", axis < 0 ? TensorData.FromFloats(Shape.Scalar, scales) : TensorData.FromFloats(new Shape(scales.Length), scales));
                Add(name + "_zero_point", axis < 0 ? ZeroPoint(DataType.Int8, 0) : TensorData.FromArray(DataType.Int8, new Shape(scales.Length), new sbyte[scales.Length]));
                prefix.Add(Dequantize(name + "_DequantizeLinear", [name + "_quantized", name + "_scale", name + "_zero_point"], name + "_DequantizeLinear_Output",
                                      axis < 0 ? null : axis));
            }
            Clone(use.Node).Input[use.Input] = name + "_DequantizeLinear_Output";
        }

        // 3. Biases: int32 at input scale × weight scale.
        var floatBiases = new List<string>();
        int int32Biases = 0;
        var biasesDone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var use in plan.Biases)
        {
            var name = use.Node.Input[use.Input];
            if (!biasesDone.Add(name))
            {
                continue;
            }
            var (shape, values) = ModelPreparation.Floats(initializers[name], file);
            float inputScale = parameters[use.Activation].Scale;
            var weightScale = weightScales[use.Weight];
            var scales = values.Select((_, c) => inputScale * weightScale[weightScale.Length == 1 ? 0 : c]).ToArray();
            var quantized = values.Select((v, c) => QuantMath.QuantizeBias(v, scales[c])).ToArray();
            if (quantized.Any(q => q is null) || shape.Rank != 1 || (weightScale.Length != 1 && weightScale.Length != values.Length))
            {
                floatBiases.Add(name);
                continue;
            }
            bool perChannel = weightScale.Length > 1;
            Add(name + "_quantized", TensorData.FromArray(DataType.Int32, shape, quantized.Select(q => q!.Value).ToArray()));
            Add(name + "_quantized_scale", perChannel ? TensorData.FromFloats(shape, scales) : TensorData.FromFloats(Shape.Scalar, [scales[0]]));
            Add(name + "_quantized_zero_point", perChannel ? TensorData.FromArray(DataType.Int32, shape, new int[values.Length]) : TensorData.FromArray(DataType.Int32, Shape.Scalar, new int[1]));
            prefix.Add(Dequantize(name + "_DequantizeLinear", [name + "_quantized", name + "_quantized_scale", name + "_quantized_zero_point"], name,
                                  perChannel ? 0 : null));
            biasNames.Add(name);
            int32Biases++;
        }

        // 4. Constant inputs of Add/Concat: stored quantized with their own range.
        foreach (var name in plan.ConstantActivations)
        {
            var (shape, values) = ModelPreparation.Floats(initializers[name], file);
            var p = parameters[name];
            Add(name + "_quantized", QuantizedActivation(shape, values, p, type));
            AddParameters(name, p);
            prefix.Add(Dequantize(name + "_DequantizeLinear", [name + "_quantized", name + "_scale", name + "_zero_point"], name + "_DequantizeLinear_Output", null));
        }

        // 5. Fused Relus: the node before writes the Relu's output, and the Relu goes.
        var removed = plan.FusedRelus.Values.Select(Clone).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (output, relu) in plan.FusedRelus)
        {
            var producer = graph.Node.First(n => n.Output.Contains(output));
            producer.Output[producer.Output.IndexOf(output)] = relu.Output[0];
        }
        var kept = graph.Node.Where(n => !removed.Contains(n)).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);

        // 6. Activations: one Q→DQ pair per tensor, right after its producer (or first, for graph inputs).
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairs = new Dictionary<string, NodeProto[]>(StringComparer.Ordinal);
        foreach (var tensor in plan.Activations)
        {
            var p = parameters[tensor];
            AddParameters(tensor, p);
            bool isOutput = graphOutputs.Contains(tensor) && !graphInputs.Contains(tensor);
            string qInput = isOutput ? tensor + "_QuantizeLinear_Input" : tensor, dqOutput = isOutput ? tensor : tensor + "_DequantizeLinear_Output";
            pairs[tensor] =
            [
                Node("QuantizeLinear", tensor + "_QuantizeLinear", [qInput, tensor + "_scale", tensor + "_zero_point"], tensor + "_QuantizeLinear_Output"),
                Dequantize(tensor + "_DequantizeLinear", [tensor + "_QuantizeLinear_Output", tensor + "_scale", tensor + "_zero_point"], dqOutput, null),
            ];
            if (!isOutput)
            {
                dequantized[tensor] = dqOutput;
            }
            else
            {
                foreach (var producer in graph.Node.Where(n => n.Output.Contains(tensor)))
                {
                    producer.Output[producer.Output.IndexOf(tensor)] = qInput;
                }
            }
        }
        foreach (var name in plan.ConstantActivations)
        {
            dequantized[name] = name + "_DequantizeLinear_Output";
        }

        var nodes = new List<NodeProto>(prefix);
        nodes.AddRange(plan.Activations.Where(t => graphInputs.Contains(t)).SelectMany(t => pairs[t]));
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (dequantized.TryGetValue(node.Input[i], out var dq))
                {
                    node.Input[i] = dq;
                }
            }
            nodes.Add(node);
            foreach (var output in node.Output)
            {
                var original = output.EndsWith("_QuantizeLinear_Input", StringComparison.Ordinal) ? output[..^"_QuantizeLinear_Input".Length] : output;
                if (pairs.TryGetValue(original, out var pair) && !graphInputs.Contains(original))
                {
                    nodes.AddRange(pair);
                }
            }
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(newInitializers);
        // A quantized bias's DequantizeLinear now defines its name; the float weights and constants go once unread.
        foreach (var init in graph.Initializer.Where(i => biasNames.Contains(i.Name)).ToList())
        {
            graph.Initializer.Remove(init);
        }
        ModelPreparation.RemoveUnreadInitializers(graph);
        graph.ValueInfo.Clear(); // shapes of renamed and removed tensors would be stale; every consumer re-infers them
        model.ProducerName = "wasmgraph quantize";
        return (model, new QdqSummary(plan.Nodes.Count, plan.Activations.Count, weightScales.Count, int32Biases, floatBiases, plan.FusedRelus.Count));
    }

    /// <summary>Symmetric int8 along <paramref name="axis"/> (one scale per index of it), or per tensor when the axis is −1.</summary>
    public static (sbyte[] Values, float[] Scales) QuantizeWeight(Shape shape, float[] values, int axis)
    {
        if (axis < 0)
        {
            float scale = QuantMath.WeightScale(values.Length == 0 ? 0 : values.Max(v => Math.Abs(v)));
            return (values.Select(v => QuantMath.QuantizeWeight(v, scale)).ToArray(), [scale]);
        }
        int channels = (int)shape[axis];
        long inner = 1;
        for (int d = axis + 1; d < shape.Rank; d++)
        {
            inner *= shape[d];
        }
        int Channel(long i) => (int)(i / inner % channels);
        var absMax = new double[channels];
        for (long i = 0; i < values.Length; i++)
        {
            absMax[Channel(i)] = Math.Max(absMax[Channel(i)], Math.Abs(values[i]));
        }
        var scales = absMax.Select(QuantMath.WeightScale).ToArray();
        var quantized = new sbyte[values.Length];
        for (long i = 0; i < values.Length; i++)
        {
            quantized[i] = QuantMath.QuantizeWeight(values[i], scales[Channel(i)]);
        }
        return (quantized, scales);
    }

    private static (double, double) ConstantRange(TensorProto tensor, string file)
    {
        var values = ModelPreparation.Floats(tensor, file).Values.Where(float.IsFinite).ToArray();
        return values.Length == 0 ? (0, 0) : (values.Min(), values.Max());
    }

    private static TensorData QuantizedActivation(Shape shape, float[] values, QuantParams p, ActivationType type)
    {
        var q = values.Select(v => QuantMath.QuantizeActivation(v, p, type)).ToArray();
        return type == ActivationType.U8
            ? TensorData.FromArray(DataType.UInt8, shape, q.Select(v => (byte)v).ToArray())
            : TensorData.FromArray(DataType.Int8, shape, q.Select(v => (sbyte)v).ToArray());
    }

    private static TensorData ZeroPoint(DataType type, int value)
        => type == DataType.UInt8 ? TensorData.FromArray(DataType.UInt8, Shape.Scalar, [(byte)value]) : TensorData.FromArray(DataType.Int8, Shape.Scalar, [(sbyte)value]);

    private static NodeProto Dequantize(string name, string[] inputs, string output, int? axis)
    {
        var node = Node("DequantizeLinear", name, inputs, output);
        if (axis is { } a)
        {
            node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeType.Int, I = a });
        }
        return node;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }
}
