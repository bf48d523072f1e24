using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
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
/// The one place that decides which <see cref="ConvAlgorithm"/> a convolution gets, in this order: the backend option
/// <c>Pipeline:Backend:ConvAlgorithm</c> when it forces one (for tests and benchmarks), else the entry of a tuning log
/// (<c>compile --tuning</c>, read by <see cref="ConvTuning"/>) for the conv's shape, else the built-in table of
/// measured winners below, else direct. Whatever is chosen must fit the shape, or the conv stays direct.
/// </summary>
internal static class ConvAlgorithms
{
    /// <summary>The configuration key, named in every error about it.</summary>
    public const string Setting = "Pipeline:Backend:ConvAlgorithm";

    /// <summary>The accepted values, in the order the errors list them.</summary>
    public static readonly ImmutableArray<string> Names = ["auto", "direct", "winograd2", "winograd4", "winograd6"];

    /// <summary>
    /// The measured defaults for <c>auto</c> without a tuning log: the 3×3 stride-1 layers of ResNet18 and ResNet50,
    /// each with the variant whose time / direct time in the same round was best over three alternated rounds per model
    /// in Wasmtime on this machine kind, and below 1 in every round (ranges below: ResNet18; docs/performance.md,
    /// "Winograd convolution", has both models), and the majority choice of six <c>wasmgraph tune</c> runs on ResNet50, whose four shapes are ResNet18's
    /// (docs/performance.md, "Tuning"). F(6,3) was close to F(4,3) at 56×56 but not consistently better. Shapes not
    /// listed stay direct.
    /// </summary>
    private static readonly FrozenDictionary<ConvShape, ConvAlgorithm> Measured = new Dictionary<ConvShape, ConvAlgorithm>
    {
        [ConvShape.Same3x3(64, 56)] = ConvAlgorithm.Winograd4,     // 0.20–0.47 (F(2,3) 0.25–0.69)
        [ConvShape.Same3x3(128, 28)] = ConvAlgorithm.Winograd4,    // 0.10–0.42 (F(2,3) 0.39–0.60)
        [ConvShape.Same3x3(256, 14)] = ConvAlgorithm.Winograd4,    // 0.16–0.44 (F(2,3) 0.31–0.95)
        // 7×7: F(4,3) needs 2×2 tiles covering 8×8 and 4× the weight bytes (37.7 MB for 512×512), which dominate at
        // 49 pixels; F(2,3) has 1.8× the direct kernel's weight bytes.
        [ConvShape.Same3x3(512, 7)] = ConvAlgorithm.Winograd2,     // 0.29–0.81 (F(4,3) 0.51–1.10)
    }.ToFrozenDictionary();

    /// <summary>Null for <c>auto</c>, else the forced algorithm; anything else is a user error naming the setting.</summary>
    public static ConvAlgorithm? Parse(string? text)
    {
        var trimmed = text?.Trim().ToLowerInvariant();
        if (trimmed is null or "" or "auto")
        {
            return null;
        }
        if (TryParseName(trimmed) is { } algorithm)
        {
            return algorithm;
        }
        var closest = NameSuggestion.Closest(text!.Trim(), Names);
        var hint = closest is null ? "" : $"; did you mean '{closest}'?";
        throw new WasmGraphException($"{Setting} '{text}' is not an algorithm{hint} (known: {string.Join(", ", Names)})");
    }

    /// <summary>The algorithm of a lower-case name (<see cref="Name"/>), or null; <c>auto</c> is not an algorithm.</summary>
    public static ConvAlgorithm? TryParseName(string name) => name switch
    {
        "direct" => ConvAlgorithm.Direct,
        "winograd2" => ConvAlgorithm.Winograd2,
        "winograd4" => ConvAlgorithm.Winograd4,
        "winograd6" => ConvAlgorithm.Winograd6,
        _ => null,
    };

    /// <summary>The name the option, tuning logs and module metadata use: direct, winograd2, winograd4, winograd6.</summary>
    public static string Name(ConvAlgorithm algorithm) => algorithm.ToString().ToLowerInvariant();

    /// <summary>
    /// The algorithm for a conv of <paramref name="g"/>: the forced one where it fits (elsewhere direct), or under
    /// <c>auto</c> the tuning log's entry, else the measured table's, where it fits.
    /// </summary>
    public static ConvAlgorithm Choose(ConvGeometry g, ConvAlgorithm? forced, IReadOnlyDictionary<ConvShape, ConvAlgorithm>? tuned = null)
        => Decide(g, forced, tuned).Algorithm;

    /// <summary><see cref="Choose"/> and what decided it, for the module's metadata (<c>inspect</c>, <c>compile --verbose</c>).</summary>
    public static ConvChoice Decide(ConvGeometry g, ConvAlgorithm? forced, IReadOnlyDictionary<ConvShape, ConvAlgorithm>? tuned = null)
    {
        var shape = ConvShape.Of(g);
        var (wanted, by) = forced is { } f ? (f, ConvChoice.Forced)
                         : tuned is not null && tuned.TryGetValue(shape, out var fromLog) ? (fromLog, ConvChoice.Tuned)
                         : Measured.TryGetValue(shape, out var fromTable) ? (fromTable, ConvChoice.Table)
                         : (ConvAlgorithm.Direct, ConvChoice.Default);
        return Fits(g, wanted) ? new ConvChoice(wanted, by) : new ConvChoice(ConvAlgorithm.Direct, ConvChoice.Default);
    }

