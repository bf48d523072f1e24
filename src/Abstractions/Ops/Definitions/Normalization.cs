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
        yield return new OpDefinition("InstanceNormalization", FusionKind.Opaque, InferInstanceNorm, "normalise each (n, c) plane, then per-channel scale and bias")
        {
            RequiredAttributes = ["epsilon"],
        };
        yield return new OpDefinition("LRN", FusionKind.Opaque, InferLrn, "local response normalisation across neighbouring channels")
        {
            RequiredAttributes = ["alpha", "beta", "bias", "size"],
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

    private static ImmutableArray<TensorType> InferInstanceNorm(InferenceContext c)
    {
        var x = c.Input(0);
        if (x.Shape.Rank < 3 || c.Input(1).ElementCount != x.Shape[1] || c.Input(2).ElementCount != x.Shape[1])
        {
            throw c.Error($"needs an [N, C, d…] input with [C] scale and bias, got {x.Shape}, {c.Input(1).Shape}, {c.Input(2).Shape}");
        }
        return One(x);
    }

    /// <summary>LRN keeps the input type; it needs [N, C, …].</summary>
    private static ImmutableArray<TensorType> InferLrn(InferenceContext c)
    {
        var x = c.Input(0);
        if (x.Shape.Rank < 2 || c.Attributes.GetInt("size") < 1)
        {
            throw c.Error($"needs an [N, C, …] input and size ≥ 1, got {x.Shape}");
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
