namespace WasmGraph.Packages.Tests;

/// <summary>
/// WasmGraph.Cli as a dotnet tool: installed from the feed into a tool path, <c>wasmgraph --help</c> works, it compiles
/// a model with its bundled plugins, and without wasm-ld-19 it says which package to install (exit 2) instead of crashing.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public sealed class CliToolPackageTests(LocalFeed feed)
{
    [Fact]
    public void TheInstalledToolCompilesAndInspectsAModule()
    {
        var work = feed.NewFolder("tool");
        var tools = Path.Combine(work, "tools");
        DotnetProcess.Dotnet(work, feed.Environment, "tool", "install", "WasmGraph.Cli", "--version", feed.Version, "--tool-path", tools,
                             "--configfile", feed.NuGetConfig)
            .Succeeds("dotnet tool install");
        var wasmgraph = Path.Combine(tools, "wasmgraph");
        var environment = new Dictionary<string, string> { ["DOTNET_ROOT"] = DotnetRoot() };

        var help = DotnetProcess.Run(wasmgraph, work, environment, "--help").Succeeds("wasmgraph --help");
        Assert.Contains("compile", help.StdOut);

        var onnx = new TinyModel().SaveOnnx(work);
        var module = Path.Combine(work, "model.wasm");
        DotnetProcess.Run(wasmgraph, work, environment, "compile", onnx, "-o", module).Succeeds("wasmgraph compile");
        var inspected = DotnetProcess.Run(wasmgraph, work, environment, "inspect", module).Succeeds("wasmgraph inspect");
        Assert.Contains("MatMul", inspected.StdOut);

        var noLinker = DotnetProcess.Run(wasmgraph, work, new Dictionary<string, string>(environment) { ["WASMGRAPH_WASM_LD"] = "/nonexistent/wasm-ld-19" },
                                         "compile", onnx, "-o", Path.Combine(work, "never.wasm"));
        Assert.True(noLinker.ExitCode == 2, noLinker.ToString());
        Assert.Contains("needs wasm-ld-19", noLinker.StdErr);
        Assert.Contains("apt-get install -y lld-19", noLinker.StdErr);
        Assert.DoesNotContain("internal error", noLinker.StdErr);
        Assert.False(File.Exists(Path.Combine(work, "never.wasm")));
    }

    /// <summary>
    /// The folder of the <c>dotnet</c> on PATH, for the tool's app host: it finds the runtime through DOTNET_ROOT or the
    /// installer's registration, and a user's machine has one of them.
    /// </summary>
    private static string DotnetRoot()
    {
        var dotnet = (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(d => new FileInfo(Path.Combine(d, "dotnet")))
            .First(f => f.Exists);
        return Path.GetDirectoryName(dotnet.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet.FullName)!;
    }
}
