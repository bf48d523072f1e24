using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Normalization()
    {
        yield return new OpDefinition("BatchNormalization", FusionKind.Elementwise, InferBatchNorm, "inference-mode batch normalisation")
        {
            RequiredAttributes = ["epsilon", "spatial"],
        };
        yield return new OpDefinition("Softmax", FusionKind.Reduction, InferSoftmax, "softmax along one axis")
        {
            RequiredAttributes = ["axis"],
        };
    }

    private static ImmutableArray<TensorType> InferBatchNorm(InferenceContext c)
    {
        var x = c.Input(0);
        if (x.Shape.Rank < 2)
        {
            throw c.Error($"input must have rank ≥ 2, got {x.Shape}");
        }
        bool spatial = c.Attributes.GetInt("spatial") != 0;
        var expected = spatial ? new Shape(x.Shape[1]) : new Shape(x.Shape.Dims.RemoveAt(0));
        for (int i = 1; i <= 4; i++)
        {
            var p = c.Input(i);
            if (p.ElementCount != expected.ElementCount)
            {
                throw c.Error($"parameter {i} has shape {p.Shape}, expected {expected}");
            }
        }
        return One(x);
    }

    private static ImmutableArray<TensorType> InferSoftmax(InferenceContext c)
    {
        var x = c.Input(0);
        long axis = c.Attributes.GetInt("axis");
        if (axis < 0 || axis >= Math.Max(1, x.Shape.Rank))
        {
            throw c.Error($"axis {axis} is out of range for {x.Shape}");
        }
        return One(x);
    }
}
