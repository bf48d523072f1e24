using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Frontends.Onnx.Import;

/// <summary>
/// The sliding-window attributes shared by Conv and the pooling ops, with ONNX defaults filled in and
/// <c>auto_pad</c> resolved into explicit pads (all begins, then all ends) as the canonical form requires.
/// </summary>
internal sealed record WindowAttributes(long[] Kernel, long[] Strides, long[] Dilations, long[] Pads)
{
    /// <summary>The spatial dimensions of an N, C, spatial… shape: what a window slides over.</summary>
    public static long[] SpatialDims(Shape shape) => shape.Dims.Skip(2).ToArray();

    public static WindowAttributes Resolve(OnnxNode node, ImportContext context, long[] kernel, IReadOnlyList<long> spatialInput)
    {
        int k = spatialInput.Count;
        var attributes = node.Attributes;
        if (kernel.Length != k)
        {
            throw context.Error(node, $"kernel_shape has {kernel.Length} values, the input has {k} spatial dimensions");
        }
        var strides = attributes.Ints("strides") ?? Ones(k);
        var dilations = attributes.Ints("dilations") ?? Ones(k);
        if (strides.Length != k || dilations.Length != k)
        {
            throw context.Error(node, $"strides and dilations need {k} values");
        }
        if (strides.Any(s => s < 1) || dilations.Any(d => d < 1))
        {
            throw context.Error(node, "strides and dilations must be at least 1");
        }
        var autoPad = attributes.String("auto_pad", "NOTSET");
        var pads = autoPad switch
        {
            "NOTSET" => attributes.Ints("pads") ?? new long[2 * k],
            "VALID" => new long[2 * k],
            "SAME_UPPER" => SamePads(kernel, strides, dilations, spatialInput, extraAtEnd: true),
            "SAME_LOWER" => SamePads(kernel, strides, dilations, spatialInput, extraAtEnd: false),
            _ => throw context.Error(node, $"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"),
        };
        if (pads.Length != 2 * k)
        {
            throw context.Error(node, $"pads has {pads.Length} values, expected {2 * k}");
        }
        return new WindowAttributes(kernel, strides, dilations, pads);
    }

    /// <summary>
    /// SAME padding: the output has ceil(input / stride) positions and the total padding that needs is split in two;
    /// an odd remainder goes to the end (SAME_UPPER) or the beginning (SAME_LOWER).
    /// </summary>
    private static long[] SamePads(long[] kernel, long[] strides, long[] dilations, IReadOnlyList<long> input, bool extraAtEnd)
    {
        int k = input.Count;
        var pads = new long[2 * k];
        for (int i = 0; i < k; i++)
        {
            long output = (input[i] + strides[i] - 1) / strides[i];
            long effectiveKernel = (kernel[i] - 1) * dilations[i] + 1;
            long total = Math.Max(0, (output - 1) * strides[i] + effectiveKernel - input[i]);
            long small = total / 2;
            pads[i] = extraAtEnd ? small : total - small;
            pads[i + k] = total - pads[i];
        }
        return pads;
    }

    private static long[] Ones(int count) => Enumerable.Repeat(1L, count).ToArray();
}
