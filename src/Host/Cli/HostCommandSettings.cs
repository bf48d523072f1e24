using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WasmGraph.Host.Configuration;
using WasmGraph.Host.Hosting;

namespace WasmGraph.Host.Cli;

/// <summary>Flags every verb shares: where config and plugins come from, and how chatty to be.</summary>
public class HostCommandSettings : CommandSettings
{
    [CommandOption("--config <FILE>")]
    [Description("JSON config layered over appsettings.json (same shape: Pipeline, Plugins)")]
    public string? ConfigFile { get; init; }

    [CommandOption("--plugins <DIR>")]
    [Description("A plugins directory added to the built-in plugins (default: WASMGRAPH_PLUGINS); with Plugins:ReplaceBuiltIn=true it replaces them")]
    public string? PluginsDirectory { get; init; }

    [CommandOption("-v|--verbose")]
    [Description("More detail: the pass report (time, nodes before → after, statistics), backend sub-timings, a backend's op list, stack traces of internal errors")]
    public bool Verbose { get; init; }

    [CommandOption("-q|--quiet")]
    [Description("No progress and no banners on standard error; warnings and errors are still shown")]
    public bool Quiet { get; init; }

    [CommandOption("--progress")]
    [Description("Show progress even when standard error is not a terminal (a log, a pipe); by default only a terminal gets it")]
    public bool Progress { get; init; }

    /// <summary>
    /// Whether the verb shows progress on standard error: on a terminal by default, elsewhere only with --progress, and
    /// never with --quiet. Logs and pipes stay free of progress lines unless a script asks for them.
    /// </summary>
    public bool ShowsProgress(HostConsoles consoles) => !Quiet && (Progress || consoles.ErrorIsTerminal);

    /// <summary>
    /// Checks the shared flags, then <see cref="FlagErrors"/> of the verb; the first problem is exit 2 naming the flag.
    /// Verbs add their checks by overriding <see cref="FlagErrors"/>, not this.
    /// </summary>
    public sealed override ValidationResult Validate()
        => SettingsChecks.FirstError(new[]
        {
            SettingsChecks.ExistingFile(ConfigFile, "--config"),
            SettingsChecks.Empty(PluginsDirectory, "--plugins"),
            Quiet && Progress ? "--quiet and --progress contradict each other; give one" : null,
        }.Concat(FlagErrors()));

    /// <summary>The verb's own flag checks: each an error message, or null when that flag is fine.</summary>
    protected virtual IEnumerable<string?> FlagErrors() => [];

    public HostSettings ToHostSettings(PipelineStages needs) => new()
    {
        ConfigFile = ConfigFile,
        PluginsDirectory = PluginsDirectory,
        Verbose = Verbose,
        Needs = needs,
    };
}

/// <summary>The shared flags plus <c>--json</c>, for the verbs whose result scripts read (docs/cli.md defines each document).</summary>
public class JsonCommandSettings : HostCommandSettings
{
    [CommandOption("--json")]
    [Description("Write the result as one JSON document on standard output (schema: docs/cli.md); messages stay on standard error")]
    public bool Json { get; init; }
}
