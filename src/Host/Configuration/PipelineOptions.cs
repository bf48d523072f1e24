using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Host.Configuration;

/// <summary>
/// The <c>Pipeline</c> section: which components run, named by their <see cref="Abstractions.Plugins.IComponent.Name"/>.
/// Names are checked against the loaded plugins at start-up (<see cref="PipelineOptionsValidator"/>), so a typo fails
/// before any work is done and the message lists what is available.
/// </summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    public string Frontend { get; set; } = "onnx";

    /// <summary>Pass names in run order. See <see cref="PassListResolver"/> for how config layers replace this list.</summary>
    public List<string> Passes { get; set; } = new();

    public BackendSection Backend { get; set; } = new();

    public RuntimeSection Runtime { get; set; } = new();

    /// <summary>The options section of one pass: <c>Pipeline:PassOptions:&lt;name&gt;</c>.</summary>
    public static string PassOptionsPath(string passName) => $"{Section}:PassOptions:{passName}";
}

public sealed class BackendSection
{
    public string Name { get; set; } = "llvm-wasm";

    [System.ComponentModel.DataAnnotations.Range(0, 3)]
    public int OptLevel { get; set; } = 3;

    public string Features { get; set; } = BackendOptions.DefaultFeatures;
    public bool Deterministic { get; set; }

    /// <summary>Workers a module is compiled for (<c>compile --threads</c>): 1, the default, is the single-threaded module.</summary>
    public int Threads { get; set; } = 1;
    public string ConvAlgorithm { get; set; } = BackendOptions.DefaultConvAlgorithm;

    /// <summary>A tuning log (<c>wasmgraph tune</c>) to apply (<c>compile --tuning</c>); empty: the backend's built-in defaults.</summary>
    public string? Tuning { get; set; } = "";
}

public sealed class RuntimeSection
{
    public string Name { get; set; } = "wasmtime";

    /// <summary>Compiled-module cache directory; <c>~</c> expands to the home directory; empty disables the cache.</summary>
    public string? Cache { get; set; } = "~/.cache/wasmgraph";

    /// <summary>Most MiB the cache may hold; least recently used entries are evicted beyond it.</summary>
    public long CacheMaxMb { get; set; } = 1024;

    /// <summary>
    /// The time limit of <c>wasmgraph run</c> when no <c>--timeout</c> is given, for all of its calls, enforced from
    /// outside the module (see <c>RunWatchdog</c>): there is always a limit, so a module that loops cannot run forever.
    /// Ten minutes by default: far beyond any model we compile (ResNet50 runs in well under a second), so only a module
    /// that hangs meets it, and a script never waits forever on one.
    /// </summary>
    public double RunTimeLimitSeconds { get; set; } = 600;

    /// <summary><see cref="RunTimeLimitSeconds"/> checked: finite, positive, at most a day.</summary>
    public TimeSpan ResolvedRunTimeLimit()
        => RunTimeLimitSeconds is > 0 and <= 24 * 60 * 60
            ? TimeSpan.FromSeconds(RunTimeLimitSeconds)
            : throw new WasmGraphException($"Pipeline:Runtime:RunTimeLimitSeconds must be a number of seconds above 0 and at most 86400, not {RunTimeLimitSeconds}");

    /// <summary><see cref="CacheMaxMb"/> in bytes; 0 keeps only the entry in use, and more than 1 TiB is surely a typo.</summary>
    public long ResolvedCacheMaxBytes()
        => CacheMaxMb is >= 0 and <= 1L << 20
            ? CacheMaxMb << 20
            : throw new WasmGraphException($"Pipeline:Runtime:CacheMaxMb must be between 0 and 1048576 (1 TiB), not {CacheMaxMb}");

    /// <summary>The cache directory with <c>~</c> expanded, or null when caching is off.</summary>
    public string? ResolvedCacheDirectory()
    {
        if (string.IsNullOrWhiteSpace(Cache))
        {
            return null;
        }
        if (Cache == "~" || Cache.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, Cache.Length > 2 ? Cache[2..] : "");
        }
        return Path.GetFullPath(Cache);
    }
}

/// <summary>The <c>Plugins</c> section.</summary>
public sealed class PluginOptions
{
    public const string Section = "Plugins";

    /// <summary>Relative paths are resolved against the host's base directory, not the working directory.</summary>
    public string Directory { get; set; } = "plugins";

    /// <summary>
    /// When true, a directory given with <c>--plugins</c> (or <c>WASMGRAPH_PLUGINS</c>) replaces <see cref="Directory"/>
    /// instead of being added to it (<see cref="Plugins.PluginDirectories"/>).
    /// </summary>
    public bool ReplaceBuiltIn { get; set; }
}
