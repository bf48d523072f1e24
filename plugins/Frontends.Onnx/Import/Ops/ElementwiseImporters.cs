using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>Activations and binary arithmetic.</summary>
internal static class ElementwiseImporters
{
    public static void Relu(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "Relu", IrAttributes.Empty, inputCount: 1);

    public static void Sigmoid(OnnxNode node, int opset, ImportContext context)
        => context.EmitDirect(node, "Sigmoid", IrAttributes.Empty, inputCount: 1);

    /// <summary>
    /// Binary ops with NumPy broadcasting. Before opset 7, broadcasting had to be asked for (<c>broadcast=1</c>) and
    /// aligned B with A at <c>axis</c> instead of at the end; trailing size-1 axes on B turn that into NumPy
    /// broadcasting.
    /// </summary>
    public static OpImporter Binary(string op) => (node, opset, context) =>
    {
        string a = context.Input(node, 0);
        string b = context.Input(node, 1);
        if (opset < 7 && node.Attributes.Int("broadcast", 0) != 0)
        {
            b = AlignLegacyBroadcast(node, context, context.InputShape(node, 0).Rank, b);
        }
        context.Emit(node, op, [a, b], [context.FirstOutput(node)], IrAttributes.Empty);
    };

    private static string AlignLegacyBroadcast(OnnxNode node, ImportContext context, int rankA, string b)
    {
        var shapeB = context.Builder.Types[b].Shape;
        if (!node.Attributes.Has("axis"))
        {
            return b;
        }
        long axis = node.Attributes.Int("axis");
        axis = axis < 0 ? axis + rankA : axis;
        long trailing = rankA - axis - shapeB.Rank;
        if (axis < 0 || trailing < 0)
        {
            throw context.Error(node, $"broadcast axis {node.Attributes.Int("axis")} does not fit B of shape {shapeB} into rank {rankA}");
        }
        if (trailing == 0)
        {
            return b;
        }
        string aligned = context.Temp(node, "aligned_b");
        var dims = shapeB.Dims.Concat(Enumerable.Repeat(1L, (int)trailing));
        context.Emit(node, "Reshape", [b], [aligned], IrAttributes.Empty.With("shape", dims), part: "align");
        return aligned;
    }

    /// <summary>
    /// Clip bounds are attributes before opset 11 and optional inputs from 11 on; both become the canonical
    /// <c>min</c>/<c>max</c> attributes when known at compile time, and Max/Min nodes when a bound is a run-time value.
    /// An absent bound is the ONNX default, numeric_limits lowest()/max(), so Clip
    /// without bounds maps ±∞ to ±3.4e38 exactly as ONNX Runtime does.
    /// </summary>
    public static void Clip(OnnxNode node, int opset, ImportContext context)
    {
        float min, max;
        if (opset < 11)
        {
            min = node.Attributes.Float("min", float.MinValue);
            max = node.Attributes.Float("max", float.MaxValue);
        }
        else if (RunTimeBound(node, context, 1) || RunTimeBound(node, context, 2))
        {
            // Bounds known only at run time: max(x, min) then min(·, max), which is Clip's definition (min > max gives max).
            var d = new Decomposer(node, context);
            string x = context.Input(node, 0);
            string low = node.HasInput(1) ? d.Op("Max", [x, context.Input(node, 1)]) : x;
            if (node.HasInput(2))
            {
                d.Op("Min", [low, context.Input(node, 2)], output: context.FirstOutput(node));
            }
            else
            {
                d.Bind(low, context.FirstOutput(node));
            }
            return;
        }
        else
        {
            min = Scalar(node, context, 1, "min") ?? float.MinValue;
            max = Scalar(node, context, 2, "max") ?? float.MaxValue;
        }
        var attributes = IrAttributes.Empty.With("min", min).With("max", max);
        context.Emit(node, "Clip", [context.Input(node, 0)], [context.FirstOutput(node)], attributes);
    }

    private static bool RunTimeBound(OnnxNode node, ImportContext context, int index)
        => node.HasInput(index) && context.TryConstant(node, index) is null;

    private static float? Scalar(OnnxNode node, ImportContext context, int index, string role)
    {
        var data = context.OptionalConstant(node, index, role);
        if (data is null)
        {
            return null;
        }
        if (data.Type.ElementCount != 1)
        {
            throw context.Error(node, $"'{role}' must be a scalar, got {data.Type}");
        }
        return data.ToFloatArray()[0];
    }
}
