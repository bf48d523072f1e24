using System.Globalization;
using WasmGraph.Abstractions;

namespace WasmGraph.Host.IO;

public enum TensorLayout
{
    NCHW,
    NHWC,
}

public enum ChannelOrder
{
    RGB,
    BGR,
}

/// <summary>
/// How an image becomes a tensor: <c>value = (pixel * Scale - Mean[c]) / Std[c]</c>, channels in <see cref="Order"/>,
/// laid out as <see cref="Layout"/>. Defaults come from the module's metadata hints, then from the ImageNet convention
/// that most classifiers use (scale 1/255, ImageNet mean and std, RGB, NCHW); command-line flags override both.
/// </summary>
public sealed record ImagePreprocessing
{
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    public TensorLayout Layout { get; init; } = TensorLayout.NCHW;
    public ChannelOrder Order { get; init; } = ChannelOrder.RGB;
    public float Scale { get; init; } = 1f / 255f;
    public float[] Mean { get; init; } = ImageNetMean;
    public float[] Std { get; init; } = ImageNetStd;

    /// <summary>
    /// Defaults for an input of <paramref name="shape"/> given the module's hints. Without a layout hint, a rank-4 shape
    /// with 1 or 3 channels last and not second is taken as NHWC (as BlazeFace's [1,128,128,3]); otherwise NCHW.
    /// Each image hint present is checked against <see cref="HintSchema"/> (a module may be hand-made), and a bad one is
    /// an error that starts with <paramref name="source"/> (the module's file name at <c>run</c>); unknown hints are
    /// ignored, as a newer compiler may add some. A caller whose flag replaces a hint removes that hint first.
    /// </summary>
    public static ImagePreprocessing FromHints(IReadOnlyDictionary<string, string> hints, IReadOnlyList<long> shape, string source = "hint")
    {
        foreach (var key in HintSchema.ImageKeys.Where(hints.ContainsKey))
        {
            HintSchema.Check(key, hints[key], source);
        }
        string What(string key) => $"{source} {key}={HintSchema.Printable(hints[key])}";
        var result = new ImagePreprocessing();
        if (hints.TryGetValue(HintSchema.Layout, out var layout))
        {
            result = result with { Layout = ParseLayout(layout, What(HintSchema.Layout)) };
        }
        else if (shape.Count == 4 && shape[1] is not (1 or 3) && shape[3] is 1 or 3)
        {
            result = result with { Layout = TensorLayout.NHWC };
        }
        if (hints.TryGetValue(HintSchema.ChannelOrder, out var order))
        {
            result = result with { Order = ParseOrder(order, What(HintSchema.ChannelOrder)) };
        }
        if (hints.TryGetValue(HintSchema.Scale, out var scale))
        {
            result = result with { Scale = ParseScale(scale, What(HintSchema.Scale)) };
        }
        if (hints.TryGetValue(HintSchema.Mean, out var mean))
        {
            result = result with { Mean = ParseChannelValues(mean, What(HintSchema.Mean), positive: false) };
        }
        if (hints.TryGetValue(HintSchema.Std, out var std))
        {
            result = result with { Std = ParseChannelValues(std, What(HintSchema.Std), positive: true) };
        }
        return result;
    }

    public static TensorLayout ParseLayout(string text, string what)
        => ParseName<TensorLayout>(text) is { } l
            ? l
            : throw new WasmGraphException($"{what}: layout must be NCHW or NHWC, not '{HintSchema.Printable(text)}'");

    public static ChannelOrder ParseOrder(string text, string what)
        => ParseName<ChannelOrder>(text) is { } o
            ? o
            : throw new WasmGraphException($"{what}: channel order must be RGB or BGR, not '{HintSchema.Printable(text)}'");

    /// <summary>One of the enum's names, any case; not Enum.TryParse, which also takes numbers and comma-separated lists.</summary>
    private static T? ParseName<T>(string text) where T : struct, Enum
        => Enum.GetValues<T>().Select(v => (T?)v).FirstOrDefault(v => v.ToString()!.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Accepts a positive finite number or a fraction such as <c>1/255</c>.</summary>
    public static float ParseScale(string text, string what)
    {
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        var numbers = new float[parts.Length];
        if (parts.Length is 1 or 2 && parts.Select((p, i) => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i])).All(ok => ok))
        {
            float value = parts.Length == 2 ? numbers[0] / numbers[1] : numbers[0];
            if (float.IsFinite(value) && value > 0)
            {
                return value;
            }
        }
        throw new WasmGraphException($"{what}: scale must be a positive number or a fraction like 1/255, not '{HintSchema.Printable(text)}'");
    }

    /// <summary>
    /// One value for every channel or one per channel (images give 1 or 3), each finite, and each positive where it is
    /// divided by (<paramref name="positive"/>: std).
    /// </summary>
    public static float[] ParseChannelValues(string text, string what, bool positive)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new WasmGraphException($"{what}: no values given");
        }
        if (parts.Length is not (1 or 3))
        {
            throw new WasmGraphException($"{what}: {parts.Length} values; give one per channel (3) or one for all");
        }
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
            {
                throw new WasmGraphException($"{what}: '{HintSchema.Printable(parts[i])}' is not a finite number (expected comma-separated values like 0.485,0.456,0.406)");
            }
            if (positive && values[i] <= 0)
            {
                throw new WasmGraphException($"{what}: {parts[i]} is not positive, and each pixel is divided by it");
            }
        }
        return values;
    }

    /// <summary>The per-channel value of <paramref name="values"/>: a single value applies to every channel.</summary>
    internal static float PerChannel(float[] values, int channel, string what)
        => values.Length == 1 ? values[0]
            : channel < values.Length ? values[channel]
            : throw new WasmGraphException($"{what} has {values.Length} values but the input has more channels");
}