    /// <summary>The algorithms that fit <paramref name="g"/>, direct first: what the tuner measures.</summary>
    public static IReadOnlyList<ConvAlgorithm> Candidates(ConvGeometry g) => Enum.GetValues<ConvAlgorithm>().Where(a => Fits(g, a)).ToArray();

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

    /// <summary>Why <paramref name="algorithm"/> does not fit <paramref name="g"/>, for a refused tuning log entry.</summary>
    public static string Requirement(ConvAlgorithm algorithm)
        => $"{Name(algorithm)} needs a 3×3 kernel, stride 1, dilation 1, one group and an output of at least " +
           $"{WinogradTransform.For(algorithm).M}×{WinogradTransform.For(algorithm).M}";
}

/// <summary>A conv's algorithm and what decided it: <see cref="Forced"/>, <see cref="Tuned"/>, <see cref="Table"/> or <see cref="Default"/>.</summary>
internal readonly record struct ConvChoice(ConvAlgorithm Algorithm, string ChosenBy)
{
    public const string Forced = "forced";
    public const string Tuned = "tuned";
    public const string Table = "table";
    public const string Default = "default";
}

/// <summary>
/// What a 2-D convolution's algorithm choice depends on: channel counts, input plane, kernel, strides, dilations, pads
/// and groups. Not the batch: every algorithm runs its whole loop once per image, so the winner does not change with
/// it. <see cref="Key"/> is how tuning logs name it.
/// </summary>
internal readonly partial record struct ConvShape(long C, long M, long H, long W, long KH, long KW, long SH, long SW, long DH, long DW,
                                                  long PadTop, long PadLeft, long PadBottom, long PadRight, long Group)
{
    public static ConvShape Of(ConvGeometry g)
        => new(g.C, g.M, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW, g.PadTop, g.PadLeft, g.PadBottom, g.PadRight, g.Group);

    /// <summary>A square 3×3, stride-1, pad-1 conv from <paramref name="channels"/> to as many, keeping the plane <paramref name="size"/>.</summary>
    public static ConvShape Same3x3(long channels, long size) => new(channels, channels, size, size, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);

    /// <summary>The geometry of one image of this shape.</summary>
    public ConvGeometry Geometry()
        => new(1, C, H, W, M, (H + PadTop + PadBottom - DH * (KH - 1) - 1) / SH + 1, (W + PadLeft + PadRight - DW * (KW - 1) - 1) / SW + 1,
               KH, KW, SH, SW, DH, DW, PadTop, PadLeft, PadBottom, PadRight, Group);

    /// <summary>"conv2d C=64 M=64 H=56 W=56 K=3x3 S=1x1 D=1x1 P=1,1,1,1 G=1": the tuning log key.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"conv2d C={C} M={M} H={H} W={W} K={KH}x{KW} S={SH}x{SW} D={DH}x{DW} P={PadTop},{PadLeft},{PadBottom},{PadRight} G={Group}");

    [GeneratedRegex(@"^conv2d C=(\d{1,9}) M=(\d{1,9}) H=(\d{1,9}) W=(\d{1,9}) K=(\d{1,9})x(\d{1,9}) S=(\d{1,9})x(\d{1,9}) D=(\d{1,9})x(\d{1,9}) P=(\d{1,9}),(\d{1,9}),(\d{1,9}),(\d{1,9}) G=(\d{1,9})$")]
    private static partial Regex KeyPattern();

    /// <summary>The format of <see cref="Key"/>, for messages.</summary>
    public const string KeyFormat = "conv2d C=… M=… H=… W=… K=…x… S=…x… D=…x… P=…,…,…,… G=…";

    /// <summary>
    /// The shape a key names, or null when it is not one: wrong form, or numbers no convolution has (zero channels,
    /// strides or groups, channels not divisible by the groups, a kernel larger than the padded input).
    /// </summary>
    public static ConvShape? TryParse(string key)
    {
        var match = KeyPattern().Match(key);
        if (!match.Success)
        {
            return null;
        }
        var n = Enumerable.Range(1, 15).Select(i => long.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture)).ToArray();
        var shape = new ConvShape(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10], n[11], n[12], n[13], n[14]);
        bool valid = shape is { C: > 0, M: > 0, H: > 0, W: > 0, KH: > 0, KW: > 0, SH: > 0, SW: > 0, DH: > 0, DW: > 0, Group: > 0 }
                     && shape.C % shape.Group == 0 && shape.M % shape.Group == 0
                     && shape.H + shape.PadTop + shape.PadBottom >= shape.DH * (shape.KH - 1) + 1
                     && shape.W + shape.PadLeft + shape.PadRight >= shape.DW * (shape.KW - 1) + 1;
        return valid ? shape : null;
    }
}
