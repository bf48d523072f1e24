using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Reductions (axes from the attribute or, from opset 13/18, a constant input; empty axes mean all axes unless
/// noop_with_empty_axes), ArgMax/ArgMin, GlobalMaxPool, LogSoftmax, inference-mode LayerNormalization and
/// MeanVarianceNormalization.
/// </summary>
internal static class ReductionImporters
{
    public static OpImporter Reduce(string op) => (node, opset, context) =>
    {
        int rank = context.InputShape(node, 0).Rank;
        var axes = node.Attributes.Ints("axes") ?? context.OptionalConstant(node, 1, "axes")?.ToInt64Array() ?? [];
        if (axes.Length == 0)
        {
            if (node.Attributes.Int("noop_with_empty_axes", 0) != 0)
            {
                context.Alias(node, context.FirstOutput(node), context.Input(node, 0));
                return;
            }
            axes = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        }
        var normalized = axes.Select(a => IndexingImporters.Axis(node, context, a, rank)).Distinct().Order().ToArray();
        if (normalized.Length == 0)
        {
            // A rank-0 input: reducing over no axes is a copy.
            context.Emit(node, "Reshape", [context.Input(node, 0)], [context.FirstOutput(node)], IrAttributes.Empty.With("shape", Array.Empty<long>()));
            return;
        }
        var attributes = IrAttributes.Empty.With("axes", normalized).With("keepdims", node.Attributes.Int("keepdims", 1));
        context.Emit(node, op, [context.Input(node, 0)], [context.FirstOutput(node)], attributes);
    };

    public static OpImporter Arg(string op) => (node, opset, context) =>
    {
        int rank = context.InputShape(node, 0).Rank;
        var attributes = IrAttributes.Empty
            .With("axis", IndexingImporters.Axis(node, context, node.Attributes.Int("axis", 0), rank))
            .With("keepdims", node.Attributes.Int("keepdims", 1))
            .With("select_last_index", node.Attributes.Int("select_last_index", 0));
        context.EmitDirect(node, op, attributes, inputCount: 1);
    };

    public static void GlobalMaxPool(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        var axes = Enumerable.Range(2, Math.Max(0, rank - 2)).Select(i => (long)i).ToArray();
        context.EmitDirect(node, "ReduceMax", IrAttributes.Empty.With("axes", axes).With("keepdims", 1L), inputCount: 1);
    }

    /// <summary>As Softmax: one axis from opset 13; before that, flatten from the axis on (Reshape around it).</summary>
    public static void LogSoftmax(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        int rank = input.Rank;
        long axis = IndexingImporters.Axis(node, context, node.Attributes.Int("axis", opset < 13 ? 1 : -1), Math.Max(rank, 1));
        string output = context.FirstOutput(node);
        if (opset >= 13 || axis >= rank - 1)
        {
            context.Emit(node, "LogSoftmax", [context.Input(node, 0)], [output], IrAttributes.Empty.With("axis", axis));
            return;
        }
        long rows = input.Dims.Take((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        long columns = input.Dims.Skip((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        string flat = context.Temp(node, "flat");
        string normalised = context.Temp(node, "logsoftmax");
        context.Emit(node, "Reshape", [context.Input(node, 0)], [flat], IrAttributes.Empty.With("shape", [rows, columns]), part: "flatten");
        context.Emit(node, "LogSoftmax", [flat], [normalised], IrAttributes.Empty.With("axis", 1L));
        context.Emit(node, "Reshape", [normalised], [output], IrAttributes.Empty.With("shape", input.Dims), part: "restore");
    }

    public static void LayerNormalization(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        var attributes = IrAttributes.Empty
            .With("axis", IndexingImporters.Axis(node, context, node.Attributes.Int("axis", -1), rank))
            .With("epsilon", node.Attributes.Float("epsilon", 1e-5f));
        // The Mean and InvStdDev outputs are produced when read; an omitted one before a read one gets a temporary name.
        int last = Enumerable.Range(0, Math.Min(3, node.Outputs.Count)).Where(i => node.HasOutput(i) && (i == 0 || context.IsUsed(node.Outputs[i]))).Max();
        var outputs = Enumerable.Range(0, last + 1).Select(i => node.HasOutput(i) ? node.Outputs[i] : context.Temp(node, $"output{i}")).ToList();
        var inputs = Enumerable.Range(0, 3).Where(node.HasInput).Select(i => context.Input(node, i)).ToList();
        context.Emit(node, "LayerNormalization", inputs, outputs, attributes);
    }

    /// <summary>
    /// MeanVarianceNormalization as its ONNX function body: (X − E[X]) / (√(E[X²] − E[X]²) + 1e-9), the means over
    /// <c>axes</c> (default [0, 2, 3]) kept as size-1 axes.
    /// </summary>
    public static void MeanVarianceNormalization(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        string x = context.Input(node, 0);
        int rank = d.ShapeOf(x).Rank;
        var axes = (node.Attributes.Ints("axes") ?? [0, 2, 3]).Select(a => IndexingImporters.Axis(node, context, a, rank)).Distinct().Order().ToArray();
        var mean = IrAttributes.Empty.With("axes", axes).With("keepdims", 1L);
        string xMean = d.Op("ReduceMean", [x], mean);
        string meanOfSquares = d.Op("ReduceMean", [d.Mul(x, x)], mean);
        string deviation = d.Unary("Sqrt", d.Sub(meanOfSquares, d.Mul(xMean, xMean)));
        d.Div(d.Sub(x, xMean), d.Add(deviation, d.Scalar(1e-9f)), context.FirstOutput(node));
    }
}
