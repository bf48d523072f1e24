namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Scan, unrolled over its static scan length with <see cref="SubgraphInliner"/>: step t slices entry t of each scan
/// input (from the end for a reverse direction) and drops that axis, the state threads from one inlined body to the
/// next, and each scan output stacks its per-step values on its output axis (in reverse order when prepending).
/// <para>
/// Opset 9+: Scan(state…, scan_input…) with scan_input_axes / scan_input_directions / scan_output_axes /
/// scan_output_directions. Opset 8 adds a batch axis 0 (scan axis 1) and <c>sequence_lens</c>: each batch entry is
/// unrolled on its own and the results stacked on axis 0. Unequal <c>sequence_lens</c> would make steps past a
/// sequence's end ragged, so they must be absent or a constant equal to the scan length.
/// </para>
/// </summary>
internal static class ScanImporter
{
    public static void Scan(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        var body = new SubgraphInliner(node, context, "body");
        int first = opset < 9 ? 1 : 0;
        int scanInputs = (int)node.Attributes.Int("num_scan_inputs");
        int states = node.Inputs.Count - first - scanInputs;
        int scanOutputs = body.Outputs.Count - states;
        if (scanInputs < 1 || states < 0 || scanOutputs < 0 || body.FormalInputs.Count != states + scanInputs)
        {
            throw context.Error(node, $"has {node.Inputs.Count - first} state and scan inputs with num_scan_inputs={scanInputs}, "
                + $"but its body takes {body.FormalInputs.Count} inputs and gives {body.Outputs.Count} outputs");
        }
        var stateValues = Enumerable.Range(first, states).Select(i => context.Input(node, i)).ToList();
        var scanValues = Enumerable.Range(first + states, scanInputs).Select(i => context.Input(node, i)).ToList();
        var inputDirections = Ints(node, context, opset < 9 ? "directions" : "scan_input_directions", scanInputs, 0);
        List<string> results;
        if (opset >= 9)
        {
            var inputAxes = Axes(node, context, d, scanValues);
            var outputAxes = Ints(node, context, "scan_output_axes", scanOutputs, 0);
            var outputDirections = Ints(node, context, "scan_output_directions", scanOutputs, 0);
            results = Unroll(d, node, context, body, "", stateValues, scanValues, inputAxes, inputDirections, outputAxes, outputDirections);
        }
        else
        {
            results = UnrollBatches(d, node, context, body, stateValues, scanValues, inputDirections, scanOutputs);
        }
        for (int i = 0; i < results.Count && i < node.Outputs.Count; i++)
        {
            if (node.HasOutput(i))
            {
                d.Bind(results[i], node.Outputs[i]);
            }
        }
    }

    /// <summary>Opset 8: every state and scan input has a leading batch axis; the scan axis is 1.</summary>
    private static List<string> UnrollBatches(Decomposer d, OnnxNode node, ImportContext context, SubgraphInliner body,
                                              List<string> states, List<string> scans, long[] inputDirections, int scanOutputs)
    {
        long batch = d.ShapeOf(scans[0])[0];
        if (states.Concat(scans).FirstOrDefault(v => d.ShapeOf(v).Rank == 0 || d.ShapeOf(v)[0] != batch) is { } mismatch)
        {
            throw context.Error(node, $"'{mismatch}' has shape {d.ShapeOf(mismatch)}, but the batch size is {batch}");
        }
        long length = d.ShapeOf(scans[0]).Rank > 1 ? d.ShapeOf(scans[0])[1] : 0;
        if (node.HasInput(0))
        {
            var lengths = context.Constant(node, 0, "sequence_lens").ToInt64Array();
            if (lengths.Any(l => l != length))
            {
                throw context.Unsupported(node, $"sequence_lens [{string.Join(",", lengths)}] differ from the scan length {length}; only full-length sequences are supported");
            }
        }
        if (batch == 0)
        {
            throw context.Unsupported(node, "the batch is empty, so the outputs' element shapes are not known statically");
        }
        ControlFlowImporters.CheckUnrollLimit(node, context, batch * length, body.NodeCount);
        var perBatch = new List<List<string>>();
        for (long b = 0; b < batch; b++)
        {
            string Entry(string v) => d.Reshape(d.Slice(v, 0, b, 1), d.ShapeOf(v).Dims.Skip(1).ToArray());
            var zeros = new long[scans.Count];
            perBatch.Add(Unroll(d, node, context, body, $"batch{b}/", states.Select(Entry).ToList(), scans.Select(Entry).ToList(),
                zeros, inputDirections, new long[scanOutputs], new long[scanOutputs]));
        }
        return Enumerable.Range(0, perBatch[0].Count)
            .Select(i => ControlFlowImporters.Stack(d, node, context, perBatch.Select(r => r[i]).ToList(), axis: 0, $"output {i}"))
            .ToList();
    }

