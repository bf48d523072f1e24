namespace WasmGraph.Host.Tests;

/// <summary>Locations the tests need: the repository root (found by walking up to WasmGraph.sln) and the built host.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string HostDll => Path.Combine(RepoRoot, "artifacts", "host", "WasmGraph.Host.dll");

    public static string AbstractionsDll => Path.Combine(RepoRoot, "artifacts", "host", "WasmGraph.Abstractions.dll");

    public static string PluginsDirectory => Path.Combine(RepoRoot, "artifacts", "host", "plugins");

    /// <summary>A fresh directory under the system temp folder, removed by the caller's <c>using</c>.</summary>
    public static TempDirectory NewTempDirectory() => new();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WasmGraph.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"WasmGraph.sln not found above {AppContext.BaseDirectory}");
    }
}

public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wasmgraph-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
