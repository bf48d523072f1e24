using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using static WasmGraph.Abstractions.Ops.ShapeMath;

namespace WasmGraph.Abstractions.Ops;

/// <summary>Fourier transforms: DFT along one axis and the framed STFT. Complex values are a trailing axis of 2.</summary>
public static partial class StandardOps
{
    public static IEnumerable<OpDefinition> Spectral()
    {
        yield return new OpDefinition("DFT", FusionKind.Opaque, InferDft, "discrete Fourier transform (or its inverse) along one axis")
        {
            RequiredAttributes = ["axis", "dft_length", "inverse", "onesided"],
        };
        yield return new OpDefinition("STFT", FusionKind.Opaque, InferStft, "short-time Fourier transform of windowed frames")
        {
            RequiredAttributes = ["frame_step", "frame_length", "onesided"],
        };
    }

    /// <summary>X [..., n, ..., 1|2] → [..., dft_length (or dft_length/2 + 1 if onesided), ..., 2].</summary>
    private static ImmutableArray<TensorType> InferDft(InferenceContext c)
    {
        var x = c.Input(0);
        var a = c.Attributes;
        long axis = a.GetInt("axis"), length = a.GetInt("dft_length");
        bool onesided = a.GetInt("onesided") != 0;
        if (x.Shape.Rank < 2 || x.Shape[x.Shape.Rank - 1] is not (1 or 2) || axis < 0 || axis > x.Shape.Rank - 2 || length < 1)
        {
            throw c.Error($"input {x.Shape} needs a trailing real/complex axis of 1 or 2, an axis in [0, rank − 2] (got {axis}) and dft_length ≥ 1");
        }
        if (onesided && (x.Shape[x.Shape.Rank - 1] == 2 || a.GetInt("inverse") != 0))
        {
            throw c.Error("onesided output needs real input and a forward transform");
        }
        var dims = x.Shape.Dims.SetItem((int)axis, onesided ? length / 2 + 1 : length).SetItem(x.Shape.Rank - 1, 2);
        return One(x.ElementType, new Shape(dims));
    }

    /// <summary>signal [batch, length, 1|2], [window [frame_length]] → [batch, frames, bins, 2].</summary>
    private static ImmutableArray<TensorType> InferStft(InferenceContext c)
    {
        var signal = c.Input(0);
        var a = c.Attributes;
        long step = a.GetInt("frame_step"), frame = a.GetInt("frame_length");
        bool onesided = a.GetInt("onesided") != 0;
        if (signal.Shape.Rank != 3 || signal.Shape[2] is not (1 or 2) || step < 1 || frame < 1 || frame > signal.Shape[1])
        {
            throw c.Error($"signal {signal.Shape} must be [batch, length, 1|2] with 1 ≤ frame_length ≤ length and frame_step ≥ 1");
        }
        if (c.HasInput(1) && c.Input(1).Shape != new Shape(frame))
        {
            throw c.Error($"window must have shape [{frame}], got {c.Input(1).Shape}");
        }
        if (onesided && signal.Shape[2] == 2)
        {
            throw c.Error("onesided output needs a real signal");
        }
        long frames = (signal.Shape[1] - frame) / step + 1;
        return One(signal.ElementType, new Shape(signal.Shape[0], frames, onesided ? frame / 2 + 1 : frame, 2));
    }
}
