using WasmGraph.Host.Configuration;

namespace WasmGraph.Host.Hosting;

/// <summary>What a command asks of the generic host: extra config, where plugins live, and what to validate.</summary>
public sealed record HostSettings
{
    /// <summary>A JSON file layered over appsettings.json (<c>--config</c>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// A plugins directory added to <c>Plugins:Directory</c> (<c>--plugins</c>; beats WASMGRAPH_PLUGINS), or replacing it
    /// when <c>Plugins:ReplaceBuiltIn</c> is true (<see cref="Plugins.PluginDirectories"/>).
    /// </summary>
    public string? PluginsDirectory { get; init; }

    /// <summary>
    /// Where the host's <c>appsettings.json</c> and its relative <c>Plugins:Directory</c> are: the executable's own folder
    /// for the CLI; <c>wasmgraph/</c> beside an application that embeds the compiler (WasmGraph.Compiler), so the
    /// application's own appsettings.json and plugins folder are never read as ours.
    /// </summary>
    public string HomeDirectory { get; init; } = AppContext.BaseDirectory;

    public bool Verbose { get; init; }

    /// <summary>Config keys set by command-line flags (for example <c>Pipeline:Backend:OptLevel</c>); highest priority.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Replaces the pass list whole (<c>--passes</c>).</summary>
    public IReadOnlyList<string>? Passes { get; init; }

    /// <summary>The pipeline stages to validate at start-up.</summary>
    public PipelineStages Needs { get; init; }
}
