using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Gather, Slice, Expand, Tile, Pad, Compress and the depth/space rearrangements. ONNX passes their index parameters as
/// inputs (from opset 10/11/13); they must be constants (possibly folded), and become resolved attributes.
/// </summary>
internal static class IndexingImporters
{
    public static void Gather(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        long axis = Axis(node, context, node.Attributes.Int("axis", 0), rank);
        context.EmitDirect(node, "Gather", IrAttributes.Empty.With("axis", axis), inputCount: 2);
    }

    /// <summary>
    /// Slice: starts/ends/axes/steps (attributes before opset 10, inputs after) are clamped as ONNX specifies and
    /// turned into a first index, a step and a count for every axis.
    /// </summary>
    public static void Slice(OnnxNode node, int opset, ImportContext context)
    {
        var shape = context.InputShape(node, 0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (opset < 10)
        {
            starts = node.Attributes.Ints("starts") ?? throw context.Error(node, "required attribute 'starts' is missing");
            ends = node.Attributes.Ints("ends") ?? throw context.Error(node, "required attribute 'ends' is missing");
            axes = node.Attributes.Ints("axes");
        }
        else
        {
            starts = context.Constant(node, 1, "starts").ToInt64Array();
            ends = context.Constant(node, 2, "ends").ToInt64Array();
            axes = context.OptionalConstant(node, 3, "axes")?.ToInt64Array();
            steps = context.OptionalConstant(node, 4, "steps")?.ToInt64Array();
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
        {
            throw context.Error(node, "starts, ends, axes and steps must have the same length");
        }
        var first = new long[shape.Rank];
        var step = Enumerable.Repeat(1L, shape.Rank).ToArray();
        var size = shape.Dims.ToArray();
        for (int i = 0; i < starts.Length; i++)
        {
            int d = (int)Axis(node, context, axes[i], shape.Rank);
            long dim = shape[d];
            long s = steps[i];
            if (s == 0)
            {
                throw context.Error(node, "a step is 0");
            }
            long begin = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 ? ends[i] + dim : ends[i];
            begin = s > 0 ? Math.Clamp(begin, 0, dim) : Math.Clamp(begin, 0, dim - 1);
            end = s > 0 ? Math.Clamp(end, 0, dim) : Math.Clamp(end, -1, dim - 1);
            long count = s > 0 ? (end - begin + s - 1) / s : (begin - end + (-s) - 1) / -s;
            count = Math.Max(0, count);
            first[d] = count == 0 ? 0 : begin;
            step[d] = s;
            size[d] = count;
        }
        var attributes = IrAttributes.Empty.With("starts", first).With("steps", step).With("sizes", size);
        context.Emit(node, "Slice", [context.Input(node, 0)], [context.FirstOutput(node)], attributes);
    }

    /// <summary>Expand broadcasts the input and the requested shape together (either may have the larger dims).</summary>
    public static void Expand(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        var requested = new Shape(context.Constant(node, 1, "shape").ToInt64Array());
        var shape = ShapeMath.Broadcast(input, requested) ?? throw context.Error(node, $"{input} does not broadcast with {requested}");
        context.Emit(node, "Expand", [context.Input(node, 0)], [context.FirstOutput(node)], IrAttributes.Empty.With("shape", shape.Dims));
    }

    public static void Tile(OnnxNode node, int opset, ImportContext context)
    {
        var repeats = context.Constant(node, 1, "repeats").ToInt64Array();
        context.Emit(node, "Tile", [context.Input(node, 0)], [context.FirstOutput(node)], IrAttributes.Empty.With("repeats", repeats));
    }

    /// <summary>Pad: attributes before opset 11, then pads/constant_value/axes inputs; pads may be negative (crop).</summary>
    public static void Pad(OnnxNode node, int opset, ImportContext context)
    {
        int rank = context.InputShape(node, 0).Rank;
        string mode = node.Attributes.String("mode", "constant");
        long[] pads;
        float value = 0;
        string? runTimeValue = null;
        if (opset < 11)
        {
            pads = node.Attributes.Ints("pads") ?? node.Attributes.Ints("paddings") ?? throw context.Error(node, "required attribute 'pads' is missing");
            value = node.Attributes.Float("value", 0f);
        }
        else
        {
            pads = context.Constant(node, 1, "pads").ToInt64Array();
            if (context.TryConstant(node, 2) is { } constant)
            {
                value = constant.ToFloatArray()[0];
            }
            else if (node.HasInput(2))
            {
                runTimeValue = context.Input(node, 2); // it changes values, not the shape: a run-time input of the kernel
            }
            if (context.OptionalConstant(node, 3, "axes") is { } axesData)
            {
                var axes = axesData.ToInt64Array().Select(a => Axis(node, context, a, rank)).ToArray();
                var full = new long[2 * rank];
                for (int i = 0; i < axes.Length; i++)
                {
                    full[axes[i]] = pads[i];
                    full[axes[i] + rank] = pads[i + axes.Length];
                }
                pads = full;
            }
        }
        if (mode == "wrap")
        {
            throw context.Unsupported(node, "mode 'wrap'");
        }
        var attributes = IrAttributes.Empty.With("pads", pads).With("mode", mode).With("value", value);
        string[] inputs = runTimeValue is null || mode != "constant" ? [context.Input(node, 0)] : [context.Input(node, 0), runTimeValue];
        context.Emit(node, "Pad", inputs, [context.FirstOutput(node)], attributes);
    }

    /// <summary>
    /// Trilu: the diagonal offset k is an optional input; known at compile time it is the attribute, else the kernel
    /// reads it at run time (it changes which elements are kept, not the shape).
    /// </summary>
    public static void Trilu(OnnxNode node, int opset, ImportContext context)
    {
        var known = context.TryConstant(node, 1);
        var attributes = IrAttributes.Empty.With("upper", node.Attributes.Int("upper", 1)).With("k", known?.ToInt64Array()[0] ?? 0);
        string[] inputs = node.HasInput(1) && known is null ? [context.Input(node, 0), context.Input(node, 1)] : [context.Input(node, 0)];
        context.Emit(node, "Trilu", inputs, [context.FirstOutput(node)], attributes);
    }

    /// <summary>DepthToSpace as Reshape → Transpose → Reshape (DCR or CRD order).</summary>
    public static void DepthToSpace(OnnxNode node, int opset, ImportContext context)
    {
        var x = context.InputShape(node, 0);
        long b = node.Attributes.Int("blocksize");
        if (x.Rank != 4 || b < 1 || x[1] % (b * b) != 0)
        {
            throw context.Error(node, $"needs an NCHW input with channels divisible by blocksize² (got {x}, blocksize {b})");
        }
        long n = x[0], c = x[1], h = x[2], w = x[3];
        bool crd = node.Attributes.String("mode", "DCR") == "CRD";
        long[] split = crd ? [n, c / (b * b), b, b, h, w] : [n, b, b, c / (b * b), h, w];
        long[] perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
        Rearrange(node, context, split, perm, [n, c / (b * b), h * b, w * b]);
    }

    public static void SpaceToDepth(OnnxNode node, int opset, ImportContext context)
    {
        var x = context.InputShape(node, 0);
        long b = node.Attributes.Int("blocksize");
        if (x.Rank != 4 || b < 1 || x[2] % b != 0 || x[3] % b != 0)
        {
            throw context.Error(node, $"needs an NCHW input with H and W divisible by blocksize (got {x}, blocksize {b})");
        }
        long n = x[0], c = x[1], h = x[2], w = x[3];
        Rearrange(node, context, [n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4], [n, c * b * b, h / b, w / b]);
    }

    private static void Rearrange(OnnxNode node, ImportContext context, long[] split, long[] perm, long[] result)
    {
        string a = context.Temp(node, "split");
        string t = context.Temp(node, "permuted");
        context.Emit(node, "Reshape", [context.Input(node, 0)], [a], IrAttributes.Empty.With("shape", split), part: "split");
        context.Emit(node, "Transpose", [a], [t], IrAttributes.Empty.With("perm", perm), part: "permute");
        context.Emit(node, "Reshape", [t], [context.FirstOutput(node)], IrAttributes.Empty.With("shape", result));
    }

    /// <summary>
    /// Compress with a constant condition is a Gather of the selected indices (after flattening when there is no axis).
    /// The condition decides the output's size, so a runtime condition cannot be compiled to a static program.
    /// </summary>
    public static void Compress(OnnxNode node, int opset, ImportContext context)
    {
        var d = new Decomposer(node, context);
        string input = context.Input(node, 0);
        var shape = d.ShapeOf(input);
        // The condition decides the output's size.
        var condition = context.OptionalParameter(node, 1, "condition") ?? throw context.Error(node, "input 'condition' is required");
        if (condition.Type.Shape.Rank != 1)
        {
            throw context.Error(node, $"condition must be 1-D, got {condition.Type.Shape}");
        }
        long axis = 0;
        if (node.Attributes.Has("axis"))
        {
            axis = Axis(node, context, node.Attributes.Int("axis", 0), shape.Rank);
        }
        else
        {
            input = d.Reshape(input, [shape.ElementCount]);
        }
        long length = d.ShapeOf(input)[(int)axis];
        var selected = condition.ToInt64Array().Select((c, i) => (c, i)).Where(p => p.c != 0).Select(p => (long)p.i).ToArray();
        if (selected.Any(i => i >= length))
        {
            throw context.Error(node, $"condition selects index {selected.Max()}, beyond the {length} entries of axis {axis}");
        }
        string indices = d.Constant(TensorData.FromInt64s(new Shape(selected.Length), selected), "indices");
        d.Op("Gather", [input, indices], IrAttributes.Empty.With("axis", axis), context.FirstOutput(node));
    }

    public static long Axis(OnnxNode node, ImportContext context, long axis, int rank)
    {
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
        {
            throw context.Error(node, $"axis {axis} is out of range for rank {rank}");
        }
        return normalized;
    }
}
