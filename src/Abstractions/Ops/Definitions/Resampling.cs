using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>
/// Ops that change spatial resolution or sample at computed positions: Resize (nearest, linear, cubic),
/// ConvTranspose, GridSample and RoiAlign.
/// </summary>
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
        yield return new OpDefinition("GridSample", FusionKind.Opaque, InferGridSample, "sample X at the normalised positions of a runtime grid")
        {
            RequiredAttributes = ["mode", "padding_mode", "align_corners"],
        };
        yield return new OpDefinition("RoiAlign", FusionKind.Opaque, InferRoiAlign, "bilinear average or max pooling of regions of interest")
        {
            RequiredAttributes = ["mode", "output_height", "output_width", "sampling_ratio", "spatial_scale", "coordinate_transformation_mode"],
        };
    }

    /// <summary>X [N, C, H, W], rois [R, 4], int64 batch_indices [R] → [R, C, output_height, output_width].</summary>
    private static ImmutableArray<TensorType> InferRoiAlign(InferenceContext c)
    {
        var x = c.Input(0);
        var rois = c.Input(1).Shape;
        var indices = c.Input(2);
        var a = c.Attributes;
        if (x.Shape.Rank != 4 || rois.Rank != 2 || rois[1] != 4 || indices.Shape != new Shape(rois[0]) || indices.ElementType != DataType.Int64)
        {
            throw c.Error($"needs X [N, C, H, W], rois [R, 4] and int64 batch_indices [R], got {x.Shape}, {rois}, {indices}");
        }
        if (a.GetString("mode", "") is not ("avg" or "max") || a.GetString("coordinate_transformation_mode", "") is not ("half_pixel" or "output_half_pixel"))
        {
            throw c.Error("mode must be avg or max and coordinate_transformation_mode half_pixel or output_half_pixel");
        }
        long height = a.GetInt("output_height"), width = a.GetInt("output_width");
        if (height < 1 || width < 1 || a.GetInt("sampling_ratio") < 0)
        {
            throw c.Error("output_height and output_width must be ≥ 1 and sampling_ratio ≥ 0");
        }
        return One(x.ElementType, new Shape(rois[0], x.Shape[1], height, width));
    }

    /// <summary>X [N, C, D1…Dr], grid [N, O1…Or, r] → [N, C, O1…Or].</summary>
    private static ImmutableArray<TensorType> InferGridSample(InferenceContext c)
    {
        var x = c.Input(0);
        var grid = c.Input(1).Shape;
        int r = x.Shape.Rank - 2;
        if (r < 1 || grid.Rank != r + 2 || grid[0] != x.Shape[0] || grid[grid.Rank - 1] != r)
        {
            throw c.Error($"grid {grid} must be [N, spatial…, {r}] for input {x.Shape}");
        }
        if (c.Attributes.GetString("mode", "") is not ("linear" or "nearest" or "cubic")
            || c.Attributes.GetString("padding_mode", "") is not ("zeros" or "border" or "reflection"))
        {
            throw c.Error("mode must be linear, nearest or cubic and padding_mode zeros, border or reflection");
        }
        var dims = new long[r + 2];
        dims[0] = x.Shape[0];
        dims[1] = x.Shape[1];
        for (int i = 0; i < r; i++)
        {
            dims[i + 2] = grid[i + 1];
        }
        return One(x.ElementType, new Shape(dims));
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
