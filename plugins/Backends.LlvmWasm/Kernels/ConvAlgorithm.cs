using System.Collections.Frozen;
using System.Collections.Immutable;
using WasmGraph.Abstractions;

namespace WasmGraph.Backends.LlvmWasm.Kernels;

/// <summary>How a 2-D convolution is computed. Every conv can be <see cref="Direct"/>; the Winograd variants only fit
/// the shapes <see cref="ConvAlgorithms.Fits"/> accepts.</summary>
internal enum ConvAlgorithm
{
    /// <summary>The register-blocked direct kernel (<see cref="ConvKernel"/>).</summary>
    Direct,

    /// <summary>Winograd F(2×2, 3×3): 16 multiplies per 4 outputs instead of 36 (2.25× fewer).</summary>
    Winograd2,

    /// <summary>Winograd F(4×4, 3×3): 36 multiplies per 16 outputs instead of 144 (4× fewer).</summary>
    Winograd4,

    /// <summary>Winograd F(6×6, 3×3): 64 multiplies per 36 outputs instead of 324 (5.06× fewer), and the least accurate.</summary>
    Winograd6,
}

/// <summary>
/// The one place that decides which <see cref="ConvAlgorithm"/> a convolution gets: the backend option
/// <c>Pipeline:Backend:ConvAlgorithm</c> (<c>auto</c>, or one algorithm forced for every conv it fits, for tests and
/// benchmarks) and, for <c>auto</c>, a table of measured winners keyed by <see cref="ConvShape"/>, which a tuner can
/// replace. Shapes not in the table stay direct.
/// </summary>
internal static class ConvAlgorithms
{
    /// <summary>The configuration key, named in every error about it.</summary>
    public const string Setting = "Pipeline:Backend:ConvAlgorithm";

    /// <summary>The accepted values, in the order the errors list them.</summary>
    public static readonly ImmutableArray<string> Names = ["auto", "direct", "winograd2", "winograd4", "winograd6"];

    /// <summary>
    /// The measured defaults for <c>auto</c>: the 3×3 stride-1 layers of ResNet18 and ResNet50, each with the variant
    /// whose time / direct time in the same round was best over three alternated rounds per model in Wasmtime on this
    /// machine kind, and below 1 in every round (ranges below: ResNet18; docs/performance.md, "Winograd convolution",
    /// has both models). F(6,3) was close to F(4,3) at 56×56 but not consistently better. Shapes not listed stay direct.
    /// </summary>
    private static readonly FrozenDictionary<ConvShape, ConvAlgorithm> Measured = new Dictionary<ConvShape, ConvAlgorithm>
    {
        [new(64, 64, 56, 56, 1, 1, 1, 1)] = ConvAlgorithm.Winograd4,     // 0.20–0.47 (F(2,3) 0.25–0.69)
        [new(128, 128, 28, 28, 1, 1, 1, 1)] = ConvAlgorithm.Winograd4,   // 0.10–0.42 (F(2,3) 0.39–0.60)
        [new(256, 256, 14, 14, 1, 1, 1, 1)] = ConvAlgorithm.Winograd4,   // 0.16–0.44 (F(2,3) 0.31–0.95)
        // 7×7: F(4,3) needs 2×2 tiles covering 8×8 and 4× the weight bytes (37.7 MB for 512×512), which dominate at
        // 49 pixels; F(2,3) has 1.8× the direct kernel's weight bytes.
        [new(512, 512, 7, 7, 1, 1, 1, 1)] = ConvAlgorithm.Winograd2,     // 0.29–0.81 (F(4,3) 0.51–1.10)
    }.ToFrozenDictionary();

    /// <summary>Null for <c>auto</c>, else the forced algorithm; anything else is a user error naming the setting.</summary>
    public static ConvAlgorithm? Parse(string? text)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                return null;
            case "direct":
                return ConvAlgorithm.Direct;
            case "winograd2":
                return ConvAlgorithm.Winograd2;
            case "winograd4":
                return ConvAlgorithm.Winograd4;
            case "winograd6":
                return ConvAlgorithm.Winograd6;
            default:
                var closest = NameSuggestion.Closest(text.Trim(), Names);
                var hint = closest is null ? "" : $"; did you mean '{closest}'?";
                throw new WasmGraphException($"{Setting} '{text}' is not an algorithm{hint} (known: {string.Join(", ", Names)})");
        }
    }

    /// <summary>
    /// The algorithm for a conv of <paramref name="g"/>: the forced one where it fits (elsewhere direct), or under
    /// <c>auto</c> the measured table's entry where it fits.
    /// </summary>
    public static ConvAlgorithm Choose(ConvGeometry g, ConvAlgorithm? forced)
    {
        var wanted = forced ?? Measured.GetValueOrDefault(ConvShape.Of(g), ConvAlgorithm.Direct);
        return Fits(g, wanted) ? wanted : ConvAlgorithm.Direct;
    }

    /// <summary>
    /// Winograd F(m×m, 3×3) covers 2-D 3×3 convs with stride 1, dilation 1 and one group, any channel counts and pads,
    /// whose output is at least one m×m tile in each direction (edge tiles are shifted inward to stay inside it).
    /// </summary>
    public static bool Fits(ConvGeometry g, ConvAlgorithm algorithm)
    {
        if (algorithm == ConvAlgorithm.Direct)
        {
            return true;
        }
        long m = WinogradTransform.For(algorithm).M;
        return g is { KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Group: 1 } && g.OH >= m && g.OW >= m;
    }
}

/// <summary>What the algorithm choice depends on: the channel counts, the input plane and the pads (stride 1, 3×3).</summary>
internal readonly record struct ConvShape(long C, long M, long H, long W, long PadTop, long PadLeft, long PadBottom, long PadRight)
{
    public static ConvShape Of(ConvGeometry g) => new(g.C, g.M, g.H, g.W, g.PadTop, g.PadLeft, g.PadBottom, g.PadRight);
}
