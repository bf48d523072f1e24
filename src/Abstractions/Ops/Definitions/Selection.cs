using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Ops that pick, scatter or scan along one axis: GatherElements, ScatterElements, CumSum and Hardmax, and the
/// NegativeLogLikelihoodLoss that SoftmaxCrossEntropyLoss also lowers to. Their canonical forms carry a resolved,
/// non-negative <c>axis</c> (see docs/ir.md); indices stay runtime inputs, so none of them folds.
/// </summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Selection()
    {
        yield return new OpDefinition("GatherElements", FusionKind.Opaque, InferGatherElements, "out[i] = data[i with index[i] along axis]")
        {
            RequiredAttributes = ["axis"],
        };
        yield return new OpDefinition("ScatterElements", FusionKind.Opaque, InferScatterElements, "copy data, then write (or combine) updates at index positions along axis")
        {
            RequiredAttributes = ["axis", "reduction"],
        };
        yield return new OpDefinition("GatherND", FusionKind.Opaque, InferGatherNd, "slices of data addressed by index tuples (the last axis of indices), after batch_dims shared axes")
        {
            RequiredAttributes = ["batch_dims"],
        };
        yield return new OpDefinition("ScatterND", FusionKind.Opaque, InferScatterNd, "copy data, then write (or combine) update slices at index tuples")
        {
            RequiredAttributes = ["reduction"],
        };
        yield return new OpDefinition("ReverseSequence", FusionKind.Opaque, InferReverseSequence, "reverse the first sequence_lens[b] steps along the time axis of each batch entry")
        {
            RequiredAttributes = ["batch_axis", "time_axis"],
        };
        yield return new OpDefinition("CumSum", FusionKind.Opaque, c => One(c.Input(0)), "running sum along an axis (exclusive and/or reverse)")
        {
            RequiredAttributes = ["axis", "exclusive", "reverse"],
        };
        yield return new OpDefinition("Hardmax", FusionKind.Reduction, c => One(c.Input(0)), "1 at the first maximum along an axis, 0 elsewhere")
        {
            RequiredAttributes = ["axis"],
        };
        yield return new OpDefinition("OneHot", FusionKind.Opaque, InferOneHot, "values[1] where the axis coordinate equals the index, values[0] elsewhere")
        {
            RequiredAttributes = ["axis", "depth"],
        };
        yield return new OpDefinition("TopK", FusionKind.Opaque, InferTopK, "the k largest (or smallest) elements along an axis and their int64 indices, sorted")
        {
            RequiredAttributes = ["axis", "k", "largest"],
        };
        yield return new OpDefinition("DequantizeLinear", FusionKind.Opaque, c => One(DataType.Float32, c.Input(0).Shape), "(x − zero_point)·scale, per tensor or along axis")
        {
            RequiredAttributes = ["axis"],
        };
        yield return new OpDefinition("QuantizeLinear", FusionKind.Opaque,
            c => One(c.HasInput(2) ? c.Input(2).ElementType : DataType.UInt8, c.Input(0).Shape), "saturate(round(x / scale) + zero_point), per tensor or along axis")
        {
            RequiredAttributes = ["axis"],
        };
        yield return new OpDefinition("DynamicQuantizeLinear", FusionKind.Opaque,
            c => [new TensorType(DataType.UInt8, c.Input(0).Shape), new TensorType(DataType.Float32, Shape.Scalar), new TensorType(DataType.UInt8, Shape.Scalar)],
            "uint8 quantisation with scale and zero point computed from the tensor's range (including 0)");
        yield return new OpDefinition("NegativeLogLikelihoodLoss", FusionKind.Opaque, InferNll, "−input[n, target, d]·weight[target], reduced none/sum/mean")
        {
            RequiredAttributes = ["reduction", "ignore_index"],
        };
    }

    private static void CheckAxis(InferenceContext c, Shape shape)
    {
        long axis = c.Attributes.GetInt("axis");
        if (axis < 0 || axis >= shape.Rank)
        {
            throw c.Error($"axis {axis} is out of range for {shape}");
        }
    }

    private static void CheckIndices(InferenceContext c, TensorType indices)
    {
        if (indices.ElementType is not (DataType.Int32 or DataType.Int64))
        {
            throw c.Error($"indices must be int32 or int64, got {indices.ElementType.Name()}");
        }
    }

    private static ImmutableArray<TensorType> InferGatherElements(InferenceContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        CheckAxis(c, data.Shape);
        CheckIndices(c, indices);
        if (indices.Shape.Rank != data.Shape.Rank)
        {
            throw c.Error($"indices {indices.Shape} must have the rank of data {data.Shape}");
        }
        return One(data.ElementType, indices.Shape);
    }

    private static ImmutableArray<TensorType> InferScatterElements(InferenceContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var updates = c.Input(2);
        CheckAxis(c, data.Shape);
        CheckIndices(c, indices);
        if (indices.Shape != updates.Shape || indices.Shape.Rank != data.Shape.Rank || updates.ElementType != data.ElementType)
        {
            throw c.Error($"indices {indices.Shape} and updates {updates.Shape} must match and have the rank of data {data.Shape}");
        }
        if (c.Attributes.GetString("reduction", "") is not ("none" or "add" or "mul" or "max" or "min"))
        {
            throw c.Error("reduction must be none, add, mul, max or min");
        }
        return One(data);
    }

    private static ImmutableArray<TensorType> InferReverseSequence(InferenceContext c)
    {
        var x = c.Input(0).Shape;
        long batch = c.Attributes.GetInt("batch_axis"), time = c.Attributes.GetInt("time_axis");
        CheckIndices(c, c.Input(1));
        if (x.Rank < 2 || batch is < 0 or > 1 || time is < 0 or > 1 || batch == time || c.Input(1).Shape != new Shape(x[(int)batch]))
        {
            throw c.Error($"needs distinct batch and time axes among the first two of {x} and one length per batch entry, got {c.Input(1).Shape}");
        }
        return One(c.Input(0));
    }

    private static ImmutableArray<TensorType> InferGatherNd(InferenceContext c)
    {
        var data = c.Input(0).Shape;
        var indices = c.Input(1);
        CheckIndices(c, indices);
        int b = (int)c.Attributes.GetInt("batch_dims");
        long k = indices.Shape.Rank > 0 ? indices.Shape[indices.Shape.Rank - 1] : -1;
        if (b < 0 || indices.Shape.Rank < b + 1 || k < 1 || b + k > data.Rank || !data.Dims.Take(b).SequenceEqual(indices.Shape.Dims.Take(b)))
        {
            throw c.Error($"indices {indices.Shape} do not address data {data} with batch_dims {b}");
        }
        return One(c.Input(0).ElementType, new Shape(indices.Shape.Dims.Take(indices.Shape.Rank - 1).Concat(data.Dims.Skip(b + (int)k)).ToArray()));
    }

    private static ImmutableArray<TensorType> InferScatterNd(InferenceContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var updates = c.Input(2).Shape;
        CheckIndices(c, indices);
        long k = indices.Shape.Rank > 0 ? indices.Shape[indices.Shape.Rank - 1] : -1;
        var expected = indices.Shape.Dims.Take(indices.Shape.Rank - 1).Concat(data.Shape.Dims.Skip((int)Math.Max(k, 0)));
        if (k < 1 || k > data.Shape.Rank || !updates.Dims.SequenceEqual(expected))
        {
            throw c.Error($"indices {indices.Shape} and updates {updates} do not match data {data.Shape}");
        }
        if (c.Attributes.GetString("reduction", "") is not ("none" or "add" or "mul" or "max" or "min"))
        {
            throw c.Error("reduction must be none, add, mul, max or min");
        }
        return One(data);
    }

    /// <summary>indices [d…] and values [2] give [d…] with depth inserted at axis, in the values' type.</summary>
    private static ImmutableArray<TensorType> InferOneHot(InferenceContext c)
    {
        var indices = c.Input(0);
        var values = c.Input(1);
        long axis = c.Attributes.GetInt("axis"), depth = c.Attributes.GetInt("depth");
        if (axis < 0 || axis > indices.Shape.Rank || depth < 1 || values.ElementCount != 2)
        {
            throw c.Error($"needs 0 ≤ axis ≤ {indices.Shape.Rank}, depth ≥ 1 and two values (axis {axis}, depth {depth}, values {values.Shape})");
        }
        return One(values.ElementType, new Shape(indices.Shape.Dims.Insert((int)axis, depth)));
    }

    private static ImmutableArray<TensorType> InferTopK(InferenceContext c)
    {
        var x = c.Input(0);
        CheckAxis(c, x.Shape);
        int axis = (int)c.Attributes.GetInt("axis");
        long k = c.Attributes.GetInt("k");
        if (k < 0 || k > x.Shape[axis])
        {
            throw c.Error($"k {k} is outside [0, {x.Shape[axis]}]");
        }
        var shape = new Shape(x.Shape.Dims.SetItem(axis, k));
        return [new TensorType(x.ElementType, shape), new TensorType(DataType.Int64, shape)];
    }

    /// <summary>input [N, C, d…], target [N, d…], optional weight [C]; the loss has the target's shape or is a scalar.</summary>
    private static ImmutableArray<TensorType> InferNll(InferenceContext c)
    {
        var input = c.Input(0);
        var target = c.Input(1);
        CheckIndices(c, target);
        bool shapesMatch = input.Shape.Rank >= 2 && target.Shape.Rank == input.Shape.Rank - 1
            && target.Shape[0] == input.Shape[0] && target.Shape.Dims.Skip(1).SequenceEqual(input.Shape.Dims.Skip(2));
        if (!shapesMatch)
        {
            throw c.Error($"target {target.Shape} does not match input {input.Shape} (expected [N, d…] for [N, C, d…])");
        }
        if (c.HasInput(2) && c.Input(2).Shape != new Shape(input.Shape[1]))
        {
            throw c.Error($"weight {c.Input(2).Shape} must be [{input.Shape[1]}]");
        }
        return c.Attributes.GetString("reduction", "") switch
        {
            "none" => One(input.ElementType, target.Shape),
            "sum" or "mean" => One(input.ElementType, new Shape(Array.Empty<long>())),
            var other => throw c.Error($"reduction '{other}' must be none, sum or mean"),
        };
    }
}
