namespace WasmGraph.Host.Tests;

/// <summary>
/// A plugin built outside the repository is discovered, configured and run by the host; a plugin that throws is
/// reported by name while the rest keeps working; configuration mistakes exit 2 and list what is available.
/// </summary>
[Collection(ThirdPartyPluginCollection.Name)]
public sealed class ThirdPartyPluginTests
{
    private readonly ThirdPartyPlugins _plugins;

    public ThirdPartyPluginTests(ThirdPartyPlugins plugins) => _plugins = plugins;

    private static string WriteConfig(TempDirectory dir, string passes, string countFile, string backend = "toy-backend", bool throwInPass = false)
    {
        var path = dir.File("config.json");
        File.WriteAllText(path, $$"""
            {
              "Pipeline": {
                "Frontend": "toy",
                "Passes": [ {{passes}} ],
                "PassOptions": { "count-nodes": { "Output": "{{countFile}}", "Throw": "{{(throwInPass ? "true" : "false")}}" } },
                "Backend": { "Name": "{{backend}}", "OptLevel": 2 }
              }
            }
            """);
        return path;
    }

    [Fact]
    public void ThePluginsVerbListsItsComponentsAndNamesTheBrokenPlugin()
    {
        var result = HostProcess.Run("plugins", "--plugins", _plugins.PluginsDirectory);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var name in new[] { "toy", "count-nodes", "needs-count", "toy-backend", "ToyKit" })
        {
            Assert.Contains(name, result.StdOut);
        }
        Assert.Contains("Broken", result.StdErr);
        Assert.Contains("the broken plugin always fails", result.StdErr);
    }

    [Fact]
    public void TheHostRunsThePluginPassWithItsOptionsAndWritesTheModule()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = _plugins.WriteToyModel(dir.Path, relus: 3);
        var count = dir.File("count.txt");
        var output = dir.File("out/model.wasm");
        var config = WriteConfig(dir, "\"count-nodes\"", count);

        var result = HostProcess.Run("compile", model, "-o", output, "--config", config, "--plugins", _plugins.PluginsDirectory, "--verify-each");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("3", File.ReadAllText(count));
        Assert.True(File.Exists(output));
        Assert.Contains("count-nodes", result.StdOut);
        Assert.Contains("-O2", result.StdOut);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp"));

        var inspect = HostProcess.Run("inspect", output);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("float32", inspect.StdOut);
        Assert.Contains("[1,4]", inspect.StdOut);
    }

    [Fact]
    public void CommandLineFlagsOverrideTheConfig()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = _plugins.WriteToyModel(dir.Path, relus: 2);
        var count = dir.File("count.txt");
        var config = WriteConfig(dir, "\"count-nodes\", \"needs-count\"", count);

        var result = HostProcess.Run("compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", _plugins.PluginsDirectory,
                                     "-O0", "--passes", "count-nodes", "--dump-ir", "count-nodes");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("-O0", result.StdOut);
        Assert.Contains("Relu(r0)", result.StdOut);
        Assert.DoesNotContain("needs-count", result.StdOut);
    }

    [Fact]
    public void AnUnknownBackendExitsTwoAndListsTheAvailableOnes()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var config = WriteConfig(dir, "", dir.File("count.txt"), backend: "no-such-backend");

        var result = HostProcess.Run("compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", _plugins.PluginsDirectory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown backend 'no-such-backend'", result.StdErr);
        Assert.Contains("available backends: toy-backend", result.StdErr);
    }

    [Fact]
    public void AnUnknownPassExitsTwoAndListsTheAvailableOnes()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var config = WriteConfig(dir, "\"count-nodse\"", dir.File("count.txt"));

        var result = HostProcess.Run("compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", _plugins.PluginsDirectory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown pass 'count-nodse'", result.StdErr);
        Assert.Contains("available passes: count-nodes, needs-count", result.StdErr);
    }

    [Fact]
    public void APassThatRequiresAnotherMustComeAfterIt()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var config = WriteConfig(dir, "\"needs-count\", \"count-nodes\"", dir.File("count.txt"));

        var result = HostProcess.Run("compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", _plugins.PluginsDirectory);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("'needs-count' requires 'count-nodes'", result.StdErr);
    }

    [Fact]
    public void APassThatThrowsIsAnInternalErrorAndLeavesNoOutput()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var output = dir.File("m.wasm");
        var config = WriteConfig(dir, "\"count-nodes\"", dir.File("count.txt"), throwInPass: true);

        var quiet = HostProcess.Run("compile", model, "-o", output, "--config", config, "--plugins", _plugins.PluginsDirectory);
        var verbose = HostProcess.Run("compile", model, "-o", output, "--config", config, "--plugins", _plugins.PluginsDirectory, "--verbose");

        Assert.True(quiet.ExitCode == 1, quiet.ToString());
        Assert.Contains("internal error in pass 'count-nodes' (plugin ToyKit): System.InvalidOperationException: count-nodes was told to throw", quiet.StdErr);
        Assert.DoesNotContain("   at ", quiet.StdErr);
        Assert.Contains("   at ", verbose.StdErr);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void ThePluginsDirectoryCanComeFromTheEnvironment()
    {
        var result = HostProcess.Run(["plugins"], new Dictionary<string, string> { ["WASMGRAPH_PLUGINS"] = _plugins.PluginsDirectory });
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("count-nodes", result.StdOut);
    }
}
