using System.Text.Json;

namespace WasmGraph.Host.Tests;

/// <summary>
/// The layering of the built host (docs/plugins.md): plugins are loaded next to the core host, so the executable must not
/// carry a plugin of its own (the frontend would then exist twice, once in each load context), and the core must not
/// depend on what only the apps need. Read from the executable's deps.json, the list the runtime loads from, so a
/// stale file left in artifacts/host by an older build does not count.
/// </summary>
public class HostLayeringTests
{
    private static readonly string DepsFile = Path.Combine(Path.GetDirectoryName(TestPaths.HostDll)!, "WasmGraph.Cli.deps.json");

    /// <summary>Library name (without version) → the names it depends on, for the executable's target.</summary>
    private static Dictionary<string, string[]> Libraries()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(DepsFile));
        var target = deps.RootElement.GetProperty("targets").EnumerateObject().First().Value;
        return target.EnumerateObject().ToDictionary(
            library => library.Name.Split('/')[0],
            library => library.Value.TryGetProperty("dependencies", out var d) ? d.EnumerateObject().Select(p => p.Name).ToArray() : []);
    }

    private static HashSet<string> Closure(Dictionary<string, string[]> libraries, string root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var name))
        {
            if (seen.Add(name) && libraries.TryGetValue(name, out var dependencies))
            {
                foreach (var dependency in dependencies)
                {
                    pending.Push(dependency);
                }
            }
        }
        return seen;
    }

    /// <summary>src/Host in deps.json: a project is listed by its package id, and the core host is packed as WasmGraph.Compiler.</summary>
    private const string HostLibrary = "WasmGraph.Compiler";

    [Fact]
    public void TheExecutableCarriesNoPlugin()
    {
        var libraries = Libraries();
        Assert.Contains(HostLibrary, libraries.Keys);
        foreach (var plugin in Directory.GetDirectories(TestPaths.PluginsDirectory).Select(d => "WasmGraph." + Path.GetFileName(d)))
        {
            Assert.DoesNotContain(plugin, libraries.Keys);
        }
        Assert.DoesNotContain("WasmGraph.Frontends.Onnx", libraries.Keys);
    }

    [Fact]
    public void TheCoreHostDependsOnNoApplicationLibrary()
    {
        var core = Closure(Libraries(), HostLibrary);
        Assert.Contains("McMaster.NETCore.Plugins", core);
        Assert.DoesNotContain(core, name => name.StartsWith("Microsoft.ML.", StringComparison.Ordinal)); // ONNX Runtime, tokenizers
        Assert.DoesNotContain("WasmGraph.Apps", core);
        Assert.DoesNotContain("WasmGraph.Conformance", core);
    }

    [Fact]
    public void TheAppsComeWithTheExecutable()
    {
        var all = Closure(Libraries(), "WasmGraph.Cli");
        Assert.Contains("WasmGraph.Apps", all);
        Assert.Contains("Microsoft.ML.OnnxRuntime", all);
    }
}
