using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// Resize (opset 10, 11+), the older Upsample, ConvTranspose with its output_shape / auto_pad forms, GridSample and
/// RoiAlign.
/// </summary>
internal static class ResamplingImporters
{
    /// <summary>
    /// Resize to a static output: sizes if given, else floor(input · scales); every mode attribute is made explicit
    /// (opset 10 had only the asymmetric coordinate transform). What decides the output is needed at compile time:
    /// sizes, or scales when there are no sizes. With sizes given, scales are not read (ONNX Runtime derives them from
    /// the sizes), and roi only matters to tf_crop_and_resize, so either may then be a run-time value.
    /// </summary>
    public static void Resize(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        int scalesIndex = opset < 11 ? 1 : 2;
        string transform = opset < 11 ? "asymmetric" : node.Attributes.String("coordinate_transformation_mode", "half_pixel");
        long[]? sizes = opset >= 11 ? context.OptionalConstant(node, 3, "sizes")?.ToInt64Array() : null;
        if (sizes is { Length: 0 }) { sizes = null; }
        float[]? scales = sizes is null ? context.OptionalConstant(node, scalesIndex, "scales")?.ToFloatArray() : null;
        float[]? roi = opset >= 11 && transform == "tf_crop_and_resize" ? context.OptionalParameter(node, 1, "roi")?.ToFloatArray() : null;
        if (scales is { Length: 0 }) { scales = null; }
        if (roi is { Length: 0 }) { roi = null; }
        Emit(node, context, input, scales, sizes, roi, node.Attributes.String("mode", "nearest"), transform);
    }

    /// <summary>Upsample (opset 7–9): scales as an attribute (7–8) or an input (9), asymmetric coordinates.</summary>
    public static void Upsample(OnnxNode node, int opset, ImportContext context)
    {
        var input = context.InputShape(node, 0);
        var scales = opset < 9 ? node.Attributes.Floats("scales") : context.Constant(node, 1, "scales").ToFloatArray();
        Emit(node, context, input, scales, null, null, node.Attributes.String("mode", "nearest"), "asymmetric", nearestMode: "floor");
    }

    private static void Emit(OnnxNode node, ImportContext context, Shape input, float[]? scales, long[]? sizes, float[]? roi, string mode, string transform, string? nearestMode = null)
    {
        int rank = input.Rank;
        if (sizes is null && scales is null)
        {
            throw context.Error(node, "needs scales or sizes");
        }
        if (node.Attributes.Has("axes") || node.Attributes.String("keep_aspect_ratio_policy", "stretch") != "stretch")
        {
            throw context.Unsupported(node, "axes / keep_aspect_ratio_policy");
        }
        if (mode is not ("nearest" or "linear" or "cubic" or "bilinear"))
        {
            throw context.Unsupported(node, $"mode '{mode}'");
        }
        if ((sizes?.Length ?? scales!.Length) != rank)
        {
            throw context.Error(node, $"scales/sizes need {rank} values");
        }
        sizes ??= input.Dims.Select((d, i) => (long)Math.Floor(d * (double)scales![i])).ToArray();
        scales ??= sizes.Select((s, i) => input[i] == 0 ? 1f : (float)s / input[i]).ToArray();
        roi ??= Enumerable.Repeat(0f, rank).Concat(Enumerable.Repeat(1f, rank)).ToArray();
        var attributes = IrAttributes.Empty
            .With("sizes", sizes)
            .With("scales", AttributeValue.Of(scales))
            .With("roi", AttributeValue.Of(roi))
            .With("mode", mode == "bilinear" ? "linear" : mode)
            .With("coordinate_transformation_mode", transform)
            .With("nearest_mode", nearestMode ?? node.Attributes.String("nearest_mode", "round_prefer_floor"))
            .With("cubic_coeff_a", node.Attributes.Float("cubic_coeff_a", -0.75f))
            .With("exclude_outside", node.Attributes.Int("exclude_outside", 0))
            .With("extrapolation_value", node.Attributes.Float("extrapolation_value", 0f));
        context.Emit(node, "Resize", [context.Input(node, 0)], [context.FirstOutput(node)], attributes);
    }

