using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>Transpose, Concat and Split, with axes normalised and every default made explicit.</summary>
internal static class DataMovementImporters
{
    /// <summary>The default permutation (reverse the axes) is written out.</summary>
    public static void Transpose(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        var perm = node.Attributes.Ints("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        perm = perm.Select(p => p < 0 ? p + rank : p).ToArray();
        context.EmitDirect(node, "Transpose", IrAttributes.Empty.With("perm", perm), inputCount: 1);
    }

    public static void Concat(OnnxNode node, int opset, ImportContext context)
    {
        if (node.Inputs.Count == 0)
        {
            throw context.Error(node, "has no inputs");
        }
        int rank = context.InputShape(node, 0).Rank;
        long axis = Axis(node, context, node.Attributes.Int("axis", opset < 4 ? 1 : long.MinValue), rank);
        var inputs = Enumerable.Range(0, node.Inputs.Count).Select(i => context.Input(node, i)).ToList();
        context.Emit(node, "Concat", inputs, [context.FirstOutput(node)], IrAttributes.Empty.With("axis", axis));
    }

    /// <summary>
    /// Split sizes come from the <c>split</c> attribute (opset &lt; 13), the optional constant <c>split</c> input
    /// (opset ≥ 13), or an equal split over the outputs; opset 18's <c>num_outputs</c> lets the last part be smaller.
    /// </summary>
    public static void Split(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        long axis = Axis(node, context, node.Attributes.Int("axis", 0), input.Rank);
        long length = input[(int)axis];
        int parts = node.Outputs.Count;
        if (parts == 0)
        {
            throw context.Error(node, "has no outputs");
        }
        long[]? sizes = opset < 13
            ? node.Attributes.Ints("split")
            : context.OptionalConstant(node, 1, "split")?.ToInt64Array();
        if (sizes is null)
        {
            sizes = EqualSplit(node, context, length, parts, node.Attributes.Has("num_outputs"));
        }
        if (sizes.Length != parts || sizes.Any(s => s < 0) || sizes.Sum() != length)
        {
            throw context.Error(node, $"split sizes [{string.Join(",", sizes)}] must be {parts} values summing to {length}");
        }
        var attributes = IrAttributes.Empty.With("axis", axis).With("split", sizes);
        context.Emit(node, "Split", [context.Input(node, 0)], node.Outputs, attributes);
    }

    private static long[] EqualSplit(OnnxNode node, ImportContext context, long length, int parts, bool lastMaySmaller)
    {
        if (lastMaySmaller)
        {
            long chunk = (length + parts - 1) / parts;
            return Enumerable.Range(0, parts).Select(i => Math.Clamp(length - i * chunk, 0, chunk)).ToArray();
        }
        if (length % parts != 0)
        {
            throw context.Error(node, $"cannot split a dimension of {length} into {parts} equal parts");
        }
        return Enumerable.Repeat(length / parts, parts).ToArray();
    }

    private static long Axis(OnnxNode node, ImportContext context, long axis, int rank)
    {
        if (axis == long.MinValue)
        {
            throw context.Error(node, "required attribute 'axis' is missing");
        }
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
        {
            throw context.Error(node, $"axis {axis} is out of range for rank {rank}");
        }
        return normalized;
    }
}
