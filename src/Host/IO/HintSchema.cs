using System.Collections.Immutable;
using WasmGraph.Abstractions;

namespace WasmGraph.Host.IO;

/// <summary>
/// What a preprocessing hint may say, in one place: <c>compile --hint</c> validates against it (exit 2 naming the
/// hint), and <c>run</c> applies it to the hints of a module, which may be hand-made and so is checked again rather than
/// trusted. Nothing in a module may name a host path: <c>labels</c> is the name of a fetched label set
/// (<see cref="LabelSets"/>), never a file. The value grammars are <see cref="ImagePreprocessing"/>'s parsers, which
/// the matching <c>run</c> flags use too.
/// </summary>
public static class HintSchema
{
    public const string Layout = "layout";
    public const string ChannelOrder = "channel_order";
    public const string Scale = "scale";
    public const string Mean = "mean";
    public const string Std = "std";
    public const string Labels = "labels";

    /// <summary>Longer values are refused: the longest valid one (three floats) needs a few dozen characters.</summary>
    public const int MaxValueLength = 256;

    /// <summary>Every known hint and what its value must be.</summary>
    public static readonly ImmutableArray<(string Key, string Expected)> Known =
    [
        (Layout, "NCHW or NHWC"),
        (ChannelOrder, "RGB or BGR"),
        (Scale, "a positive number or a fraction like 1/255"),
        (Mean, "1 or 3 comma-separated numbers, e.g. 0.485,0.456,0.406"),
        (Std, "1 or 3 comma-separated positive numbers, e.g. 0.229,0.224,0.225"),
        (Labels, $"the name of a fetched label set such as 'imagenet' (letters, digits, '-', '_'; at most {LabelSets.MaxNameLength}), never a path"),
    ];

    /// <summary>The hints that describe how an image becomes the input tensor (all but <see cref="Labels"/>).</summary>
    public static readonly ImmutableArray<string> ImageKeys = [Layout, ChannelOrder, Scale, Mean, Std];

    public static bool IsKnown(string key) => Known.Any(k => k.Key == key);

    /// <summary>
    /// Checks one hint: a known key and a value in its grammar. <paramref name="source"/> says where it came from
    /// (<c>--hint</c>, or a module's file name) and starts every message.
    /// </summary>
    public static void Check(string key, string value, string source)
    {
        if (!IsKnown(key))
        {
            var keys = Known.Select(k => k.Key).ToList();
            var closest = NameSuggestion.Closest(key, keys);
            throw new WasmGraphException($"{source} {Printable(key)}: unknown hint '{Printable(key)}'" +
                                         (closest is null ? "" : $"; did you mean '{closest}'?") +
                                         $" (known: {string.Join(", ", keys)})");
        }
        string what = $"{source} {key}={Printable(value)}";
        string expected = Known.First(k => k.Key == key).Expected;
        if (value.Length > MaxValueLength || value.Any(char.IsControl))
        {
            throw new WasmGraphException($"{what}: the value is {value.Length} characters{(value.Any(char.IsControl) ? " with control characters" : "")}; expected {expected}");
        }
        switch (key)
        {
            case Layout: ImagePreprocessing.ParseLayout(value, what); break;
            case ChannelOrder: ImagePreprocessing.ParseOrder(value, what); break;
            case Scale: ImagePreprocessing.ParseScale(value, what); break;
            case Mean: ImagePreprocessing.ParseChannelValues(value, what, positive: false); break;
            case Std: ImagePreprocessing.ParseChannelValues(value, what, positive: true); break;
            case Labels when !LabelSets.IsSetName(value):
                throw new WasmGraphException($"{what}: expected {expected}");
        }
    }

    /// <summary>Checks every hint (<see cref="Check"/>).</summary>
    public static void CheckAll(IReadOnlyDictionary<string, string> hints, string source)
    {
        foreach (var (key, value) in hints)
        {
            Check(key, value, source);
        }
    }

    /// <summary>
    /// Checks the image hints against the input they will shape (compile time: the model's image input, known after
    /// the frontend): the layout must put 1 or 3 channels where it says, and a mean or std must give one value or
    /// one per channel. Null when the hints fit; the problem otherwise.
    /// </summary>
    public static string? ProblemWithInput(IReadOnlyDictionary<string, string> hints, string inputName, IReadOnlyList<long> shape)
    {
        var preprocessing = ImagePreprocessing.FromHints(hints, shape);
        if (shape.Count != 4)
        {
            return $"input '{inputName}' has shape [{string.Join(",", shape)}]; image hints need a rank-4 input";
        }
        long channels = preprocessing.Layout == TensorLayout.NCHW ? shape[1] : shape[3];
        if (channels is not (1 or 3))
        {
            return $"input '{inputName}' [{string.Join(",", shape)}] read as {preprocessing.Layout} has {channels} channels; images give 1 or 3 (set the layout hint)";
        }
        foreach (var (key, values) in new[] { (Mean, preprocessing.Mean), (Std, preprocessing.Std) })
        {
            if (hints.ContainsKey(key) && values.Length != 1 && values.Length != channels)
            {
                return $"hint {key}={hints[key]} has {values.Length} values, but input '{inputName}' has {channels} channel{(channels == 1 ? "" : "s")}";
            }
        }
        return null;
    }

    /// <summary>A hint value fit for one line of a message: control characters escaped, long values cut.</summary>
    public static string Printable(string text) => Cli.Format.Untrusted(text, 60);
}
