namespace WasmGraph.Host.Plugins;

/// <summary>A plugin folder and the assembly in it that holds the plugin's <c>IPluginFactory</c>.</summary>
public sealed record PluginCandidate(string Name, string AssemblyPath);

/// <summary>
/// Finds plugin assemblies: every sub-folder of the plugins directory is one plugin. Its entry assembly is the dll named
/// like the folder (<c>WasmGraph.&lt;Folder&gt;.dll</c> or <c>&lt;Folder&gt;.dll</c>), else any <c>WasmGraph.*.dll</c> in it.
/// The folder-name rule comes first because a plugin folder also holds the plugin's own dependencies.
/// </summary>
public static class PluginDiscovery
{
    private static readonly HashSet<string> NotPlugins = new(StringComparer.OrdinalIgnoreCase)
    {
        "WasmGraph.Abstractions.dll",
        "WasmGraph.Host.dll",
        "WasmGraph.Cli.dll",
    };

    public static IReadOnlyList<PluginCandidate> Find(string directory, ICollection<PluginFailure> failures)
    {
        var found = new List<PluginCandidate>();
        if (!Directory.Exists(directory))
        {
            return found;
        }
        foreach (var folder in Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            var named = new[] { $"WasmGraph.{name}.dll", $"{name}.dll" }
                .Select(f => Path.Combine(folder, f))
                .FirstOrDefault(File.Exists);
            if (named is not null)
            {
                found.Add(new PluginCandidate(name, named));
                continue;
            }
            var others = Directory.GetFiles(folder, "WasmGraph.*.dll")
                .Where(f => !NotPlugins.Contains(Path.GetFileName(f)))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (others.Count == 0)
            {
                failures.Add(new PluginFailure(name, folder,
                    $"no plugin assembly in the folder (looked for WasmGraph.{name}.dll, {name}.dll or WasmGraph.*.dll)"));
            }
            found.AddRange(others.Select(f => new PluginCandidate(name, f)));
        }
        return found;
    }
}