    /// <summary>
    /// ConvTranspose with explicit pads: output_shape (or SAME auto_pad, whose output is input · stride) determines the
    /// total padding, split as the ONNX operator description says.
    /// </summary>
    public static void ConvTranspose(OnnxNode node, int opset, ImportContext context)
    {
        var x = context.InputShape(node, 0);
        var w = context.InputShape(node, 1);
        int k = x.Rank - 2;
        if (k < 1 || w.Rank != x.Rank)
        {
            throw context.Error(node, $"needs an input of rank ≥ 3 and a weight of the same rank, got {x} and {w}");
        }
        var a = node.Attributes;
        var kernel = a.Ints("kernel_shape") ?? w.Dims.Skip(2).ToArray();
        var strides = a.Ints("strides") ?? Ones(k);
        var dilations = a.Ints("dilations") ?? Ones(k);
        var outputPadding = a.Ints("output_padding") ?? new long[k];
        var pads = a.Ints("pads") ?? new long[2 * k];
        string autoPad = a.String("auto_pad", "NOTSET");
        var outputShape = a.Ints("output_shape");
        if (outputShape is { Length: > 0 } && outputShape.Length == k + 2)
        {
            outputShape = outputShape.Skip(2).ToArray();
        }
        if (outputShape is null && autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            outputShape = Enumerable.Range(0, k).Select(i => x[i + 2] * strides[i]).ToArray();
        }
        if (outputShape is not null)
        {
            pads = new long[2 * k];
            for (int i = 0; i < k; i++)
            {
                long total = strides[i] * (x[i + 2] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - outputShape[i];
                bool lower = autoPad == "SAME_LOWER";
                pads[i] = lower ? total - total / 2 : total / 2;
                pads[i + k] = total - pads[i];
            }
        }
        else if (autoPad == "VALID")
        {
            pads = new long[2 * k];
        }
        var attributes = IrAttributes.Empty
            .With("kernel_shape", kernel).With("strides", strides).With("dilations", dilations)
            .With("pads", pads).With("output_padding", outputPadding).With("group", a.Int("group", 1));
        context.EmitDirect(node, "ConvTranspose", attributes, inputCount: 3);
    }

    /// <summary>GridSample: opset 16 spells the modes bilinear/bicubic, opset 20 linear/cubic; the IR uses the latter.</summary>
    public static void GridSample(OnnxNode node, int opset, ImportContext context)
    {
        string mode = node.Attributes.String("mode", opset < 20 ? "bilinear" : "linear") switch
        {
            "bilinear" => "linear",
            "bicubic" => "cubic",
            var other => other,
        };
        if (mode is not ("linear" or "nearest" or "cubic"))
        {
            throw context.Unsupported(node, $"mode '{mode}'");
        }
        string padding = node.Attributes.String("padding_mode", "zeros");
        if (padding is not ("zeros" or "border" or "reflection"))
        {
            throw context.Unsupported(node, $"padding_mode '{padding}'");
        }
        var attributes = IrAttributes.Empty
            .With("mode", mode)
            .With("padding_mode", padding)
            .With("align_corners", node.Attributes.Int("align_corners", 0));
        context.EmitDirect(node, "GridSample", attributes, inputCount: 2);
    }

    /// <summary>RoiAlign: opset 10 had only the output_half_pixel coordinates, opset 16 added half_pixel as the default.</summary>
    public static void RoiAlign(OnnxNode node, int opset, ImportContext context)
    {
        var a = node.Attributes;
        var attributes = IrAttributes.Empty
            .With("mode", a.String("mode", "avg"))
            .With("output_height", a.Int("output_height", 1))
            .With("output_width", a.Int("output_width", 1))
            .With("sampling_ratio", a.Int("sampling_ratio", 0))
            .With("spatial_scale", a.Float("spatial_scale", 1f))
            .With("coordinate_transformation_mode", opset < 16 ? "output_half_pixel" : a.String("coordinate_transformation_mode", "half_pixel"));
        context.EmitDirect(node, "RoiAlign", attributes, inputCount: 3);
    }

    private static long[] Ones(int count) => Enumerable.Repeat(1L, count).ToArray();
}
