using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>Normalisations that transformers use: LayerNormalization and LogSoftmax.</summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Transformer()
    {
        yield return new OpDefinition("LayerNormalization", FusionKind.Reduction, InferLayerNorm, "normalise over the trailing axes from `axis`, then scale and shift")
        {
            RequiredAttributes = ["axis", "epsilon"],
        };
        yield return new OpDefinition("LogSoftmax", FusionKind.Reduction, InferSoftmax, "log of softmax along one axis")
        {
            RequiredAttributes = ["axis"],
        };
    }

    private static ImmutableArray<TensorType> InferLayerNorm(InferenceContext c)
    {
        var x = c.Input(0);
        long axis = c.Attributes.GetInt("axis");
        if (axis < 0 || axis >= x.Shape.Rank)
        {
            throw c.Error($"axis {axis} is out of range for {x.Shape}");
        }
        var normalized = new Shape(x.Shape.Dims.Skip((int)axis).ToArray());
        for (int i = 1; i <= 2; i++)
        {
            if (c.HasInput(i) && Broadcast(c.Input(i).Shape, normalized) != normalized)
            {
                throw c.Error($"input {i} of shape {c.Input(i).Shape} does not broadcast to the normalised shape {normalized}");
            }
        }
        // Optional Mean and InvStdDev outputs keep the leading axes, with size 1 from `axis` on.
        var statistics = new TensorType(x.ElementType, new Shape(x.Shape.Dims.Select((d, i) => i < axis ? d : 1).ToArray()));
        return [x, .. Enumerable.Repeat(statistics, Math.Min(2, c.Node.Outputs.Length - 1))];
    }
}
