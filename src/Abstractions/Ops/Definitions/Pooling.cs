using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Pooling()
    {
        yield return new OpDefinition("MaxPool", FusionKind.Reduction, InferMaxPool, "max over windows, with dilations and ceil_mode; optional int64 argmax Indices")
        {
            RequiredAttributes = ["kernel_shape", "strides", "dilations", "pads", "ceil_mode"],
        };
        yield return new OpDefinition("AveragePool", FusionKind.Reduction, InferPool, "mean over windows, with count_include_pad and ceil_mode")
        {
            RequiredAttributes = ["kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad"],
        };
        yield return new OpDefinition("GlobalAveragePool", FusionKind.Reduction, InferGlobalPool, "mean over all spatial positions");
        yield return new OpDefinition("MaxUnpool", FusionKind.Opaque, InferMaxUnpool, "scatter pooled values back to their argmax positions, zeros elsewhere")
        {
            RequiredAttributes = ["kernel_shape", "strides", "pads", "output_shape"],
        };
    }

    /// <summary>X [N, C, spatial…] and int64 indices of the same shape → output_shape (resolved by the frontend).</summary>
    private static ImmutableArray<TensorType> InferMaxUnpool(InferenceContext c)
    {
        var x = c.Input(0);
        var indices = c.Input(1);
        var shape = c.Attributes.GetInts("output_shape");
        if (indices.ElementType != DataType.Int64 || indices.Shape != x.Shape)
        {
            throw c.Error($"indices must be int64 of the input's shape {x.Shape}, got {indices}");
        }
        if (x.Shape.Rank < 3 || shape.Length != x.Shape.Rank || shape[0] != x.Shape[0] || shape[1] != x.Shape[1] || shape.Any(d => d < 0))
        {
            throw c.Error($"output_shape [{string.Join(",", shape)}] must keep N and C of {x.Shape}");
        }
        return One(x.ElementType, new Shape(shape.ToArray()));
    }

    /// <summary>As <see cref="InferPool"/>, plus the int64 Indices output when the node has a second output.</summary>
    private static ImmutableArray<TensorType> InferMaxPool(InferenceContext c)
    {
        var values = InferPool(c);
        if (c.Attributes.GetInt("storage_order", 0) is not (0 or 1))
        {
            throw c.Error("storage_order must be 0 (row-major) or 1 (column-major)");
        }
        return c.Node.Outputs.Length > 1 ? values.Add(new TensorType(DataType.Int64, values[0].Shape)) : values;
    }

    private static ImmutableArray<TensorType> InferPool(InferenceContext c)
    {
        var x = c.Input(0);
        int k = x.Shape.Rank - 2;
        if (k < 1)
        {
            throw c.Error($"input must have rank ≥ 3 (N, C, spatial…), got {x.Shape}");
        }
        var a = c.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetIntsOrNull("dilations") ?? Enumerable.Repeat(1L, k).ToImmutableArray();
        var pads = a.GetInts("pads");
        bool ceil = a.GetInt("ceil_mode") != 0;
        if (kernel.Length != k || strides.Length != k || dilations.Length != k || pads.Length != 2 * k)
        {
            throw c.Error($"kernel_shape/strides/dilations need {k} values and pads {2 * k}");
        }
        var dims = new long[k + 2];
        dims[0] = x.Shape[0];
        dims[1] = x.Shape[1];
        for (int i = 0; i < k; i++)
        {
            if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + k] < 0)
            {
                throw c.Error("kernel, strides and dilations must be ≥ 1 and pads ≥ 0");
            }
            if (pads[i] >= kernel[i] || pads[i + k] >= kernel[i])
            {
                throw c.Error($"pads {pads[i]},{pads[i + k]} must be smaller than the kernel {kernel[i]}");
            }
            dims[i + 2] = WindowOutput(x.Shape[i + 2], kernel[i], strides[i], dilations[i], pads[i], pads[i + k], ceil);
        }
        return One(x.ElementType, new Shape(dims));
    }

    private static ImmutableArray<TensorType> InferGlobalPool(InferenceContext c)
    {
        var x = c.Input(0);
        if (x.Shape.Rank < 3)
        {
            throw c.Error($"input must have rank ≥ 3, got {x.Shape}");
        }
        var dims = x.Shape.Dims.Select((d, i) => i < 2 ? d : 1).ToArray();
        return One(x.ElementType, new Shape(dims));
    }
}
