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
    /// </summary>
    public static ImagePreprocessing FromHints(IReadOnlyDictionary<string, string> hints, IReadOnlyList<long> shape)
    {
        var result = new ImagePreprocessing();
        if (hints.TryGetValue("layout", out var layout))
        {
            result = result with { Layout = ParseLayout(layout, "hint 'layout'") };
        }
        else if (shape.Count == 4 && shape[1] is not (1 or 3) && shape[3] is 1 or 3)
        {
            result = result with { Layout = TensorLayout.NHWC };
        }
        if (hints.TryGetValue("channel_order", out var order))
        {
            result = result with { Order = ParseOrder(order, "hint 'channel_order'") };
        }
        if (hints.TryGetValue("scale", out var scale))
        {
            result = result with { Scale = ParseScale(scale, "hint 'scale'") };
        }
        if (hints.TryGetValue("mean", out var mean))
        {
            result = result with { Mean = ParseFloats(mean, "hint 'mean'") };
        }
        if (hints.TryGetValue("std", out var std))
        {
            result = result with { Std = ParseFloats(std, "hint 'std'") };
        }
        return result;
    }

    public static TensorLayout ParseLayout(string text, string what)
        => Enum.TryParse<TensorLayout>(text.Trim(), ignoreCase: true, out var l)
            ? l
            : throw new WasmGraphException($"{what}: layout must be NCHW or NHWC, not '{text}'");

    public static ChannelOrder ParseOrder(string text, string what)
        => Enum.TryParse<ChannelOrder>(text.Trim(), ignoreCase: true, out var o)
            ? o
            : throw new WasmGraphException($"{what}: channel order must be RGB or BGR, not '{text}'");

    /// <summary>Accepts a number or a fraction such as <c>1/255</c>.</summary>
    public static float ParseScale(string text, string what)
    {
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length is 1 or 2 && parts.All(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            float value = float.Parse(parts[0], CultureInfo.InvariantCulture);
            return parts.Length == 2 ? value / float.Parse(parts[1], CultureInfo.InvariantCulture) : value;
        }
        throw new WasmGraphException($"{what}: scale must be a number or a fraction like 1/255, not '{text}'");
    }

    /// <summary>Comma-separated floats: one per channel, or one for all.</summary>
    public static float[] ParseFloats(string text, string what)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new WasmGraphException($"{what}: '{parts[i]}' is not a number (expected comma-separated values like 0.485,0.456,0.406)");
            }
        }
        if (values.Length == 0)
        {
            throw new WasmGraphException($"{what}: no values given");
        }
        return values;
    }

    /// <summary>The per-channel value of <paramref name="values"/>: a single value applies to every channel.</summary>
    internal static float PerChannel(float[] values, int channel, string what)
        => values.Length == 1 ? values[0]
            : channel < values.Length ? values[channel]
            : throw new WasmGraphException($"{what} has {values.Length} values but the input has more channels");
}
