using WasmGraph.Abstractions;

namespace WasmGraph.Host.IO;

/// <summary>
/// Class names for <c>run --labels</c>: a file with one label per line, or the name of a label set fetched from a
/// package registry into <c>.cache/data/labels/&lt;name&gt;.txt</c> (<c>imagenet</c>: the 1000 ImageNet classes in
/// standard order, from npm @tensorflow-models/mobilenet). A name lets a user type <c>--labels imagenet</c> anywhere,
/// and lets a module name its label set in its metadata hints.
/// </summary>
public static class LabelSets
{
    /// <summary>The data folder the fetch script fills: WASMGRAPH_DATA, else .cache/data of the repository.</summary>
    public static string DataDirectory
        => Environment.GetEnvironmentVariable("WASMGRAPH_DATA")
           ?? Path.Combine(Environment.GetEnvironmentVariable("WASMGRAPH_REPO") ?? ".", ".cache", "data");

    /// <summary>The longest label-set name; real ones are a word (imagenet, coco).</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Whether <paramref name="text"/> is a label-set name: letters, digits, '-' and '_' only, so it can never be or
    /// contain a path. A module may only name a label set this way (see <see cref="HintSchema"/>).
    /// </summary>
    public static bool IsSetName(string text)
        => text.Length is > 0 and <= MaxNameLength && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The fetched label set <paramref name="name"/> (never a file the name could point at), or null if it is not fetched.</summary>
    public static string[]? ReadSet(string name)
    {
        if (!IsSetName(name))
        {
            throw new ArgumentException($"'{name}' is not a label-set name", nameof(name));
        }
        var path = PathOf(name);
        return File.Exists(path) ? ReadLines(path) : null;
    }

    /// <summary>Where the label set <paramref name="name"/> lives once fetched.</summary>
    public static string PathOf(string name) => Path.Combine(DataDirectory, "labels", name + ".txt");

    /// <summary>An existing file wins; otherwise a bare name (no directory, no extension) is looked up as a fetched label set.</summary>
    public static string Resolve(string fileOrName)
    {
        if (File.Exists(fileOrName))
        {
            return fileOrName;
        }
        if (IsSetName(fileOrName))
        {
            var fetched = PathOf(fileOrName);
            if (File.Exists(fetched))
            {
                return fetched;
            }
            throw new WasmGraphException($"--labels {fileOrName}: no such file, and the label set is not fetched ({Path.GetFullPath(fetched)}); run ./wasmgraph fetch");
        }
        throw new WasmGraphException($"{fileOrName}: labels file not found");
    }

    /// <summary>One label per line, trailing blank lines dropped; the file must be a regular file of at most 16 MiB.</summary>
    public static string[] Read(string fileOrName) => ReadLines(Resolve(fileOrName));

    private static string[] ReadLines(string path)
    {
        var lines = InputFile.ReadAllLines(path, "labels file", InputFile.LabelsMaxBytes).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines.ToArray();
    }
}
