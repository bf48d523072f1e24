using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>wasmgraph --version</c>: the host's version, every built-in plugin's, LLVM's as the backend's binding reports it
/// (checked against the installed Debian package) and Wasmtime's (checked against the package the runtime references).
/// </summary>
public sealed class CliVersionTests
{
    /// <summary>"19.1.7" of the installed libllvm19 ("1:19.1.7-3"): what LLVMGetVersion must agree with.</summary>
    private static string InstalledLlvmVersion()
    {
        var start = new ProcessStartInfo("dpkg-query", ["-W", "-f", "${Version}", "libllvm19"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var result = HostProcess.RunProcess(start, 30);
        Assert.True(result.ExitCode == 0, result.ToString());
        var match = Regex.Match(result.StdOut, @"(?:\d+:)?(\d+\.\d+\.\d+)");
        Assert.True(match.Success, result.StdOut);
        return match.Groups[1].Value;
    }

    /// <summary>The Wasmtime package version the runtime plugin is built against.</summary>
    private static string ReferencedWasmtimeVersion()
    {
        var project = XDocument.Load(Path.Combine(TestPaths.RepoRoot, "plugins", "Runtimes.Wasmtime", "Runtimes.Wasmtime.csproj"));
        return project.Descendants("PackageReference").Single(r => (string?)r.Attribute("Include") == "Wasmtime").Attribute("Version")!.Value;
    }

    [Fact]
    public void VersionPrintsTheHostEachPluginLlvmAndWasmtime()
    {
        var result = HostProcess.Run("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        var hostVersion = typeof(WasmGraph.Host.Cli.WasmGraphCli).Assembly.GetName().Version!.ToString(3);
        Assert.StartsWith($"wasmgraph {hostVersion} (", result.StdOut);
        foreach (var plugin in new[] { "Frontends.Onnx", "Passes.Core", "Backends.LlvmWasm", "Runtimes.Wasmtime" })
        {
            Assert.Matches($@"\n  {Regex.Escape(plugin)} \d+\.\d+\.\d+", result.StdOut);
        }
        Assert.Contains($"  LLVM {InstalledLlvmVersion()} (backend llvm-wasm, plugin Backends.LlvmWasm; LLVMGetVersion)", result.StdOut);
        Assert.Contains($"  Wasmtime {ReferencedWasmtimeVersion()} (runtime wasmtime, plugin Runtimes.Wasmtime;", result.StdOut);
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public void VersionJsonIsOneDocumentWithTheSameFigures()
    {
        var result = HostProcess.Run("--version", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.StdOut);
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("version", root.GetProperty("command").GetString());
        Assert.Equal(typeof(WasmGraph.Host.Cli.WasmGraphCli).Assembly.GetName().Version!.ToString(3), root.GetProperty("host").GetProperty("version").GetString());
        Assert.Equal(WasmGraph.Abstractions.Plugins.AbstractionsVersion.Major, root.GetProperty("host").GetProperty("contractsMajor").GetInt32());
        var plugins = root.GetProperty("plugins").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("version").GetString());
        Assert.Equal(["Backends.LlvmWasm", "Frontends.Onnx", "Passes.Core", "Runtimes.Wasmtime"], plugins.Keys.Order(StringComparer.Ordinal));
        var libraries = root.GetProperty("nativeLibraries").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l);
        Assert.Equal(InstalledLlvmVersion(), libraries["LLVM"].GetProperty("version").GetString());
        Assert.Equal("llvm-wasm", libraries["LLVM"].GetProperty("component").GetString());
        Assert.Equal(ReferencedWasmtimeVersion(), libraries["Wasmtime"].GetProperty("version").GetString());
        Assert.Equal("runtime", libraries["Wasmtime"].GetProperty("kind").GetString());
    }

    [Fact]
    public void TheVersionVerbAndTheFlagAreTheSame()
    {
        var verb = HostProcess.Run("version", "--json");
        var flag = HostProcess.Run("--version", "--json");

        Assert.True(verb.ExitCode == 0, verb.ToString());
        Assert.Equal(flag.StdOut, verb.StdOut);
    }
}
