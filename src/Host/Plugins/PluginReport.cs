using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace WasmGraph.Host.Plugins;

/// <summary>One plugin assembly that loaded and configured without error.</summary>
public sealed record LoadedPlugin(string Name, string AssemblyPath, Assembly Assembly, string Version, IReadOnlyList<string> Factories);

/// <summary>A plugin (or one of its components) that was skipped, and why. The host carries on without it.</summary>
public sealed record PluginFailure(string Name, string Path, string Reason);

/// <summary>
/// What plugin loading found: the directories scanned, the plugins that loaded, those that failed, and which plugin
/// registered which service (so a component that fails later, at construction, can still be blamed by plugin name).
/// </summary>
public sealed class PluginReport
{
    public PluginReport(IReadOnlyList<string> directories) => Directories = directories;

    /// <summary>The directories scanned, in order (<see cref="PluginDirectories"/>).</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>The directories as one line, for display: <c>built-in + added</c>.</summary>
    public string Directory => string.Join(" + ", Directories);
    public List<LoadedPlugin> Loaded { get; } = new();
    public List<PluginFailure> Failures { get; } = new();
    public List<(ServiceDescriptor Descriptor, string Plugin)> Registrations { get; } = new();

    /// <summary>The plugin whose assembly defines <paramref name="type"/>, or "host" for built-in types.</summary>
    public string PluginOf(Type type) => Loaded.FirstOrDefault(p => p.Assembly == type.Assembly)?.Name ?? "host";
}
