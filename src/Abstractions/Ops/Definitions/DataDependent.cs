using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Ops whose output size depends on the input values: NonZero, NonMaxSuppression and Unique. Each has a static upper
/// bound, so its outputs are bounded types (<see cref="TensorType.Dynamic"/>): the shape is the bound, the dynamic
/// axes are marked, and the module reports the actual dims after each run (docs/abi.md). A bounded value can only be a
/// graph output (<see cref="BoundedOutputs"/>). None of them folds: a folded result would have a different, exact shape.
/// </summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> DataDependent()
    {
        yield return new OpDefinition("NonZero", FusionKind.Opaque, InferNonZero,
            "int64 [rank, n] coordinates of the n non-zero elements in row-major order; n ≤ the element count");
        yield return new OpDefinition("NonMaxSuppression", FusionKind.Opaque, InferNonMaxSuppression,
            "per batch and class, greedy IoU suppression over boxes by descending score; int64 [n, 3] rows (batch, class, box)")
        {
            ElementTypes = [DataType.Float32],
            RequiredAttributes = ["center_point_box", "max_output_boxes_per_class", "iou_threshold", "score_threshold"],
        };
        yield return new OpDefinition("Unique", FusionKind.Opaque, InferUnique,
            "the distinct slices along axis (sorted, or in order of first occurrence), their first indices, the inverse map and counts")
        {
            RequiredAttributes = ["axis", "sorted"],
        };
    }

    /// <summary>[rank, numel], the column count dynamic: every element non-zero is the most there can be.</summary>
    private static ImmutableArray<TensorType> InferNonZero(InferenceContext c)
    {
        var x = c.Input(0).Shape;
        if (x.Rank == 0)
        {
            throw c.Error("a scalar input is not supported (its coordinates have no axis)");
        }
        return [TensorType.Bounded(DataType.Int64, new Shape(x.Rank, x.ElementCount), 1)];
    }

    /// <summary>boxes [B, N, 4] and scores [B, C, N] select at most B · C · min(max_output_boxes_per_class, N) rows.</summary>
    private static ImmutableArray<TensorType> InferNonMaxSuppression(InferenceContext c)
    {
        var boxes = c.Input(0).Shape;
        var scores = c.Input(1);
        if (boxes.Rank != 3 || boxes[2] != 4 || scores.Shape.Rank != 3 || scores.Shape[0] != boxes[0] || scores.Shape[2] != boxes[1]
            || scores.ElementType != DataType.Float32)
        {
            throw c.Error($"needs float32 boxes [B, N, 4] and scores [B, C, N], got {c.Input(0)} and {scores}");
        }
        long maxPerClass = c.Attributes.GetInt("max_output_boxes_per_class");
        if (maxPerClass < 0 || c.Attributes.GetInt("center_point_box") is not (0 or 1))
        {
            throw c.Error("max_output_boxes_per_class must be ≥ 0 and center_point_box 0 or 1");
        }
        long rows = checked(boxes[0] * scores.Shape[1] * Math.Min(maxPerClass, boxes[1]));
        return [TensorType.Bounded(DataType.Int64, new Shape(rows, 3), 0)];
    }

    /// <summary>
    /// Y has X's shape with the axis dynamic (at most every slice is distinct); indices and counts are bounded the
    /// same way; inverse_indices has one entry per slice of X, so its size is static.
    /// </summary>
    private static ImmutableArray<TensorType> InferUnique(InferenceContext c)
    {
        var x = c.Input(0);
        CheckAxis(c, x.Shape);
        int axis = (int)c.Attributes.GetInt("axis");
        long slices = x.Shape[axis];
        return
        [
            TensorType.Bounded(x.ElementType, x.Shape, axis),
            TensorType.Bounded(DataType.Int64, new Shape(slices), 0),
            new TensorType(DataType.Int64, new Shape(slices)),
            TensorType.Bounded(DataType.Int64, new Shape(slices), 0),
        ];
    }
}
