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

    /// <summary>Where the label set <paramref name="name"/> lives once fetched.</summary>
    public static string PathOf(string name) => Path.Combine(DataDirectory, "labels", name + ".txt");

    /// <summary>An existing file wins; otherwise a bare name (no directory, no extension) is looked up as a fetched label set.</summary>
    public static string Resolve(string fileOrName)
    {
        if (File.Exists(fileOrName))
        {
            return fileOrName;
        }
        bool isName = fileOrName.Length > 0 && fileOrName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
        if (isName)
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
    public static string[] Read(string fileOrName)
    {
        var lines = InputFile.ReadAllLines(Resolve(fileOrName), "labels file", InputFile.LabelsMaxBytes).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return lines.ToArray();
    }
}
