namespace WasmGraph.Packages.Tests;

/// <summary>
/// WasmGraph.Templates: <c>dotnet new wasmgraph-pass</c> makes a project that restores WasmGraph.Abstractions from the
/// feed, <c>dotnet publish -o DIR/NAME</c> makes a plugin folder, and the CLI lists the pass next to the built-in
/// plugins and runs it in a compile. The template is installed into a hive of the test's own, so the machine's
/// template cache is untouched.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public sealed class TemplatePackageTests(LocalFeed feed)
{
    [Fact]
    public void AGeneratedPassIsPublishedListedAndRunByTheCli()
    {
        var work = feed.NewFolder("template");
        var hive = Path.Combine(work, "hive");
        var plugins = Path.Combine(work, "plugins");
        DotnetProcess.Dotnet(work, feed.Environment, "new", "install", feed.PackagePath("WasmGraph.Templates"), "--debug:custom-hive", hive)
            .Succeeds("dotnet new install");
        DotnetProcess.Dotnet(work, feed.Environment, "new", "wasmgraph-pass", "-n", "CountOps", "--debug:custom-hive", hive)
            .Succeeds("dotnet new wasmgraph-pass");
        DotnetProcess.Dotnet(work, feed.Environment, "publish", Path.Combine(work, "CountOps"), "-c", "Release", "-o", Path.Combine(plugins, "CountOps"),
                             "--disable-build-servers", "-p:UseSharedCompilation=false")
            .Succeeds("dotnet publish");

        var listed = Cli(work, "plugins", "--plugins", plugins).Succeeds("wasmgraph plugins");
        Assert.Contains("count-ops", listed.StdOut);
        Assert.Contains(" onnx ", listed.StdOut);   // added to the built-in plugins, not replacing them
        Assert.DoesNotContain("skipped", listed.StdErr);

        var onnx = new TinyModel().SaveOnnx(work);
        var module = Path.Combine(work, "model.wasm");
        var compiled = Cli(work, "compile", onnx, "-o", module, "--plugins", plugins, "--verbose",
                           "--passes", "fold-constants,count-ops,eliminate-dead-code,plan-memory").Succeeds("wasmgraph compile");
        Assert.Contains("count-ops", compiled.StdOut);
        Assert.Contains("MatMul nodes 1", compiled.StdOut);
        Assert.True(File.Exists(module));
    }

    private static ProcessResult Cli(string workingDirectory, params string[] args)
        => DotnetProcess.Dotnet(workingDirectory, null, [Path.Combine(TestFiles.RepoRoot, "artifacts", "host", "WasmGraph.Cli.dll"), .. args]);
}
