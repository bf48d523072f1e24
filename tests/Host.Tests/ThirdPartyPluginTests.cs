namespace WasmGraph.Host.Tests;

/// <summary>
/// A plugin built outside the repository is discovered, configured and run by the host; a plugin that throws is
/// reported by name while the rest keeps working; configuration mistakes exit 2 and list what is available. Component
/// names are unique across all plugins (a clash, with a built-in or between two plugins, exits 2 naming both) and must
/// be kebab-case; every call into a plugin that throws or returns null is an internal error naming the plugin.
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

        // The toy plugins alone (Plugins:ReplaceBuiltIn), so the list of what is available is exactly theirs.
        var result = HostProcess.Run(["compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", _plugins.PluginsDirectory],
                                     new Dictionary<string, string> { ["WASMGRAPH_Plugins__ReplaceBuiltIn"] = "true" });

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

        // The toy plugins alone (Plugins:ReplaceBuiltIn), so the list of what is available is exactly theirs.
        var result = HostProcess.Run(["compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", _plugins.PluginsDirectory],
                                     new Dictionary<string, string> { ["WASMGRAPH_Plugins__ReplaceBuiltIn"] = "true" });

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

    [Fact]
    public void APassNamedLikeABuiltInOneIsAnErrorNamingBothPlugins()
    {
        using var dir = TestPaths.NewTempDirectory();
        var plugins = _plugins.Compose(dir.Path, "Passes.Core", "ToyKit", "Shadow");
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var config = WriteConfig(dir, "\"fold-constants\"", dir.File("count.txt"));

        var listed = HostProcess.Run("plugins", "--plugins", plugins);
        var compiled = HostProcess.Run("compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", plugins);

        foreach (var result in new[] { listed, compiled })
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("pass 'fold-constants' is provided by plugin Passes.Core", result.StdErr);
            Assert.Contains("WasmGraph.Passes.Core.dll", result.StdErr);
            Assert.Contains("plugin Shadow (Shadow.ShadowFoldConstants in ", result.StdErr);
            Assert.Contains("Shadow.dll", result.StdErr);
            Assert.DoesNotContain("internal error", result.StdErr);
        }
        Assert.False(File.Exists(dir.File("m.wasm")));
    }

    [Fact]
    public void TwoThirdPartyPassesWithOneNameAreAnErrorNamingBoth()
    {
        using var dir = TestPaths.NewTempDirectory();
        var plugins = _plugins.Compose(dir.Path, "ToyKit", "Shadow");
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var config = WriteConfig(dir, "\"count-nodes\"", dir.File("count.txt"));

        var result = HostProcess.Run("compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", plugins);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("pass 'count-nodes' is provided by plugin Shadow", result.StdErr);
        Assert.Contains("and by plugin ToyKit (ToyKit.CountNodesPass in ", result.StdErr);
        Assert.False(File.Exists(dir.File("count.txt")), "a clashing pass ran");
    }

    [Fact]
    public void AComponentWithAnInvalidNameIsSkippedWithAWarningAndTheOthersStay()
    {
        using var dir = TestPaths.NewTempDirectory();
        var plugins = _plugins.Compose(dir.Path, "BadNames");

        var result = HostProcess.Run("plugins", "--plugins", plugins);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("fine-pass", result.StdOut);
        Assert.Contains("plugin 'BadNames' skipped: its pass NamedPass has an invalid name: it is empty", result.StdErr);
        Assert.Contains("'   ' is not kebab-case", result.StdErr);
        Assert.Contains("'evil\\u001B[31mred' is not kebab-case", result.StdErr);
        Assert.Contains("'Fold_Constants' is not kebab-case", result.StdErr);
        Assert.Contains("'trailing-newline\\u000A' is not kebab-case", result.StdErr);
        Assert.DoesNotContain("\u001b", result.All);
        Assert.DoesNotContain("internal error", result.StdErr);
    }

    [Fact]
    public void APassReturningNullIsAnInternalErrorNamingItsPlugin()
    {
        using var dir = TestPaths.NewTempDirectory();
        var plugins = _plugins.Compose(dir.Path, "ToyKit", "Nulls");
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var output = dir.File("m.wasm");
        var config = WriteConfig(dir, "\"return-null\"", dir.File("count.txt"));

        var result = HostProcess.Run("compile", model, "-o", output, "--config", config, "--plugins", plugins);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("internal error in pass 'return-null' (plugin Nulls): System.InvalidOperationException: Run returned null", result.StdErr);
        Assert.DoesNotContain("NullReferenceException", result.StdErr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void AThrowingCapabilityQueryIsAnInternalErrorNamingItsPlugin()
    {
        using var dir = TestPaths.NewTempDirectory();
        var plugins = _plugins.Compose(dir.Path, "ToyKit", "Nulls");
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var config = WriteConfig(dir, "\"bad-requires\"", dir.File("count.txt"));

        var result = HostProcess.Run("compile", model, "-o", dir.File("m.wasm"), "--config", config, "--plugins", plugins);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("internal error in pass 'bad-requires' (plugin Nulls): System.NotSupportedException: bad-requires cannot say what it needs", result.StdErr);
    }

    [Fact]
    public void ABackendReturningNullIsAnInternalErrorNamingItsPlugin()
    {
        using var dir = TestPaths.NewTempDirectory();
        var plugins = _plugins.Compose(dir.Path, "ToyKit", "Nulls");
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var output = dir.File("m.wasm");
        var config = WriteConfig(dir, "", dir.File("count.txt"), backend: "null-backend");

        var result = HostProcess.Run("compile", model, "-o", output, "--config", config, "--plugins", plugins);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("internal error in backend 'null-backend' (plugin Nulls): System.InvalidOperationException: Compile returned null", result.StdErr);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("null-runtime", "System.InvalidOperationException: Load returned null")]
    [InlineData("throwing-runtime", "System.InvalidOperationException: throwing-runtime always throws")]
    public void ARuntimeThatFailsToLoadIsAnInternalErrorNamingItsPlugin(string runtime, string expected)
    {
        using var dir = TestPaths.NewTempDirectory();
        var toyPlugins = _plugins.Compose(dir.Path, "ToyKit", "Nulls");
        var model = _plugins.WriteToyModel(dir.Path, relus: 1);
        var module = dir.File("m.wasm");
        var compiled = HostProcess.Run("compile", model, "-o", module, "--config", WriteConfig(dir, "", dir.File("count.txt")), "--plugins", toyPlugins);
        Assert.True(compiled.ExitCode == 0, compiled.ToString());
        var input = dir.File("x.npy");
        WasmGraph.Host.IO.NpyFile.Write(input, WasmGraph.Abstractions.Ir.TensorData.FromFloats(new WasmGraph.Abstractions.Ir.Shape(1, 4), [1, 2, 3, 4]));

        var result = HostProcess.Run(["run", module, "--input", "x=" + input, "--plugins", toyPlugins],
                                     new Dictionary<string, string> { ["WASMGRAPH_Pipeline__Runtime__Name"] = runtime });

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"internal error in runtime '{runtime}' (plugin Nulls): {expected}", result.StdErr);
    }
}
