using WasmGraph.Host.Configuration;

namespace WasmGraph.Host.Hosting;

/// <summary>What a command asks of the generic host: extra config, where plugins live, and what to validate.</summary>
public sealed record HostSettings
{
    /// <summary>A JSON file layered over appsettings.json (<c>--config</c>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Overrides the plugins directory (<c>--plugins</c>); beats WASMGRAPH_PLUGINS and Plugins:Directory.</summary>
    public string? PluginsDirectory { get; init; }

    public bool Verbose { get; init; }

    /// <summary>Config keys set by command-line flags (for example <c>Pipeline:Backend:OptLevel</c>); highest priority.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Replaces the pass list whole (<c>--passes</c>).</summary>
    public IReadOnlyList<string>? Passes { get; init; }

    /// <summary>The pipeline stages to validate at start-up.</summary>
    public PipelineStages Needs { get; init; }
}
