using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Convolution()
    {
        yield return new OpDefinition("Conv", FusionKind.OutElementwiseFusable, InferConv, "N-d convolution with groups, dilations, explicit pads")
        {
            RequiredAttributes = ["kernel_shape", "strides", "dilations", "pads", "group"],
            FusedForm = FusedOps.Conv,
        };
    }

    private static ImmutableArray<TensorType> InferConv(InferenceContext c)
        => c.HasInput(FusedOps.ResidualInput)
            ? throw c.Error($"Conv takes X, W and B; a residual input makes it {FusedOps.Conv}")
            : InferConvOperands(c);

    /// <summary>X, W and B, shared with FusedConv.</summary>
    private static ImmutableArray<TensorType> InferConvOperands(InferenceContext c)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        int k = x.Shape.Rank - 2;
        if (k < 1)
        {
            throw c.Error($"input must have rank ≥ 3 (N, C, spatial…), got {x.Shape}");
        }
        if (w.Shape.Rank != x.Shape.Rank)
        {
            throw c.Error($"weight rank {w.Shape.Rank} differs from input rank {x.Shape.Rank}");
        }
        var a = c.Attributes;
        var kernel = a.GetInts("kernel_shape");
        var strides = a.GetInts("strides");
        var dilations = a.GetInts("dilations");
        var pads = a.GetInts("pads");
        long group = a.GetInt("group");
        if (kernel.Length != k || strides.Length != k || dilations.Length != k || pads.Length != 2 * k)
        {
            throw c.Error($"kernel_shape/strides/dilations need {k} values and pads {2 * k}");
        }
        if (group < 1 || x.Shape[1] % group != 0 || w.Shape[0] % group != 0)
        {
            throw c.Error($"group {group} must divide input channels {x.Shape[1]} and output channels {w.Shape[0]}");
        }
        if (w.Shape[1] * group != x.Shape[1])
        {
            throw c.Error($"weight expects {w.Shape[1] * group} input channels, input has {x.Shape[1]}");
        }
        if (c.HasInput(2) && c.Input(2).Shape != new Shape(w.Shape[0]))
        {
            throw c.Error($"bias must have shape [{w.Shape[0]}], got {c.Input(2).Shape}");
        }
        var dims = new long[k + 2];
        dims[0] = x.Shape[0];
        dims[1] = w.Shape[0];
        for (int i = 0; i < k; i++)
        {
            if (kernel[i] != w.Shape[i + 2])
            {
                throw c.Error($"kernel_shape {kernel[i]} disagrees with weight shape {w.Shape}");
            }
            if (strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + k] < 0)
            {
                throw c.Error("strides and dilations must be ≥ 1 and pads ≥ 0");
            }
            dims[i + 2] = WindowOutput(x.Shape[i + 2], kernel[i], strides[i], dilations[i], pads[i], pads[i + k], ceilMode: false);
        }
        return One(x.ElementType, new Shape(dims));
    }
}