    /// <summary>Runs the body over the scan length; returns the final states followed by the scan outputs.</summary>
    private static List<string> Unroll(Decomposer d, OnnxNode node, ImportContext context, SubgraphInliner body, string instance,
                                       List<string> states, List<string> scans, long[] inputAxes, long[] inputDirections, long[] outputAxes, long[] outputDirections)
    {
        long length = d.ShapeOf(scans[0])[(int)inputAxes[0]];
        for (int j = 1; j < scans.Count; j++)
        {
            if (d.ShapeOf(scans[j])[(int)inputAxes[j]] != length)
            {
                throw context.Error(node, $"scan input {j} has length {d.ShapeOf(scans[j])[(int)inputAxes[j]]} on its scan axis, but scan input 0 has {length}");
            }
        }
        ControlFlowImporters.CheckUnrollLimit(node, context, length, body.NodeCount);
        int scanOutputs = body.Outputs.Count - states.Count;
        var perStep = Enumerable.Range(0, scanOutputs).Select(_ => new List<string>()).ToList();
        for (long t = 0; t < length; t++)
        {
            var slices = scans.Select((v, j) =>
            {
                int axis = (int)inputAxes[j];
                long index = inputDirections[j] == 1 ? length - 1 - t : t;
                return d.Reshape(d.Slice(v, axis, index, 1), d.ShapeOf(v).Dims.Where((_, a) => a != axis).ToArray());
            });
            var outputs = body.Inline($"{instance}step{t}", [.. states, .. slices]);
            states = outputs.Take(states.Count).ToList();
            for (int k = 0; k < scanOutputs; k++)
            {
                perStep[k].Add(outputs[states.Count + k]);
            }
        }
        var results = new List<string>(states);
        for (int k = 0; k < scanOutputs; k++)
        {
            var values = outputDirections[k] == 1 ? perStep[k].AsEnumerable().Reverse().ToList() : perStep[k];
            long rank = values.Count == 0 ? 0 : d.ShapeOf(values[0]).Rank + 1;
            long axis = outputAxes[k] < 0 ? outputAxes[k] + rank : outputAxes[k];
            if (axis < 0 || axis >= Math.Max(rank, 1))
            {
                throw context.Error(node, $"scan_output_axes[{k}] = {outputAxes[k]} is outside the output rank {rank}");
            }
            results.Add(ControlFlowImporters.Stack(d, node, context, values, (int)axis, $"scan output {k}"));
        }
        return results;
    }

    /// <summary>scan_input_axes normalised against each scan input's rank.</summary>
    private static long[] Axes(OnnxNode node, ImportContext context, Decomposer d, List<string> values)
    {
        const string attribute = "scan_input_axes";
        var axes = Ints(node, context, attribute, values.Count, 0);
        for (int j = 0; j < values.Count; j++)
        {
            int rank = d.ShapeOf(values[j]).Rank;
            long axis = axes[j] < 0 ? axes[j] + rank : axes[j];
            if (axis < 0 || axis >= rank)
            {
                throw context.Error(node, $"{attribute}[{j}] = {axes[j]} is outside the rank {rank} of scan input {j}");
            }
            axes[j] = axis;
        }
        return axes;
    }

    private static long[] Ints(OnnxNode node, ImportContext context, string attribute, int count, long fallback)
    {
        var values = node.Attributes.Ints(attribute) ?? Enumerable.Repeat(fallback, count).ToArray();
        if (values.Length != count)
        {
            throw context.Error(node, $"{attribute} has {values.Length} entries, expected {count}");
        }
        if (attribute.EndsWith("directions", StringComparison.Ordinal) && values.Any(v => v is not (0 or 1)))
        {
            throw context.Error(node, $"{attribute} must hold 0 (forward) or 1 (reverse)");
        }
        return values;
    }
}
