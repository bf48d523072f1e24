using Microsoft.Extensions.Configuration;
using WasmGraph.Abstractions;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>--plugins DIR</c> adds a directory to the built-in plugins; <c>Plugins:ReplaceBuiltIn</c> makes it replace them;
/// a folder in the added directory named like a built-in one replaces only that plugin.
/// </summary>
[Collection(ThirdPartyPluginCollection.Name)]
public sealed class PluginDirectoriesTests
{
    private const string Home = "/opt/wasmgraph";
    private readonly ThirdPartyPlugins _plugins;

    public PluginDirectoriesTests(ThirdPartyPlugins plugins) => _plugins = plugins;

    private static IConfiguration Config(params (string Key, string Value)[] pairs)
        => new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value))).Build();

    [Fact]
    public void WithoutTheFlagOnlyTheBuiltInDirectoryIsScanned()
        => Assert.Equal(["/opt/wasmgraph/plugins"], PluginDirectories.Resolve(null, Config(), Home));

    [Fact]
    public void TheFlagAddsItsDirectoryAfterTheBuiltInOne()
        => Assert.Equal(["/opt/wasmgraph/plugins", "/tmp/mine"], PluginDirectories.Resolve("/tmp/mine", Config(), Home));

    [Fact]
    public void ReplaceBuiltInLeavesOnlyTheFlagsDirectory()
        => Assert.Equal(["/tmp/mine"], PluginDirectories.Resolve("/tmp/mine", Config(("Plugins:ReplaceBuiltIn", "true")), Home));

    [Fact]
    public void ReplaceBuiltInWithoutAnAddedDirectoryKeepsTheBuiltInOne()
        => Assert.Equal(["/opt/wasmgraph/plugins"], PluginDirectories.Resolve(null, Config(("Plugins:ReplaceBuiltIn", "true")), Home));

    [Fact]
    public void ARelativePluginsDirectoryIsResolvedAgainstTheHostsHome()
        => Assert.Equal(["/opt/wasmgraph/mine", "/tmp/x"],
                        PluginDirectories.Resolve("/tmp/x", Config(("Plugins:Directory", "mine")), Home));

    [Fact]
    public void AReplaceBuiltInThatIsNotABooleanIsAUserError()
    {
        var e = Assert.Throws<WasmGraphException>(() => PluginDirectories.Resolve("/tmp/x", Config(("Plugins:ReplaceBuiltIn", "yes")), Home));
        Assert.Contains("Plugins:ReplaceBuiltIn must be true or false, not 'yes'", e.Message);
    }

    [Fact]
    public void AFolderInALaterDirectoryReplacesTheFolderOfTheSameName()
    {
        using var dir = TestPaths.NewTempDirectory();
        foreach (var (root, folder) in new[] { ("a", "One"), ("a", "Two"), ("b", "Two"), ("b", "Three") })
        {
            Directory.CreateDirectory(dir.File($"{root}/{folder}"));
            File.WriteAllText(dir.File($"{root}/{folder}/{folder}.dll"), "");
        }

        var found = PluginDiscovery.Find([dir.File("a"), dir.File("b")], new List<PluginFailure>());

        Assert.Equal(["One", "Three", "Two"], found.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Equal(dir.File("b/Two/Two.dll"), found.Single(c => c.Name == "Two").AssemblyPath);
    }

    [Fact]
    public async Task FoldersThatVanishWhileTheDirectoryIsScannedAreSkippedNotAnInternalError()
    {
        // What `--plugins /proc` met in CI: a process folder listed, then gone before it was read. Here a writer creates
        // and deletes folders as fast as it can while discovery scans; without the guard one scan in a few throws.
        using var dir = TestPaths.NewTempDirectory();
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var churn = Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var folder = dir.File($"p{i % 16}");
                Directory.CreateDirectory(folder);
                started.TrySetResult();
                Directory.Delete(folder);
            }
        });
        await started.Task;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var listed = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(2))
            {
                var failures = new List<PluginFailure>();
                PluginDiscovery.Find([dir.Path], failures);
                Assert.All(failures, f => Assert.Contains("no plugin assembly", f.Reason));
                listed += failures.Count;
            }
            Assert.True(listed > 0, "the scans never saw a folder: the race was not exercised");
        }
        finally
        {
            stop.Cancel();
            await churn;
        }
    }

    [Fact]
    public void ThePluginsFlagAddsToTheBuiltInPlugins()
    {
        var result = HostProcess.Run("plugins", "--plugins", _plugins.PluginsDirectory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("count-nodes", result.StdOut);   // ToyKit, from the added directory
        Assert.Contains(" onnx ", result.StdOut);        // built in
        Assert.Contains(" llvm-wasm ", result.StdOut);
        Assert.Contains($" + {_plugins.PluginsDirectory}", result.StdOut);
    }

    [Fact]
    public void ReplaceBuiltInLoadsTheAddedDirectoryAlone()
    {
        var result = HostProcess.Run(["plugins", "--plugins", _plugins.PluginsDirectory],
                                     new Dictionary<string, string> { ["WASMGRAPH_Plugins__ReplaceBuiltIn"] = "true" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("count-nodes", result.StdOut);
        Assert.DoesNotContain(" onnx ", result.StdOut);
        Assert.DoesNotContain(" llvm-wasm ", result.StdOut);
    }
}
