using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>Locations the tests need: the repository root (found by walking up to WasmGraph.sln) and the built host.</summary>
public static class TestPaths
{
    public static string RepoRoot => TestFiles.RepoRoot;

    public static string HostDll => Path.Combine(RepoRoot, "artifacts", "host", "WasmGraph.Cli.dll");

    public static string AbstractionsDll => Path.Combine(RepoRoot, "artifacts", "host", "WasmGraph.Abstractions.dll");

    public static string PluginsDirectory => Path.Combine(RepoRoot, "artifacts", "host", "plugins");

    /// <summary>A fresh directory under the system temp folder, removed by the caller's <c>using</c>.</summary>
    public static TempDirectory NewTempDirectory() => new();
}
