using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Ops that read elements through a static index map: Gather, Slice, Expand, Tile, Pad, and Cast (a conversion per
/// element). Their canonical forms carry fully resolved attributes (see docs/ir.md), and each has an evaluator so
/// that exporters' shape programs fold away at compile time.
/// </summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Indexing()
    {
        yield return new OpDefinition("Gather", FusionKind.Injective, InferGather, "take slices along one axis at the given indices")
        {
            RequiredAttributes = ["axis"],
            Evaluate = EvaluateGather,
        };
        yield return new OpDefinition("Slice", FusionKind.Injective, InferSlice, "strided window: per axis a first index, a step and a count")
        {
            RequiredAttributes = ["starts", "steps", "sizes"],
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Select(inputs[0]!, types[0], SliceSource(node, inputs[0]!.Type.Shape, types[0].Shape))),
        };
        yield return new OpDefinition("Expand", FusionKind.Injective, InferExpand, "broadcast to a larger static shape")
        {
            RequiredAttributes = ["shape"],
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Select(inputs[0]!, types[0],
                i => ConstantMath.BroadcastSource(ConstantMath.Unravel(i, types[0].Shape), inputs[0]!.Type.Shape))),
        };
        yield return new OpDefinition("Tile", FusionKind.Injective, InferTile, "repeat the input along each axis")
        {
            RequiredAttributes = ["repeats"],
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.Select(inputs[0]!, types[0], i =>
            {
                var index = ConstantMath.Unravel(i, types[0].Shape);
                var inShape = inputs[0]!.Type.Shape;
                long linear = 0;
                for (int d = 0; d < index.Length; d++) { linear = linear * inShape[d] + index[d] % inShape[d]; }
                return linear;
            })),
        };
        // Pad's value and Trilu's k change values, not shapes: known only at run time, they are input 1 (see docs/ir.md).
        yield return new OpDefinition("Pad", FusionKind.Injective, InferPad, "pad with a constant, by reflection or by repeating the edge")
        {
            RequiredAttributes = ["pads", "mode", "value"],
        };
        yield return new OpDefinition("Trilu", FusionKind.Injective, InferTrilu, "keep the upper or lower triangle of the last two axes (offset k), zero the rest")
        {
            RequiredAttributes = ["upper", "k"],
        };
        yield return new OpDefinition("Cast", FusionKind.Elementwise, c => One((DataType)c.Attributes.GetInt("to"), c.Input(0).Shape), "convert the element type")
        {
            RequiredAttributes = ["to"],
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.IsFloat(inputs[0]!.Type.ElementType) || (inputs[0]!.Type.ElementType == DataType.UInt64 && ConstantMath.IsFloat(types[0].ElementType))
                ? ConstantMath.FromDoubles(types[0].ElementType, types[0].Shape, ConstantMath.Doubles(inputs[0]!))
                : ConstantMath.FromLongs(types[0].ElementType, types[0].Shape, ConstantMath.Longs(inputs[0]!))),
        };
    }

    private static ImmutableArray<TensorType> InferGather(InferenceContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        long axis = c.Attributes.GetInt("axis");
        if (axis < 0 || axis >= data.Shape.Rank)
        {
            throw c.Error($"axis {axis} is out of range for {data.Shape}");
        }
        if (indices.ElementType is not (DataType.Int32 or DataType.Int64))
        {
            throw c.Error($"indices must be int32 or int64, got {indices.ElementType.Name()}");
        }
        if (c.ConstantOrNull(1) is { } constant && constant.ToInt64Array().Any(i => i < -data.Shape[(int)axis] || i >= data.Shape[(int)axis]))
        {
            throw c.Error($"an index is out of range for axis {axis} of {data.Shape}");
        }
        var dims = data.Shape.Dims.Take((int)axis).Concat(indices.Shape.Dims).Concat(data.Shape.Dims.Skip((int)axis + 1)).ToArray();
        return One(data.ElementType, new Shape(dims));
    }

    private static ImmutableArray<TensorData> EvaluateGather(Node node, ImmutableArray<TensorData?> inputs, ImmutableArray<TensorType> types)
    {
        var data = inputs[0]!;
        var indices = inputs[1]!.ToInt64Array();
        int axis = (int)node.Attributes.GetInt("axis");
        long axisDim = data.Type.Shape[axis];
        long inner = data.Type.Shape.Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        long count = indices.Length;
        return ConstantMath.One(ConstantMath.Select(data, types[0], i =>
        {
            long innerIndex = i % inner;
            long k = i / inner % count;
            long outer = i / inner / count;
            long index = indices[k] < 0 ? indices[k] + axisDim : indices[k];
            return (outer * axisDim + index) * inner + innerIndex;
        }));
    }

    private static ImmutableArray<TensorType> InferSlice(InferenceContext c)
    {
        var x = c.Input(0);
        var starts = c.Attributes.GetInts("starts");
        var steps = c.Attributes.GetInts("steps");
        var sizes = c.Attributes.GetInts("sizes");
        if (starts.Length != x.Shape.Rank || steps.Length != x.Shape.Rank || sizes.Length != x.Shape.Rank)
        {
            throw c.Error($"starts, steps and sizes need one value per axis of {x.Shape}");
        }
        for (int d = 0; d < x.Shape.Rank; d++)
        {
            long last = starts[d] + (sizes[d] - 1) * steps[d];
            if (steps[d] == 0 || sizes[d] < 0 || (sizes[d] > 0 && (starts[d] < 0 || starts[d] >= x.Shape[d] || last < 0 || last >= x.Shape[d])))
            {
                throw c.Error($"axis {d}: start {starts[d]}, step {steps[d]}, size {sizes[d]} leave the input dimension {x.Shape[d]}");
            }
        }
        return One(x.ElementType, new Shape(sizes.ToArray()));
    }

    private static Func<long, long> SliceSource(Node node, Shape input, Shape output)
    {
        var starts = node.Attributes.GetInts("starts");
        var steps = node.Attributes.GetInts("steps");
        return i =>
        {
            var index = ConstantMath.Unravel(i, output);
            long linear = 0;
            for (int d = 0; d < index.Length; d++) { linear = linear * input[d] + starts[d] + index[d] * steps[d]; }
            return linear;
        };
    }

    private static ImmutableArray<TensorType> InferExpand(InferenceContext c)
    {
        var x = c.Input(0);
        var shape = new Shape(c.Attributes.GetInts("shape"));
        if (Broadcast(x.Shape, shape) != shape)
        {
            throw c.Error($"{x.Shape} does not broadcast to {shape}");
        }
        return One(x.ElementType, shape);
    }

    private static ImmutableArray<TensorType> InferTile(InferenceContext c)
    {
        var x = c.Input(0);
        var repeats = c.Attributes.GetInts("repeats");
        if (repeats.Length != x.Shape.Rank || repeats.Any(r => r < 0))
        {
            throw c.Error($"repeats [{string.Join(",", repeats)}] need {x.Shape.Rank} non-negative values");
        }
        return One(x.ElementType, new Shape(x.Shape.Dims.Select((d, i) => d * repeats[i]).ToArray()));
    }

    private static ImmutableArray<TensorType> InferPad(InferenceContext c)
    {
        var x = c.Input(0);
        var pads = c.Attributes.GetInts("pads");
        int rank = x.Shape.Rank;
        var mode = c.Attributes.GetString("mode", "");
        if (pads.Length != 2 * rank || mode is not ("constant" or "reflect" or "edge"))
        {
            throw c.Error($"needs {2 * rank} pads and mode constant, reflect or edge");
        }
        var dims = x.Shape.Dims.Select((d, i) => d + pads[i] + pads[i + rank]).ToArray();
        if (dims.Any(d => d < 0))
        {
            throw c.Error($"pads [{string.Join(",", pads)}] remove more than {x.Shape}");
        }
        if (mode != "constant" && x.Shape.Dims.Select((d, i) => pads[i] > 0 || pads[i + rank] > 0 ? d : long.MaxValue).Any(d => d == 0))
        {
            throw c.Error($"{mode} padding needs a non-empty input along every padded axis");
        }
        if (c.HasInput(1) && (c.Input(1).ElementType != x.ElementType || c.Input(1).ElementCount != 1))
        {
            throw c.Error($"the run-time pad value (input 1) must be one {x.ElementType.Name()}, got {c.Input(1)}");
        }
        return One(x.ElementType, new Shape(dims));
    }

    private static ImmutableArray<TensorType> InferTrilu(InferenceContext c)
    {
        var x = c.Input(0);
        if (x.Shape.Rank < 2)
        {
            throw c.Error($"input must have rank ≥ 2, got {x.Shape}");
        }
        if (c.HasInput(1) && (c.Input(1).ElementType != DataType.Int64 || c.Input(1).ElementCount != 1))
        {
            throw c.Error($"the run-time offset k (input 1) must be one int64, got {c.Input(1)}");
        }
        return One(x);
    }
}
