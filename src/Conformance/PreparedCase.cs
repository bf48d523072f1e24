using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Conformance;

/// <summary>
/// One test data set of a case, ready to compile and run: the model bytes as the suite ships them, every input's value
/// by name, which inputs are shape-deciding parameters, and the expected outputs. How the inputs reach the module depends
/// on the <see cref="ConformanceMode"/>: all at run time, as ONNX Runtime runs the suite (the runner pins their shapes
/// from the data, as <c>--input-shape</c> does), or with the parameters frozen to their values through
/// <see cref="FrontendOptions.Bindings"/>, the mechanism behind <c>compile --bind</c>.
/// <para>
/// An input is a parameter when every node that reads it reads it at a parameter position (<see cref="ParameterPositions"/>),
/// or when a value at a parameter position is computed from it (the trip count of an expanded Range's Loop is
/// Ceil((limit − start) / delta), so start, limit and delta decide the program). These are the inputs a user would bind.
/// </para>
/// </summary>
public sealed record PreparedCase(
    byte[] Model,
    ImmutableDictionary<string, TensorData> Values,
    ImmutableHashSet<string> Parameters,
    ImmutableArray<(string Name, TensorData Expected)> Outputs)
{
    /// <summary>The inputs frozen to values in <paramref name="mode"/> (none when every input is a run-time input).</summary>
    public ImmutableDictionary<string, TensorData> Bindings(ConformanceMode mode)
        => mode == ConformanceMode.BoundParameters ? Values.Where(v => Parameters.Contains(v.Key)).ToImmutableDictionary(StringComparer.Ordinal) : ImmutableDictionary<string, TensorData>.Empty;

    /// <summary>The values the module takes at run time in <paramref name="mode"/>.</summary>
    public ImmutableDictionary<string, TensorData> RunTimeInputs(ConformanceMode mode)
        => Values.Where(v => !Bindings(mode).ContainsKey(v.Key)).ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>The run-time inputs' shapes, pinned from the data (<c>--input-shape</c>): the suite's models may leave dimensions symbolic.</summary>
    public ImmutableDictionary<string, ImmutableArray<long>> InputShapes(ConformanceMode mode)
        => RunTimeInputs(mode).ToImmutableDictionary(v => v.Key, v => v.Value.Type.Shape.Dims, StringComparer.Ordinal);

    /// <summary>Op → input positions that carry compile-time parameters rather than data.</summary>
    public static readonly ImmutableDictionary<string, int[]> ParameterPositions = new Dictionary<string, int[]>
    {
        ["Reshape"] = [1], ["Expand"] = [1], ["Tile"] = [1], ["Slice"] = [1, 2, 3, 4], ["Squeeze"] = [1], ["Unsqueeze"] = [1],
        ["ReduceSum"] = [1], ["ReduceMean"] = [1], ["ReduceMax"] = [1], ["ReduceMin"] = [1], ["ReduceProd"] = [1],
        ["ReduceL1"] = [1], ["ReduceL2"] = [1], ["ReduceLogSum"] = [1], ["ReduceLogSumExp"] = [1], ["ReduceSumSquare"] = [1],
        ["Pad"] = [1, 2, 3], ["Resize"] = [1, 2, 3], ["Upsample"] = [1], ["Split"] = [1], ["ConstantOfShape"] = [0],
        ["Range"] = [0, 1, 2], ["Clip"] = [1, 2], ["TopK"] = [1], ["OneHot"] = [1], ["CumSum"] = [1], ["Dropout"] = [1, 2],
        ["Trilu"] = [1], ["NonMaxSuppression"] = [2, 3, 4], ["MaxUnpool"] = [2],
        ["DFT"] = [1, 2], ["STFT"] = [1, 3],
        // sequence_lens and Compress's condition decide the unrolled or gathered program; window and mel-matrix sizes the output.
        ["RNN"] = [4], ["GRU"] = [4], ["LSTM"] = [4], ["Compress"] = [1],
        // A Loop is unrolled at compile time: its trip count and initial condition decide how many times.
        ["Loop"] = [0, 1],
        ["HannWindow"] = [0], ["HammingWindow"] = [0], ["BlackmanWindow"] = [0], ["MelWeightMatrix"] = [0, 1, 2, 3, 4],
        // CastLike reads only the element type of its second input (the 1.12 bfloat16 cases even declare it [3,4]
        // and ship a [1] tensor), so it is compile-time information like a shape.
        ["CastLike"] = [1],
        // Weights: deployed models carry them as initializers, and these kernels pack them at compile time.
        ["Conv"] = [1, 2], ["ConvTranspose"] = [1, 2], ["BatchNormalization"] = [1, 2, 3, 4],
        ["ConvInteger"] = [1, 3], ["QLinearConv"] = [3, 4, 5, 8],
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>Prepares every test_data_set_* of a case; a problem reading the data is reported as <paramref name="problem"/>.</summary>
    public static IReadOnlyList<PreparedCase> Load(ConformanceCase testCase, out string? problem)
    {
        problem = null;
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(testCase.Directory, "model.onnx"))).Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).Select(i => i.Name).ToList();
        if (graph.Input.Concat(graph.Output).FirstOrDefault(v => v.Type?.ValueCase is not TypeProto.ValueOneofCase.TensorType && !ProtoTensors.IsOptionalTensor(v)) is { } nonTensor)
        {
            problem = $"'{nonTensor.Name}' is a {nonTensor.Type?.ValueCase.ToString() ?? "value without a type"}; only tensors are supported";
            return [];
        }
        var parameters = inputs.Where(name => IsParameter(graph, name)).ToHashSet(StringComparer.Ordinal);
        parameters.UnionWith(InputsComputingParameters(graph, inputs));
        var prepared = new List<PreparedCase>();
        var modelBytes = File.ReadAllBytes(Path.Combine(testCase.Directory, "model.onnx"));
        foreach (var dataSet in Directory.GetDirectories(testCase.Directory, "test_data_set_*").Order(StringComparer.Ordinal))
        {
            var values = ImmutableDictionary.CreateBuilder<string, TensorData>(StringComparer.Ordinal);
            for (int i = 0; i < inputs.Count; i++)
            {
                var file = Path.Combine(dataSet, $"input_{i}.pb");
                if (!File.Exists(file))
                {
                    continue; // an optional input the data set leaves out
                }
                var declaredInput = graph.Input.First(v => v.Name == inputs[i]);
                var proto = ProtoTensors.IsOptionalTensor(declaredInput) ? ProtoTensors.ReadOptionalProto(file, out problem) : ProtoTensors.ReadProto(file);
                if (proto is null)
                {
                    return [];
                }
                var data = ProtoTensors.ToTensorData(proto, file, out problem, ProtoTensors.DeclaredType(declaredInput));
                if (data is null)
                {
                    return [];
                }
                values[inputs[i]] = data;
            }
            var outputs = ImmutableArray.CreateBuilder<(string, TensorData)>();
            for (int i = 0; i < graph.Output.Count; i++)
            {
                var file = Path.Combine(dataSet, $"output_{i}.pb");
                if (!File.Exists(file))
                {
                    continue;
                }
                var data = ProtoTensors.ToTensorData(ProtoTensors.ReadProto(file), file, out problem, ProtoTensors.DeclaredType(graph.Output[i]));
                if (data is null)
                {
                    return [];
                }
                outputs.Add((graph.Output[i].Name, data));
            }
            prepared.Add(new PreparedCase(modelBytes, values.ToImmutable(), parameters.ToImmutableHashSet(StringComparer.Ordinal), outputs.ToImmutable()));
        }
        if (prepared.Count == 0)
        {
            problem = "no test_data_set_* directory";
        }
        return prepared;
    }

    /// <summary>
    /// Every node that reads <paramref name="input"/> reads it at a parameter position. An input that nothing reads
    /// (the expanded CastLike cases keep <c>like</c> after their Cast stopped using it) counts too, unless it is
    /// also a graph output: its value cannot matter at run time.
    /// </summary>
    private static bool IsParameter(GraphProto graph, string input)
    {
        foreach (var node in graph.Node)
        {
            for (int position = 0; position < node.Input.Count; position++)
            {
                if (node.Input[position] == input
                    && (!ParameterPositions.TryGetValue(node.OpType, out var positions) || !positions.Contains(position)))
                {
                    return false;
                }
            }
        }
        return graph.Output.All(o => o.Name != input);
    }

    /// <summary>
    /// Inputs that a value at a parameter position is computed from, following producers back through the graph. Shape
    /// and Size read only their input's (static) shape, so the walk stops there.
    /// </summary>
    private static HashSet<string> InputsComputingParameters(GraphProto graph, IReadOnlyCollection<string> inputs)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
            {
                producers[output] = node;
            }
        }
        var pending = new Stack<string>(graph.Node
            .Where(n => ParameterPositions.ContainsKey(n.OpType))
            .SelectMany(n => ParameterPositions[n.OpType].Where(p => p < n.Input.Count).Select(p => n.Input[p]))
            .Where(v => v.Length > 0));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var value))
        {
            if (!seen.Add(value))
            {
                continue;
            }
            if (inputs.Contains(value))
            {
                found.Add(value);
            }
            else if (producers.TryGetValue(value, out var producer) && producer.OpType is not ("Shape" or "Size"))
            {
                foreach (var input in producer.Input.Where(i => i.Length > 0))
                {
                    pending.Push(input);
                }
            }
        }
        return found;
    }
}

/// <summary>How a case's inputs reach the module: the two figures of docs/conformance.md.</summary>
public enum ConformanceMode
{
    /// <summary>Figure (a): every graph input is a run-time input of the module, as ONNX Runtime runs the suite.</summary>
    RunTimeInputs,

    /// <summary>Figure (b): shape-deciding inputs (<see cref="PreparedCase.Parameters"/>) are bound to their values, as <c>compile --bind</c> does.</summary>
    BoundParameters,
}
