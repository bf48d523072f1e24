using Microsoft.Extensions.Configuration;
using WasmGraph.Host.Configuration;

namespace WasmGraph.Host.Plugins;

/// <summary>
/// Which directories plugins are loaded from. The plugins directory (<c>Plugins:Directory</c>, by default the built-in
/// plugins beside the host) always comes first; a directory given with <c>--plugins DIR</c> (else the
/// <c>WASMGRAPH_PLUGINS</c> environment variable) is added after it, so a third-party plugin sits beside the built-in
/// frontend, passes, backend and runtime without copying them. <c>Plugins:ReplaceBuiltIn</c> = true loads the added
/// directory alone. A folder in the added directory named like one in the plugins directory replaces it
/// (<see cref="PluginDiscovery"/>), so one built-in plugin can be swapped without giving up the others.
/// </summary>
public static class PluginDirectories
{
    public const string EnvironmentVariable = "WASMGRAPH_PLUGINS";

    /// <param name="flag">The <c>--plugins</c> value, or null.</param>
    /// <param name="home">The host's own directory, against which a relative <c>Plugins:Directory</c> is resolved.</param>
    public static IReadOnlyList<string> Resolve(string? flag, IConfiguration configuration, string home)
    {
        var options = configuration.GetSection(PluginOptions.Section);
        var configured = options[nameof(PluginOptions.Directory)];
        configured = string.IsNullOrWhiteSpace(configured) ? "plugins" : configured;
        var builtIn = Path.GetFullPath(Path.IsPathRooted(configured) ? configured : Path.Combine(home, configured));

        string? added = !string.IsNullOrWhiteSpace(flag) ? flag
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : null;
        if (added is null)
        {
            return [builtIn];
        }
        added = Path.GetFullPath(added);
        if (ReplacesBuiltIn(options) || string.Equals(added, builtIn, StringComparison.Ordinal))
        {
            return [added];
        }
        return [builtIn, added];
    }

    private static bool ReplacesBuiltIn(IConfigurationSection options)
    {
        var value = options[nameof(PluginOptions.ReplaceBuiltIn)];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        return bool.TryParse(value, out var replace)
            ? replace
            : throw new Abstractions.WasmGraphException($"{PluginOptions.Section}:{nameof(PluginOptions.ReplaceBuiltIn)} must be true or false, not '{value}'");
    }
}
