using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>Ops that change spatial resolution: Resize (nearest, linear, cubic) and ConvTranspose.</summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Resampling()
    {
        yield return new OpDefinition("Resize", FusionKind.Injective, InferResize, "resample to a static output shape")
        {
            RequiredAttributes = ["sizes", "scales", "roi", "mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value"],
        };
        yield return new OpDefinition("ConvTranspose", FusionKind.OutElementwiseFusable, InferConvTranspose, "transposed (fractionally strided) convolution")
        {
            RequiredAttributes = ["kernel_shape", "strides", "dilations", "pads", "output_padding", "group"],
        };
    }

    private static ImmutableArray<TensorType> InferResize(InferenceContext c)
    {
        var x = c.Input(0);
        var sizes = c.Attributes.GetInts("sizes");
        var scales = c.Attributes.GetFloats("scales");
        if (sizes.Length != x.Shape.Rank || scales.Length != x.Shape.Rank || sizes.Any(s => s < 0))
        {
            throw c.Error($"sizes and scales need one value per axis of {x.Shape}");
        }
        return One(x.ElementType, new Shape(sizes.ToArray()));
    }

    private static ImmutableArray<TensorType> InferConvTranspose(InferenceContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        int k = x.Shape.Rank - 2;
        var a = c.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetInts("dilations");
        var pads = a.GetInts("pads");
        var outputPadding = a.GetInts("output_padding");
        long group = a.GetInt("group");
        if (k < 1 || w.Shape.Rank != x.Shape.Rank || kernel.Length != k || strides.Length != k || dilations.Length != k || pads.Length != 2 * k || outputPadding.Length != k)
        {
            throw c.Error($"input {x.Shape} and weight {w.Shape} need rank ≥ 3 and {k} values per window attribute");
        }
        if (group < 1 || w.Shape[0] != x.Shape[1] || x.Shape[1] % group != 0)
        {
            throw c.Error($"weight {w.Shape} must have the {x.Shape[1]} input channels first, divisible by group {group}");
        }
        long outChannels = w.Shape[1] * group;
        if (c.HasInput(2) && c.Input(2).Shape != new Shape(outChannels))
        {
            throw c.Error($"bias must have shape [{outChannels}], got {c.Input(2).Shape}");
        }
        var dims = new long[k + 2];
        dims[0] = x.Shape[0];
        dims[1] = outChannels;
        for (int i = 0; i < k; i++)
        {
            if (kernel[i] != w.Shape[i + 2])
            {
                throw c.Error($"kernel_shape {kernel[i]} disagrees with weight shape {w.Shape}");
            }
            dims[i + 2] = (x.Shape[i + 2] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + k] + outputPadding[i];
            if (dims[i + 2] < 0)
            {
                throw c.Error($"pads make spatial axis {i} negative");
            }
        }
        return One(x.ElementType, new Shape(dims));
    }
}
