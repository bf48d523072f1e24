using System.ComponentModel;
using System.Globalization;
using Spectre.Console.Cli;
using WasmGraph.Host.Cli;

namespace WasmGraph.Serve.Cli;

public sealed class ServeSettings : HostCommandSettings
{
    [CommandArgument(0, "<MODULES>")]
    [Description("Modules to serve: FILE.wasm (served under its file name without the extension) or NAME=FILE.wasm")]
    public string[] Modules { get; init; } = [];

    [CommandOption("--host <ADDRESS>")]
    [Description("Address to listen on (Serve:Host; default 127.0.0.1, use 0.0.0.0 in a container)")]
    public string? Host { get; init; }

    [CommandOption("-p|--port <PORT>")]
    [Description("TCP port (Serve:Port; default 8080; 0 picks a free port, printed at start-up)")]
    public int? Port { get; init; }

    [CommandOption("--instances <N>")]
    [Description("Module instances per model (Serve:InstancesPerModel; default one per core)")]
    public int? Instances { get; init; }

    [CommandOption("--queue <N>")]
    [Description("Requests per model that may wait for an instance before more are refused with 429 (Serve:QueueLength; default 4 per instance)")]
    public int? Queue { get; init; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("Limit of one inference inside the module, by epoch interruption; the instance is then replaced (Serve:RequestTimeoutSeconds; default 30; 0 = none, faster)")]
    public double? TimeoutSeconds { get; init; }

    [CommandOption("--max-body-mb <MB>")]
    [Description("Largest request body in MiB; larger ones get 413 (Serve:MaxRequestBodyMb; default 64)")]
    public int? MaxBodyMb { get; init; }

    /// <summary>The flags as configuration keys: they are the highest layer, over appsettings.json, --config and the environment.</summary>
    public IReadOnlyDictionary<string, string?> Overrides()
    {
        var overrides = new Dictionary<string, string?>();
        void Set(string key, object? value)
        {
            if (value is not null)
            {
                overrides[$"Serve:{key}"] = Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }
        Set("Host", Host);
        Set("Port", Port);
        Set("InstancesPerModel", Instances);
        Set("QueueLength", Queue);
        Set("RequestTimeoutSeconds", TimeoutSeconds);
        Set("MaxRequestBodyMb", MaxBodyMb);
        return overrides;
    }

    protected override IEnumerable<string?> FlagErrors() =>
    [
        Modules.Length == 0 ? "give at least one module to serve (FILE.wasm or NAME=FILE.wasm)" : null,
        .. Modules.Select(m => SettingsChecks.Empty(m, "MODULES", "FILE.wasm or NAME=FILE.wasm")),
        SettingsChecks.Empty(Host, "--host", "an IP address"),
        SettingsChecks.InRange(Port, "--port", 0, 65535),
        SettingsChecks.InRange(Instances, "--instances", 1, 256),
        SettingsChecks.InRange(Queue, "--queue", 0, 100_000),
        TimeoutSeconds is 0 ? null : SettingsChecks.Seconds(TimeoutSeconds, "--timeout"),
        SettingsChecks.InRange(MaxBodyMb, "--max-body-mb", 1, 2048),
    ];
}
