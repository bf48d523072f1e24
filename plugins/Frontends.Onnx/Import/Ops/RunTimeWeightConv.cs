using WasmGraph.Abstractions.Ir;
using IrAttributes = WasmGraph.Abstractions.Ir.Attributes;

namespace WasmGraph.Frontends.Onnx.Import.Ops;

/// <summary>
/// A convolution whose weights are a run-time value (a graph input, or computed from one): the non-packed path. The
/// backend's Conv kernels pack their weights at compile time, so such a Conv is written as other ops instead: pad x,
/// gather every receptive field into columns (im2col, through one constant index table computed here), multiply by
/// the weights reshaped to [group, M/group, C/group·∏kernel] with a batched MatMul, and reshape to the output. It is
/// slower than the packed kernels and its index table grows with the output (refused above
/// <see cref="MaxIndexElements"/>), but it works for every rank, stride, dilation, padding and group count.
/// </summary>
internal static class RunTimeWeightConv
{
    /// <summary>The largest im2col index table (int64 entries) this path builds: 32 MiB of module data.</summary>
    public const long MaxIndexElements = 1 << 22;

    /// <summary>Conv(x, w) + bias with the canonical Conv <paramref name="attributes"/>; returns the output value.</summary>
    public static string Emit(Decomposer d, OnnxNode node, ImportContext context, string x, string w, string? bias, IrAttributes attributes, string? output = null)
    {
        var xShape = d.ShapeOf(x);
        var wShape = d.ShapeOf(w);
        int spatial = xShape.Rank - 2;
        var kernel = attributes.GetInts("kernel_shape").ToArray();
        var strides = attributes.GetInts("strides").ToArray();
        var dilations = attributes.GetInts("dilations").ToArray();
        var pads = attributes.GetInts("pads").ToArray();
        long group = attributes.GetInt("group");
        long batch = xShape[0], channels = xShape[1], filters = wShape[0];
        if (group < 1 || channels % group != 0 || filters % group != 0 || wShape[1] != channels / group)
        {
            throw context.Error(node, $"group {group} does not divide input {xShape} and weights {wShape}");
        }
        var padded = new long[spatial];
        var outDims = new long[spatial];
        for (int i = 0; i < spatial; i++)
        {
            padded[i] = xShape[i + 2] + pads[i] + pads[i + spatial];
            long span = dilations[i] * (kernel[i] - 1) + 1;
            outDims[i] = padded[i] < span ? 0 : (padded[i] - span) / strides[i] + 1;
        }
        long kernelSize = kernel.Aggregate(1L, (a, b) => a * b);
        long outSize = outDims.Aggregate(1L, (a, b) => a * b);
        long paddedSize = padded.Aggregate(1L, (a, b) => a * b);
        long channelsPerGroup = channels / group;
        long rows = channelsPerGroup * kernelSize;
        long tableSize = group * rows * outSize;
        if (tableSize > MaxIndexElements)
        {
            throw context.Unsupported(node, $"the weights are computed at run time, and gathering {tableSize} input positions (im2col) exceeds the limit of {MaxIndexElements}; "
                + "make the weights an initializer, or freeze them with --bind");
        }

        string source = x;
        if (pads.Any(p => p != 0))
        {
            var full = new long[2 * xShape.Rank];
            for (int i = 0; i < spatial; i++)
            {
                full[i + 2] = pads[i];
                full[i + 2 + xShape.Rank] = pads[i + spatial];
            }
            source = d.Op("Pad", [x], IrAttributes.Empty.With("pads", full).With("mode", "constant").With("value", 0f));
        }
        string flat = d.Reshape(source, [batch, channels * paddedSize]);
        string table = d.Constant(TensorData.FromInt64s(new Shape(group, rows, outSize), IndexTable(group, channelsPerGroup, kernel, strides, dilations, padded, outDims)), "im2col");
        string columns = d.Op("Gather", [flat, table], IrAttributes.Empty.With("axis", 1L));           // [N, g, rows, out]
        string weights = d.Reshape(w, [group, filters / group, rows]);
        string product = d.MatMul(weights, columns);                                                      // [N, g, M/g, out]
        var outShape = new long[xShape.Rank];
        outShape[0] = batch;
        outShape[1] = filters;
        outDims.CopyTo(outShape, 2);
        if (bias is null)
        {
            return d.Reshape(product, outShape, output);
        }
        var biasShape = Enumerable.Repeat(1L, xShape.Rank - 1).ToArray();
        biasShape[0] = filters;
        return d.Add(d.Reshape(product, outShape), d.Reshape(bias, biasShape), output);
    }

    /// <summary>
    /// For group g, row (c, k₁…kₙ) and output position (o₁…oₙ): the flat index, within one image of the padded input,
    /// of channel g·C/group + c at position oᵢ·strideᵢ + kᵢ·dilationᵢ.
    /// </summary>
    private static long[] IndexTable(long group, long channelsPerGroup, long[] kernel, long[] strides, long[] dilations, long[] padded, long[] outDims)
    {
        int spatial = kernel.Length;
        long kernelSize = kernel.Aggregate(1L, (a, b) => a * b);
        long outSize = outDims.Aggregate(1L, (a, b) => a * b);
        long paddedSize = padded.Aggregate(1L, (a, b) => a * b);
        var table = new long[group * channelsPerGroup * kernelSize * outSize];
        var k = new long[spatial];
        var o = new long[spatial];
        long next = 0;
        for (long g = 0; g < group; g++)
        {
            for (long c = 0; c < channelsPerGroup; c++)
            {
                for (long kIndex = 0; kIndex < kernelSize; kIndex++)
                {
                    Unravel(kIndex, kernel, k);
                    for (long oIndex = 0; oIndex < outSize; oIndex++)
                    {
                        Unravel(oIndex, outDims, o);
                        long position = 0;
                        for (int i = 0; i < spatial; i++)
                        {
                            position = position * padded[i] + o[i] * strides[i] + k[i] * dilations[i];
                        }
                        table[next++] = (g * channelsPerGroup + c) * paddedSize + position;
                    }
                }
            }
        }
        return table;
    }

    private static void Unravel(long linear, long[] dims, long[] index)
    {
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            index[i] = linear % dims[i];
            linear /= dims[i];
        }
    }
}
