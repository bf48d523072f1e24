namespace WasmGraph.Host.Tests;

/// <summary>The built host as a process: exit codes and messages of the verbs that need no backend.</summary>
public sealed class CliTests
{
    [Theory]
    [InlineData("no-such-verb")]
    [InlineData("compile")]
    [InlineData("run", "x.wasm", "--no-such-flag")]
    [InlineData("compile", "m.onnx", "--opt-level", "7")]
    public void UsageErrorsExitWithTwo(params string[] args)
    {
        var result = HostProcess.Run(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error:", result.StdErr);
    }

    [Theory]
    [InlineData("compile", "missing-model.onnx")]
    [InlineData("run", "missing-module.wasm")]
    [InlineData("inspect", "missing-file.onnx")]
    public void AMissingFileExitsWithTwoAndNamesThePath(string verb, string file)
    {
        using var dir = TestPaths.NewTempDirectory();
        var path = dir.File(file);

        var result = HostProcess.Run(verb, path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(path, result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public void PluginsListsTheBuiltPlugins()
    {
        var result = HostProcess.Run("plugins");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("plugins directory:", result.StdOut);
        if (Directory.Exists(Path.Combine(TestPaths.PluginsDirectory, "Frontends.Onnx")))
        {
            Assert.Contains(" onnx ", result.StdOut);
        }
        if (Directory.Exists(Path.Combine(TestPaths.PluginsDirectory, "Runtimes.Wasmtime")))
        {
            Assert.Contains(" wasmtime ", result.StdOut);
        }
    }

    [Fact]
    public void AMissingPluginsDirectoryIsAWarningNotAFailure()
    {
        var result = HostProcess.Run("plugins", "--plugins", "/nonexistent/plugins");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("does not exist", result.StdErr);
    }

    [Fact]
    public void HelpListsEveryVerb()
    {
        var result = HostProcess.Run("--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var verb in new[] { "compile", "run", "inspect", "plugins" })
        {
            Assert.Contains(verb, result.StdOut);
        }
    }

    [Fact]
    public void InspectRejectsAFileThatIsNeitherOnnxNorWasm()
    {
        using var dir = TestPaths.NewTempDirectory();
        var path = dir.File("junk.onnx");
        File.WriteAllBytes(path, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        var result = HostProcess.Run("inspect", path);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(path, result.StdErr);
    }

    [Fact]
    public void ABadConfigFileIsAUserError()
    {
        using var dir = TestPaths.NewTempDirectory();
        var config = dir.File("bad.json");
        File.WriteAllText(config, "{ not json");
        var model = dir.File("m.onnx");
        File.WriteAllBytes(model, [1]);

        var result = HostProcess.Run("compile", model, "--config", config);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("not valid JSON", result.StdErr);
    }
}
