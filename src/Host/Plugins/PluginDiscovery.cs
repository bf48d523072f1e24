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

    /// <summary>
    /// The plugins of several directories (<see cref="PluginDirectories"/>), in order. A folder named like a folder of an
    /// earlier directory replaces it: an added directory can swap one built-in plugin and keep the others.
    /// </summary>
    public static IReadOnlyList<PluginCandidate> Find(IReadOnlyList<string> directories, ICollection<PluginFailure> failures)
    {
        var byFolder = new List<(string Folder, IReadOnlyList<PluginCandidate> Candidates, IReadOnlyList<PluginFailure> Failures)>();
        foreach (var directory in directories)
        {
            var folderFailures = new List<PluginFailure>();
            foreach (var group in Find(directory, folderFailures).GroupBy(c => c.Name, StringComparer.Ordinal))
            {
                byFolder.RemoveAll(f => f.Folder == group.Key);
                byFolder.Add((group.Key, group.ToList(), []));
            }
            foreach (var failure in folderFailures)
            {
                byFolder.RemoveAll(f => f.Folder == failure.Name);
                byFolder.Add((failure.Name, [], [failure]));
            }
        }
        foreach (var failure in byFolder.SelectMany(f => f.Failures))
        {
            failures.Add(failure);
        }
        return byFolder.SelectMany(f => f.Candidates).ToList();
    }

    public static IReadOnlyList<PluginCandidate> Find(string directory, ICollection<PluginFailure> failures)
    {
        var found = new List<PluginCandidate>();
        if (!Directory.Exists(directory))
        {
            return found;
        }
        string[] folders;
        try
        {
            folders = Directory.GetDirectories(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add(new PluginFailure(Path.GetFileName(directory), directory, $"the plugins directory cannot be listed ({e.Message})"));
            return found;
        }
        foreach (var folder in folders.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            // A folder can vanish or be unreadable between listing and reading (a plugins directory is the user's,
            // and /proc-like trees change under us): a vanished folder is no plugin, an unreadable one a failure.
            try
            {
                found.AddRange(InFolder(name, folder, failures));
            }
            catch (DirectoryNotFoundException)
            {
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add(new PluginFailure(name, folder, $"the folder cannot be read ({e.Message})"));
            }
        }
        return found;
    }

    private static IReadOnlyList<PluginCandidate> InFolder(string name, string folder, ICollection<PluginFailure> failures)
    {
        var named = new[] { $"WasmGraph.{name}.dll", $"{name}.dll" }
            .Select(f => Path.Combine(folder, f))
            .FirstOrDefault(File.Exists);
        if (named is not null)
        {
            return [new PluginCandidate(name, named)];
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
        return others.Select(f => new PluginCandidate(name, f)).ToList();
    }
}
