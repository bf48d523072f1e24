using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Reshape and the ops that are reshapes in disguise (Flatten, Squeeze, Unsqueeze). All become one canonical
/// Reshape whose <c>shape</c> attribute is fully resolved: no 0, no -1.
/// </summary>
internal static class ReshapeImporters
{
    public static void Reshape(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        long[] requested = opset < 5
            ? node.Attributes.Ints("shape") ?? throw context.Error(node, "required attribute 'shape' is missing")
            : context.Constant(node, 1, "shape").ToInt64Array();
        bool allowZero = node.Attributes.Int("allowzero", 0) != 0;
        var shape = ResolveShape(node, context, input, requested, allowZero);
        Emit(node, context, shape);
    }

    /// <summary>Flatten to [prod(dims before axis), prod(dims from axis)].</summary>
    public static void Flatten(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        long axis = node.Attributes.Int("axis", 1);
        if (axis < 0)
        {
            axis += input.Rank;
        }
        if (axis < 0 || axis > input.Rank)
        {
            throw context.Error(node, $"axis {node.Attributes.Int("axis", 1)} is out of range for {input}");
        }
        long outer = input.Dims.Take((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        long inner = input.Dims.Skip((int)axis).Aggregate(1L, (a, b) => checked(a * b));
        Emit(node, context, [outer, inner]);
    }

    /// <summary>Squeeze removes the listed size-1 axes, or every size-1 axis when none are listed.</summary>
    public static void Squeeze(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        var axes = Axes(node, opset, context);
        HashSet<int> remove;
        if (axes is null)
        {
            remove = Enumerable.Range(0, input.Rank).Where(i => input[i] == 1).ToHashSet();
        }
        else
        {
            remove = axes.Select(a => NormalizeAxis(node, context, a, input.Rank)).ToHashSet();
            foreach (var axis in remove.Where(a => input[a] != 1))
            {
                throw context.Error(node, $"cannot squeeze axis {axis} of {input}: its size is not 1");
            }
        }
        Emit(node, context, input.Dims.Where((_, i) => !remove.Contains(i)).ToArray());
    }

    /// <summary>Unsqueeze inserts size-1 axes; the axes index the output, whose rank is input rank + count.</summary>
    public static void Unsqueeze(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        var axes = Axes(node, opset, context) ?? throw context.Error(node, "axes are required");
        int rank = input.Rank + axes.Length;
        var inserted = axes.Select(a => NormalizeAxis(node, context, a, rank)).ToHashSet();
        if (inserted.Count != axes.Length)
        {
            throw context.Error(node, $"axes [{string.Join(",", axes)}] repeat an axis");
        }
        var dims = new long[rank];
        int next = 0;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = inserted.Contains(i) ? 1 : input[next++];
        }
        Emit(node, context, dims);
    }

    /// <summary>
    /// ONNX Reshape semantics: 0 copies the input dimension (unless <c>allowzero</c>), one -1 is inferred from the
    /// element count.
    /// </summary>
    private static long[] ResolveShape(OnnxNode node, ImportContext context, Shape input, long[] requested, bool allowZero)
    {
        var shape = (long[])requested.Clone();
        int inferred = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 0 && !allowZero)
            {
                if (i >= input.Rank)
                {
                    throw context.Error(node, $"shape [{string.Join(",", requested)}] copies dimension {i}, which {input} does not have");
                }
                shape[i] = input[i];
            }
            else if (shape[i] == -1)
            {
                if (inferred >= 0)
                {
                    throw context.Error(node, $"shape [{string.Join(",", requested)}] has more than one -1");
                }
                inferred = i;
            }
            else if (shape[i] < 0)
            {
                throw context.Error(node, $"shape [{string.Join(",", requested)}] has an invalid dimension {shape[i]}");
            }
        }
        if (inferred >= 0)
        {
            long known = shape.Where((_, i) => i != inferred).Aggregate(1L, (a, b) => checked(a * b));
            if (known == 0 || input.ElementCount % known != 0)
            {
                throw context.Error(node, $"cannot reshape {input} to [{string.Join(",", requested)}]");
            }
            shape[inferred] = input.ElementCount / known;
        }
        return shape;
    }

    /// <summary>Squeeze/Unsqueeze axes: an attribute before opset 13, an optional constant input from 13 on.</summary>
    private static long[]? Axes(OnnxNode node, int opset, ImportContext context)
        => opset < 13 ? node.Attributes.Ints("axes") : context.OptionalConstant(node, 1, "axes")?.ToInt64Array();

    private static int NormalizeAxis(OnnxNode node, ImportContext context, long axis, int rank)
    {
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
        {
            throw context.Error(node, $"axis {axis} is out of range for rank {rank}");
        }
        return (int)normalized;
    }

    private static void Emit(OnnxNode node, ImportContext context, long[] shape)
        => context.Emit(node, "Reshape", [context.Input(node, 0)], [context.FirstOutput(node)], IrAttributes.Empty.With("shape", shape));
}
