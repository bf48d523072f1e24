using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Apps.Quantize;

/// <summary>
/// Brings a float model to where QDQ can be written into it, as ONNX Runtime's quantizer does in its pre-processing:
/// <list type="bullet">
/// <item>opset raised to 13 (per-channel DequantizeLinear needs its <c>axis</c> attribute, added in 13) when every op in
/// the model means the same at 13; a model with an op whose definition changed (Softmax, Split, Squeeze, Pad, …) is
/// refused, naming the ops, rather than silently given other semantics;</item>
/// <item>IR version raised to 7 (what opset 13 needs), and graph inputs that only shadow an initializer (IR &lt; 4
/// listed every weight as an input) dropped, so the weights are constants that can be replaced by quantized ones;</item>
/// <item>BatchNormalization after a Conv folded into the Conv's weights and bias (per-channel weight scales then
/// cover the folded weights, and the QDQ pattern is Conv alone).</item>
/// </list>
/// The result is still a float model: calibration runs it, and the QDQ writer works on it, so tensor names agree.
/// </summary>
public static class ModelPreparation
{
    public const int QdqOpset = 13;

    private const int QdqIrVersion = 7;

    /// <summary>
    /// Ops whose definition at opset 13 computes the same as at every earlier version a model can declare (for the
    /// attributes the older versions had); BatchNormalization's <c>spatial</c> (gone at 9) must be 1. Others block the
    /// raise. Names from the ONNX operator changelog.
    /// </summary>
    private static readonly HashSet<string> SameAtOpset13 = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div", "Sum", "Max", "Min",
        "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Concat", "MatMul", "Gemm", "BatchNormalization",
        "Flatten", "Reshape", "Transpose", "Identity", "Constant", "Abs", "Neg", "Exp", "Log", "Sqrt", "Pow", "Erf",
        "Gather", "Shape", "Cast", "Dropout", "PRelu", "Elu", "Selu", "HardSigmoid", "Softplus", "Floor", "Ceil", "Not",
        "Equal", "Less", "Greater", "Where", "Expand", "Tile", "LRN", "InstanceNormalization",
    };

    public static ModelProto Prepare(ModelProto source, string file, Action<string> note)
    {
        var model = source.Clone();
        RaiseOpset(model, file, note);
        DropShadowingInputs(model);
        int folded = FoldBatchNorms(model.Graph, file);
        if (folded > 0)
        {
            note($"folded {folded} BatchNormalization node(s) into the Conv before them");
        }
        return model;
    }

    public static long DefaultOpset(ModelProto model)
        => model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();

    private static void RaiseOpset(ModelProto model, string file, Action<string> note)
    {
        long opset = DefaultOpset(model);
        if (opset < QdqOpset)
        {
            var blocking = model.Graph.Node.Where(n => n.Domain is "" or "ai.onnx" && !SameAtOpset13.Contains(n.OpType))
                                .Select(n => n.OpType).Distinct().Order(StringComparer.Ordinal).ToList();
            if (blocking.Count > 0)
            {
                throw new WasmGraphException(
                    $"{file}: opset {opset}; quantize writes opset {QdqOpset} (per-channel DequantizeLinear needs its axis attribute), " +
                    $"and these ops changed meaning since opset {opset}: {string.Join(", ", blocking)}. Convert the model to opset 13 first " +
                    "(onnx.version_converter.convert_version(model, 13))");
            }
            foreach (var bn in model.Graph.Node.Where(n => n.OpType == "BatchNormalization"))
            {
                var spatial = bn.Attribute.FirstOrDefault(a => a.Name == "spatial");
                if (spatial is not null && spatial.I != 1)
                {
                    throw new WasmGraphException($"{file}: node '{bn.Name}' (BatchNormalization) has spatial={spatial.I}; only spatial=1 exists at opset 9 and later");
                }
                RemoveAttributes(bn, "spatial", "is_test", "consumed_inputs");
            }
            foreach (var node in model.Graph.Node.Where(n => n.OpType is "Dropout" or "Relu" or "Add" or "Sub" or "Mul" or "Div" or "Conv" or "Gemm"))
            {
                RemoveAttributes(node, "consumed_inputs", "is_test"); // opset-1..5 leftovers, never meaningful for inference
            }
            model.OpsetImport.Clear();
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = QdqOpset });
            note($"raised the opset from {opset} to {QdqOpset}");
        }
        if (model.IrVersion < QdqIrVersion)
        {
            model.IrVersion = QdqIrVersion;
        }
    }

    private static void RemoveAttributes(NodeProto node, params string[] names)
    {
        for (int i = node.Attribute.Count - 1; i >= 0; i--)
        {
            if (names.Contains(node.Attribute[i].Name))
            {
                node.Attribute.RemoveAt(i);
            }
        }
    }

    private static void DropShadowingInputs(ModelProto model)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        for (int i = model.Graph.Input.Count - 1; i >= 0; i--)
        {
            if (initializers.Contains(model.Graph.Input[i].Name))
            {
                model.Graph.Input.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// Conv → BatchNormalization (the Conv's output read by the BN alone, not a graph output, all parameters constant)
    /// becomes one Conv: <c>W' = W·γ/√(var+ε)</c> per output channel, <c>b' = (b − mean)·γ/√(var+ε) + β</c>.
    /// </summary>
    private static int FoldBatchNorms(GraphProto graph, string file)
    {
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var readers = Readers(graph);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        int folded = 0;
        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            var conv = graph.Node.FirstOrDefault(n => n.OpType == "Conv" && n.Output.Count == 1 && n.Output[0] == bn.Input[0]);
            if (conv is null || bn.Output.Count != 1 || outputs.Contains(conv.Output[0]) || readers[conv.Output[0]] != 1
                || conv.Input.Count < 2 || !initializers.ContainsKey(conv.Input[1]) || (conv.Input.Count > 2 && !initializers.ContainsKey(conv.Input[2]))
                || bn.Input.Skip(1).Any(p => !initializers.ContainsKey(p)))
            {
                continue;
            }
            var w = Floats(initializers[conv.Input[1]], file);
            var gamma = Floats(initializers[bn.Input[1]], file).Values;
            var beta = Floats(initializers[bn.Input[2]], file).Values;
            var mean = Floats(initializers[bn.Input[3]], file).Values;
            var variance = Floats(initializers[bn.Input[4]], file).Values;
            float epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            int channels = w.Shape.Rank > 0 ? (int)w.Shape[0] : 0;
            var bias = conv.Input.Count > 2 ? Floats(initializers[conv.Input[2]], file).Values : new float[channels];
            if (channels == 0 || new[] { gamma, beta, mean, variance, bias }.Any(p => p.Length != channels))
            {
                continue; // malformed: left as it is, for ONNX Runtime to refuse with its own message
            }
            int per = w.Values.Length / Math.Max(1, channels);
            var newW = new float[w.Values.Length];
            var newB = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                double factor = gamma[c] / Math.Sqrt(variance[c] + (double)epsilon);
                for (int k = 0; k < per; k++)
                {
                    newW[c * per + k] = (float)(w.Values[c * per + k] * factor);
                }
                newB[c] = (float)((bias[c] - mean[c]) * factor + beta[c]);
            }
            string wName = Unique(conv.Input[1] + "_bn_folded", initializers), bName = Unique((conv.Name.Length > 0 ? conv.Name : conv.Output[0]) + "_bias_bn_folded", initializers);
            AddInitializer(graph, initializers, wName, TensorData.FromFloats(w.Shape, newW));
            AddInitializer(graph, initializers, bName, TensorData.FromFloats(new Shape(channels), newB));
            conv.Input[1] = wName;
            if (conv.Input.Count > 2)
            {
                conv.Input[2] = bName;
            }
            else
            {
                conv.Input.Add(bName);
            }
            conv.Output[0] = bn.Output[0];
            graph.Node.Remove(bn);
            folded++;
        }
        RemoveUnreadInitializers(graph);
        return folded;
    }

    internal static Dictionary<string, int> Readers(GraphProto graph)
    {
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in graph.Node.SelectMany(n => n.Input).Where(i => i.Length > 0))
        {
            readers[input] = readers.GetValueOrDefault(input) + 1;
        }
        foreach (var output in graph.Node.SelectMany(n => n.Output))
        {
            readers.TryAdd(output, 0);
        }
        return readers;
    }

    internal static void RemoveUnreadInitializers(GraphProto graph)
    {
        var read = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)))
        {
            read.UnionWith(node.Attribute.SelectMany(a => a.Graphs.Append(a.G)).Where(g => g is not null).SelectMany(g => g.Node.SelectMany(n => n.Input)));
        }
        for (int i = graph.Initializer.Count - 1; i >= 0; i--)
        {
            if (!read.Contains(graph.Initializer[i].Name))
            {
                graph.Initializer.RemoveAt(i);
            }
        }
    }

    internal static (Shape Shape, float[] Values) Floats(TensorProto tensor, string file)
    {
        var data = OnnxTensors.ToTensorData(tensor, $"initializer '{tensor.Name}'", file);
        if (data.Type.ElementType != DataType.Float32)
        {
            throw new WasmGraphException($"{file}: initializer '{tensor.Name}' is {data.Type.ElementType.Name()}, expected float32");
        }
        return (data.Type.Shape, data.AsSpan<float>().ToArray());
    }

    internal static string Unique(string name, IReadOnlyDictionary<string, TensorProto> taken)
    {
        var candidate = name;
        for (int i = 1; taken.ContainsKey(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }
        return candidate;
    }

    internal static void AddInitializer(GraphProto graph, Dictionary<string, TensorProto> initializers, string name, TensorData data)
    {
        var proto = OnnxTensors.ToProto(name, data);
        graph.Initializer.Add(proto);
        initializers[name] = proto;
    }
}
