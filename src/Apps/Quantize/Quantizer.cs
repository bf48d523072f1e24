using Google.Protobuf;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Apps.Quantize.Calibration;
using WasmGraph.Host.IO;
using WasmGraph.Host.Pipeline;
using WasmGraph.Onnx;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Apps.Quantize;

/// <summary>Everything one <c>quantize</c> run needs.</summary>
public sealed record QuantizeRequest
{
    public required string Model { get; init; }
    public required string Output { get; init; }
    public required IReadOnlyList<string> Calibrate { get; init; }
    public QuantizeOptions Options { get; init; } = new();
    public CalibrationMethodKind Method { get; init; } = CalibrationMethodKind.MinMax;
    public double Percentile { get; init; } = 99.99;
    public string? Prepend { get; init; }
    public IReadOnlyDictionary<string, string> Hints { get; init; } = new Dictionary<string, string>();
    public string? Vocab { get; init; }
}

/// <summary>What a run did: the QDQ summary, the chosen ranges, and the per-layer errors.</summary>
public sealed record QuantizeResult(QdqSummary Summary, int Samples, IReadOnlyDictionary<string, (double Min, double Max)> Ranges,
                                    IReadOnlyList<LayerError> Layers, long InputBytes, long OutputBytes, IReadOnlyList<string> Notes);

/// <summary>Progress of calibration: samples done of the total in this pass, the pass (1 or 2) and the sample's source.</summary>
public delegate void CalibrationProgress(int done, int total, int pass, string source);

/// <summary>
/// <c>quantize</c>'s steps: read the model (bounded as <c>compile</c> reads one), prepare it (<see cref="ModelPreparation"/>),
/// plan the QDQ layout (<see cref="QuantizationPlan"/>), calibrate the activation ranges by running the float model
/// in ONNX Runtime on every sample (<see cref="OrtProbe"/>), write the QDQ model atomically (<see cref="QdqWriter"/>),
/// then measure each quantized node's error on the first sample.
/// </summary>
public static class Quantizer
{
    /// <summary>Protobuf nesting allowed when parsing: the ONNX frontend's limit (ImportLimits.MaxMessageDepth).</summary>
    public const int MaxMessageDepth = 64;

    /// <summary>Most nodes in a model: the ONNX frontend's limit (ImportLimits.MaxNodes).</summary>
    public const int MaxNodes = 1_000_000;

    public static ModelProto Read(string path, string what)
    {
        using var stream = InputFile.OpenRead(path, what, InputFile.OnnxMaxBytes);
        var model = OnnxModelFile.Parse(stream, path, MaxMessageDepth);
        if (model.Graph.Node.Count > MaxNodes)
        {
            throw new WasmGraphException($"{path}: {model.Graph.Node.Count:N0} nodes, more than the limit of {MaxNodes:N0}");
        }
        return model;
    }

