using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> DataMovement()
    {
        yield return new OpDefinition("Reshape", FusionKind.Injective, InferReshape, "same elements, new static shape")
        {
            RequiredAttributes = ["shape"],
            Evaluate = (node, inputs, types) => ConstantMath.One(ConstantMath.WithShape(inputs[0]!, types[0].Shape)),
        };
        yield return new OpDefinition("Transpose", FusionKind.Injective, InferTranspose, "permute axes")
        {
            RequiredAttributes = ["perm"],
            Evaluate = EvaluateTranspose,
        };
        yield return new OpDefinition("Concat", FusionKind.Injective, InferConcat, "join along one axis")
        {
            RequiredAttributes = ["axis"],
            Evaluate = EvaluateConcat,
        };
        yield return new OpDefinition("Split", FusionKind.Injective, InferSplit, "cut along one axis into given sizes")
        {
            RequiredAttributes = ["axis", "split"],
            Evaluate = EvaluateSplit,
        };
    }

    /// <summary>
    /// Split on constants: part k starts at the sum of the sizes before it. tf2onnx writes a TensorFlow pads tensor as
    /// a Split of one constant whose parts a Concat reorders, so Pad's pads fold only if Split does.
    /// </summary>
    private static ImmutableArray<TensorData> EvaluateSplit(Node node, ImmutableArray<TensorData?> inputs, ImmutableArray<TensorType> types)
    {
        var input = inputs[0]!;
        int axis = (int)node.Attributes.GetInt("axis");
        var results = ImmutableArray.CreateBuilder<TensorData>(types.Length);
        long offset = 0;
        foreach (var type in types)
        {
            long start = offset;
            results.Add(ConstantMath.Select(input, type, i =>
            {
                var index = ConstantMath.Unravel(i, type.Shape);
                index[axis] += start;
                long linear = 0;
                for (int d = 0; d < index.Length; d++) { linear = linear * input.Type.Shape[d] + index[d]; }
                return linear;
            }));
            offset += type.Shape[axis];
        }
        return results.MoveToImmutable();
    }

    private static ImmutableArray<TensorType> InferReshape(InferenceContext c)
    {
        var x = c.Input(0);
        var shape = new Shape(c.Attributes.GetInts("shape"));
        if (shape.ElementCount != x.ElementCount)
        {
            throw c.Error($"cannot reshape {x.Shape} ({x.ElementCount} elements) to {shape} ({shape.ElementCount} elements)");
        }
        return One(x.ElementType, shape);
    }

    private static ImmutableArray<TensorType> InferTranspose(InferenceContext c)
    {
        var x = c.Input(0);
        var perm = c.Attributes.GetInts("perm");
        if (perm.Length != x.Shape.Rank || perm.Order().Select((p, i) => p == i).Any(ok => !ok))
        {
            throw c.Error($"perm [{string.Join(",", perm)}] is not a permutation of rank {x.Shape.Rank}");
        }
        return One(x.ElementType, new Shape(perm.Select(p => x.Shape[(int)p]).ToArray()));
    }

    private static ImmutableArray<TensorType> InferConcat(InferenceContext c)
    {
        var first = c.Input(0);
        long axis = c.Attributes.GetInt("axis");
        if (axis < 0 || axis >= first.Shape.Rank)
        {
            throw c.Error($"axis {axis} is out of range for {first.Shape}");
        }
        var dims = first.Shape.Dims.ToArray();
        dims[axis] = 0;
        for (int i = 0; i < c.InputCount; i++)
        {
            var t = c.Input(i);
            if (t.ElementType != first.ElementType || t.Shape.Rank != first.Shape.Rank)
            {
                throw c.Error($"input {i} is {t}, expected the element type and rank of {first}");
            }
            for (int d = 0; d < dims.Length; d++)
            {
                if (d != axis && t.Shape[d] != first.Shape[d])
                {
                    throw c.Error($"input {i} has shape {t.Shape}, which differs from {first.Shape} off the concat axis");
                }
            }
            dims[axis] += t.Shape[(int)axis];
        }
        return One(first.ElementType, new Shape(dims));
    }

    private static ImmutableArray<TensorType> InferSplit(InferenceContext c)
    {
        var x = c.Input(0);
        long axis = c.Attributes.GetInt("axis");
        var split = c.Attributes.GetInts("split");
        if (axis < 0 || axis >= x.Shape.Rank)
        {
            throw c.Error($"axis {axis} is out of range for {x.Shape}");
        }
        if (split.Sum() != x.Shape[(int)axis] || split.Any(s => s < 0) || split.Length != c.Node.Outputs.Length)
        {
            throw c.Error($"split sizes [{string.Join(",", split)}] must be {c.Node.Outputs.Length} values summing to {x.Shape[(int)axis]}");
        }
        return split.Select(s =>
        {
            var dims = x.Shape.Dims.ToArray();
            dims[axis] = s;
            return new TensorType(x.ElementType, new Shape(dims));
        }).ToImmutableArray();
    }

    private static ImmutableArray<TensorData> EvaluateTranspose(Node node, ImmutableArray<TensorData?> inputs, ImmutableArray<TensorType> types)
    {
        var perm = node.Attributes.GetInts("perm");
        var inStrides = inputs[0]!.Type.Shape.Strides();
        return ConstantMath.One(ConstantMath.Select(inputs[0]!, types[0], i =>
        {
            var index = ConstantMath.Unravel(i, types[0].Shape);
            long linear = 0;
            for (int d = 0; d < index.Length; d++) { linear += index[d] * inStrides[perm[d]]; }
            return linear;
        }));
    }

    /// <summary>Concatenation as byte blocks: for each index before the axis, each input contributes one contiguous run.</summary>
    private static ImmutableArray<TensorData> EvaluateConcat(Node node, ImmutableArray<TensorData?> inputs, ImmutableArray<TensorType> types)
    {
        int axis = (int)node.Attributes.GetInt("axis");
        long outer = types[0].Shape.Dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        var result = new List<byte>((int)types[0].ByteSize);
        for (long o = 0; o < outer; o++)
        {
            foreach (var input in inputs)
            {
                int block = (int)(input!.Type.ByteSize / Math.Max(outer, 1));
                result.AddRange(input.Bytes.Slice((int)(o * block), block).ToArray());
            }
        }
        return ConstantMath.One(new TensorData(types[0], result.ToArray()));
    }
}
