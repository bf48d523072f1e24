using System.Collections.Frozen;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>
/// The llvm-wasm side of tuning (<c>wasmgraph tune</c>, <c>compile --tuning</c>): which workloads have a choice, what the
/// candidates are, and what a tuning log's entries mean. The only choice this backend has per node today is a 2-D
/// convolution's <see cref="ConvAlgorithm"/> (direct, or a Winograd variant where it fits); the blocked NCHW4c kernel
/// is a layout pass over whole regions (<c>convert-conv-layout</c>), not a per-node kernel, and Gemm/MatMul have one
/// kernel each, so nothing else is measured. Entries are keyed by <see cref="ConvShape.Key"/> and by
/// <see cref="Target"/>, the sorted feature string, because a kernel's speed depends on the instructions it may use.
/// </summary>
internal static class ConvTuning
{
    /// <summary>
    /// The target tuning entries are keyed by: the features as LLVM gets them, each entry signed and sorted by name, so
    /// "+simd128,+relaxed-simd" and "+relaxed-simd,+simd128" share entries.
    /// </summary>
    public static string Target(string? features)
        => string.Join(",", WasmFeatures.Parse(features).Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => (s.Value ? "+" : "-") + s.Key));

    /// <summary>
    /// The log's choices for <paramref name="target"/>. Entries for other targets are not read. An entry for this target
    /// whose key is not a convolution shape, whose choice is not an algorithm, or whose algorithm does not fit the shape
    /// is refused (a <see cref="WasmGraphException"/> naming the file and the entry): the tuner never writes one, so the
    /// file was edited or damaged, and silently compiling something else would hide that.
    /// </summary>
    public static FrozenDictionary<ConvShape, ConvAlgorithm> Choices(TuningLog? log, string target)
    {
        if (log is null)
        {
            return FrozenDictionary<ConvShape, ConvAlgorithm>.Empty;
        }
        var choices = new Dictionary<ConvShape, ConvAlgorithm>();
        for (int i = 0; i < log.Entries.Length; i++)
        {
            var entry = log.Entries[i];
            if (entry.Target != target)
            {
                continue;
            }
            string Where() => $"{log.Source}: {entry.Describe(i)}";
            var shape = ConvShape.TryParse(entry.Key)
                ?? throw new WasmGraphException($"{Where()}: not a convolution shape llvm-wasm tunes (expected '{ConvShape.KeyFormat}' with sizes a convolution can have)");
            var algorithm = ConvAlgorithms.TryParseName(entry.Choice)
                ?? throw new WasmGraphException($"{Where()}: choice '{entry.Choice}' is not a convolution algorithm (known: {string.Join(", ", ConvAlgorithms.Names.Skip(1))})");
            if (!ConvAlgorithms.Fits(shape.Geometry(), algorithm))
            {
                throw new WasmGraphException($"{Where()}: choice '{entry.Choice}' does not fit this shape: {ConvAlgorithms.Requirement(algorithm)}");
            }
            choices[shape] = algorithm;
        }
        return choices.ToFrozenDictionary();
    }

    /// <summary>
    /// The distinct convolution shapes of <paramref name="graph"/> with more than one algorithm that fits, each with a
    /// one-image benchmark graph (a plain Conv with the first such node's weights and bias; fused residuals and
    /// activations cost every algorithm the same epilogue) and one candidate per fitting algorithm.
    /// </summary>
    public static IReadOnlyList<TuningWorkload> Workloads(Graph graph, BackendOptions options)
    {
        var byShape = new Dictionary<ConvShape, (Node First, List<string> Nodes)>();
        foreach (var node in graph.Nodes)
        {
            if (!IsTunable(node, graph))
            {
                continue;
            }
            var shape = ConvShape.Of(ConvGeometry.Describe(node, graph));
            if (!byShape.TryGetValue(shape, out var group))
            {
                byShape[shape] = group = (node, []);
            }
            group.Nodes.Add(node.Name);
        }
        var workloads = new List<TuningWorkload>();
        foreach (var (shape, (first, nodes)) in byShape)
        {
            var candidates = ConvAlgorithms.Candidates(shape.Geometry());
            if (candidates.Count < 2)
            {
                continue;
            }
            var describe = $"{shape.C}×{shape.H}×{shape.W} → {shape.M}, {shape.KH}×{shape.KW}/{shape.SH}";
            workloads.Add(new TuningWorkload(shape.Key, describe, [.. nodes], Benchmark(first, graph, shape),
                [.. candidates.Select(a => new TuningCandidate(ConvAlgorithms.Name(a),
                        options with { ConvAlgorithm = ConvAlgorithms.Name(a), Tuning = null, Progress = null }))]));
        }
        return workloads;
    }

    /// <summary>A 2-D, float32, constant-weight conv that is not depthwise: the convs <see cref="ConvKernel"/> runs through <see cref="ConvAlgorithms"/>.</summary>
    private static bool IsTunable(Node node, Graph graph)
    {
        if (node.Op is not ("Conv" or FusedOps.Conv) || node.Inputs.Length < 2)
        {
            return false;
        }
        var x = graph.TypeOf(node.Inputs[0]);
        return x is { ElementType: DataType.Float32, Shape.Rank: 4 } && graph.IsConstant(node.Inputs[1]) && !DepthwiseConvKernel.Applies(node, graph);
    }

    private static readonly string[] GeometryAttributes = ["kernel_shape", "strides", "dilations", "pads", "group"];

    private static Graph Benchmark(Node node, Graph graph, ConvShape shape)
    {
        var g = shape.Geometry();
        var builder = new GraphBuilder($"tune {shape.Key}");
        builder.Metadata[GraphMetadata.Opset] = GraphMetadata.FormatOpset(graph.OpsetOf());
        builder.AddInput("x", new TensorType(DataType.Float32, new Shape(1, g.C, g.H, g.W)));
        var inputs = new List<string> { "x", builder.AddConstant("w", graph.Constants[node.Inputs[1]]) };
        if (node.Inputs.Length > 2 && node.Inputs[2].Length > 0 && graph.Constants.TryGetValue(node.Inputs[2], out var bias))
        {
            inputs.Add(builder.AddConstant("b", bias));
        }
        var attributes = Attributes.From(node.Attributes.All.Where(a => GeometryAttributes.Contains(a.Key)));
        builder.AddNode("Conv", inputs, [("y", new TensorType(DataType.Float32, new Shape(1, g.M, g.OH, g.OW)))], attributes, "conv");
        builder.Outputs.Add("y");
        return builder.Build();
    }
}
