using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// NonZero, NonMaxSuppression and Unique: ops whose outputs are bounded (their size depends on the data; see
/// <c>BoundedOutputs</c>). The importer fixes what must be known at compile time: NonMaxSuppression's limits and
/// thresholds become attributes, and Unique without an axis becomes Unique along axis 0 of the flattened input.
/// </summary>
internal static class DataDependentImporters
{
    public static void NonZero(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "NonZero", IrAttributes.Empty, inputCount: 1);

    /// <summary>
    /// max_output_boxes_per_class (default 0: nothing is selected; negative counts as 0), iou_threshold (default 0) and
    /// score_threshold (default none, written as −∞) must be constants: they decide the output's bound.
    /// </summary>
    public static void NonMaxSuppression(OnnxNode node, int opset, ImportContext context)
    {
        float Scalar(int index, string role, float fallback)
            => context.OptionalParameter(node, index, role) is { Type.ElementCount: > 0 } t ? (float)t.ToDoubleArray()[0] : fallback;
        long maxPerClass = context.OptionalParameter(node, 2, "max_output_boxes_per_class") is { Type.ElementCount: > 0 } m ? m.ToInt64Array()[0] : 0;
        var attributes = IrAttributes.Empty
            .With("center_point_box", node.Attributes.Int("center_point_box", 0))
            .With("max_output_boxes_per_class", Math.Max(0, maxPerClass))
            .With("iou_threshold", Scalar(3, "iou_threshold", 0f))
            .With("score_threshold", Scalar(4, "score_threshold", float.NegativeInfinity));
        context.Emit(node, "NonMaxSuppression", [context.Input(node, 0), context.Input(node, 1)], [context.FirstOutput(node)], attributes);
    }

    /// <summary>Outputs the model leaves out get temporary names (the kernel computes all four together).</summary>
    public static void Unique(OnnxNode node, int opset, ImportContext context)
    {
        var x = context.Input(node, 0);
        var shape = context.InputShape(node, 0);
        long axis;
        if (node.Attributes.Has("axis"))
        {
            axis = IndexingImporters.Axis(node, context, node.Attributes.Int("axis"), shape.Rank);
        }
        else
        {
            axis = 0;
            if (shape.Rank != 1)
            {
                var flat = context.Temp(node, "flat");
                context.Emit(node, "Reshape", [x], [flat], IrAttributes.Empty.With("shape", [shape.ElementCount]), part: "flatten");
                x = flat;
            }
        }
        string[] roles = ["Y", "indices", "inverse_indices", "counts"];
        var outputs = roles.Select((role, i) => node.HasOutput(i) ? node.Outputs[i] : context.Temp(node, role)).ToList();
        var attributes = IrAttributes.Empty.With("axis", axis).With("sorted", node.Attributes.Int("sorted", 1));
        context.Emit(node, "Unique", [x], outputs, attributes);
    }
}