    public static DeclaredInput[] DeclaredInputs(ModelProto model)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return model.Graph.Input.Where(i => !initializers.Contains(i.Name)).Select(i =>
        {
            var tensor = i.Type?.TensorType;
            var type = tensor is not null && DataTypes.IsDefined(tensor.ElemType) ? (DataType)tensor.ElemType : DataType.Float32;
            var dims = tensor?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? d.DimValue : (long?)null).ToArray() ?? [];
            return new DeclaredInput(i.Name, type, dims);
        }).ToArray();
    }

    public static QuantizeResult Run(QuantizeRequest request, CalibrationProgress? progress = null, CancellationToken cancellation = default)
    {
        var notes = new List<string>();
        var source = Read(request.Model, "model file");
        var prepend = request.Prepend is { } p ? Read(p, "--prepend model") : null;
        var prepared = ModelPreparation.Prepare(source, request.Model, notes.Add);
        CheckKeepFloat(prepared.Graph, request.Options);

        var plan = QuantizationPlan.Build(prepared.Graph, request.Options);
        var inputs = new CalibrationInputs(request.Calibrate, DeclaredInputs(prepend ?? prepared), request.Hints, request.Vocab, request.Prepend ?? request.Model);
        int total = inputs.Count;

        using var probe = new OrtProbe(prepared, plan.Nodes.SelectMany(plan.NodeTensors).Where(t => !plan.ConstantActivations.Contains(t)).Distinct(), request.Model, request.Prepend);
        var graphInputs = DeclaredInputs(prepared).ToDictionary(i => i.Name, i => i.Type, StringComparer.Ordinal);
        plan = plan.Finish(t => graphInputs.TryGetValue(t, out var type) ? type == DataType.Float32 : probe.ElementType(t) == DataType.Float32);
        if (plan.Nodes.Count == 0)
        {
            throw new WasmGraphException($"{request.Model}: no node to quantize (ops: {string.Join(", ", request.Options.Ops.Order())}" +
                                         (request.Options.KeepFloat.Count > 0 ? $", less --keep-float {string.Join(",", request.Options.KeepFloat)}" : "") + ")");
        }

        var stats = plan.Activations.ToDictionary(t => t, _ => new TensorStatistics(), StringComparer.Ordinal);
        int passes = CalibrationMethod.NeedsHistogram(request.Method) ? 2 : 1;
        int samples = 0;
        for (int pass = 1; pass <= passes; pass++)
        {
            int done = 0;
            foreach (var sample in inputs.Samples())
            {
                cancellation.ThrowIfCancellationRequested();
                using var outputs = probe.Run(sample.Inputs, plan.Activations, sample.Source);
                for (int i = 0; i < plan.Activations.Count; i++)
                {
                    var values = LayerError.Floats(outputs[i]);
                    if (pass == 1)
                    {
                        stats[plan.Activations[i]].AddRange(values);
                    }
                    else
                    {
                        stats[plan.Activations[i]].AddHistogram(values);
                    }
                }
                done++;
                progress?.Invoke(done, total, pass, sample.Source); // not ++done in the call: a null progress skips its arguments
            }
            samples = done;
        }
        if (samples == 0)
        {
            throw new WasmGraphException("--calibrate: the files give no sample (empty text files?)");
        }
        var activationType = request.Options.Activations;
        var ranges = stats.ToDictionary(s => s.Key, s => CalibrationMethod.Range(s.Value, request.Method, request.Percentile, activationType), StringComparer.Ordinal);

        var (quantized, summary) = QdqWriter.Write(prepared, plan, ranges, request.Options, request.Model);
        var bytes = quantized.ToByteArray();
        var layers = MeasureLayers(prepared, quantized, plan, inputs.Samples().First(), request);
        AtomicFile.WriteAllBytes(request.Output, bytes, cancellation);
        return new QuantizeResult(summary, samples, ranges, layers, new FileInfo(request.Model).Length, bytes.LongLength, notes);
    }

    private static void CheckKeepFloat(GraphProto graph, QuantizeOptions options)
    {
        var known = graph.Node.SelectMany(n => new[] { n.Name }.Concat(n.Output.Take(1))).Where(s => s.Length > 0).ToHashSet(StringComparer.Ordinal);
        var unknown = options.KeepFloat.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            var close = unknown.Select(u => NameSuggestion.Closest(u, known)).FirstOrDefault(c => c is not null);
            throw new WasmGraphException($"--keep-float: no node named {string.Join(", ", unknown.Select(u => $"'{u}'"))} (a node's name, or its first output's name for an unnamed node)" +
                                         (close is not null ? $"; did you mean '{close}'?" : ""));
        }
    }

    /// <summary>Each quantized node's output in the QDQ model (what its readers see) against the float model, on one sample.</summary>
    private static List<LayerError> MeasureLayers(ModelProto prepared, ModelProto quantized, QuantizationPlan plan, CalibrationSample sample, QuantizeRequest request)
    {
        var outputs = quantized.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var rows = plan.Nodes.Select(n => (Node: n, Tensor: plan.OutputTensor(n))).ToList();
        string Seen(string tensor) => outputs.Contains(tensor) || !plan.Activations.Contains(tensor) ? tensor : tensor + "_DequantizeLinear_Output";
        using var floatProbe = new OrtProbe(prepared, rows.Select(r => r.Tensor), request.Model, request.Prepend);
        using var quantProbe = new OrtProbe(quantized, rows.Select(r => Seen(r.Tensor)), request.Output, request.Prepend);
        using var reference = floatProbe.Run(sample.Inputs, rows.Select(r => r.Tensor).ToList(), sample.Source);
        using var measured = quantProbe.Run(sample.Inputs, rows.Select(r => Seen(r.Tensor)).ToList(), sample.Source);
        return rows.Select((r, i) => LayerError.Measure(QuantizationPlan.DisplayName(r.Node), r.Node.OpType, r.Tensor,
                                                        LayerError.Floats(reference[i]), LayerError.Floats(measured[i]))).ToList();
    }
}
