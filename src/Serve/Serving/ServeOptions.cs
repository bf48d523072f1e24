using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using WasmGraph.Abstractions;

namespace WasmGraph.Serve.Serving;

/// <summary>
/// The <c>Serve</c> section, layered like the rest of the host (appsettings.json, <c>--config</c>, environment variables
/// <c>WASMGRAPH_Serve__Port=9000</c>, then the verb's flags). Every key is checked before the server starts: a
/// misspelled key or a value out of range is exit 2 naming it, never silently ignored.
/// </summary>
public sealed class ServeOptions
{
    public const string Section = "Serve";

    /// <summary>The address Kestrel binds: loopback by default; <c>0.0.0.0</c> in a container.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (printed at start-up).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8080;

    /// <summary>Module instances per model, each running one request at a time; 0 means one per core.</summary>
    [Range(0, 256)]
    public int InstancesPerModel { get; set; }

    /// <summary>Requests per model that may wait for an instance; more are refused at once with 429. -1 (the default) means 4 per instance; 0 queues none.</summary>
    [Range(-1, 100_000)]
    public int QueueLength { get; set; } = -1;

    /// <summary>
    /// The limit of one inference inside the module, enforced by Wasmtime's epoch interruption; the instance that
    /// reached it is discarded. 0 turns it off, and modules then run without epoch checks (11–45 % faster, see
    /// docs/reliability.md) — only for modules you trust not to loop.
    /// </summary>
    [Range(0, 86_400)]
    public double RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>The largest request body; larger ones are refused with 413 before they are read.</summary>
    [Range(1, 2048)]
    public int MaxRequestBodyMb { get; set; } = 64;

    /// <summary>A body sent slower than this (after a 5 s grace period) is cut off with 408: slowloris bodies cannot hold a connection.</summary>
    [Range(0, 1_000_000_000)]
    public int MinRequestBodyBytesPerSecond { get; set; } = 4096;

    /// <summary>The time a client has to send the request headers.</summary>
    [Range(1, 3600)]
    public int RequestHeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>How long SIGTERM waits for in-flight requests before the process exits anyway.</summary>
    [Range(1, 3600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    public int ResolvedInstances => InstancesPerModel == 0 ? Environment.ProcessorCount : InstancesPerModel;

    public int ResolvedQueueLength => QueueLength < 0 ? 4 * ResolvedInstances : QueueLength;

    public TimeSpan? RequestTimeout => RequestTimeoutSeconds == 0 ? null : TimeSpan.FromSeconds(RequestTimeoutSeconds);

    /// <summary>Binds and checks <c>Serve</c> of <paramref name="configuration"/>; every problem is listed in one <see cref="WasmGraphException"/>.</summary>
    public static ServeOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var properties = typeof(ServeOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var options = new ServeOptions();
        var failures = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var closest = NameSuggestion.Closest(child.Key, properties.Keys);
                failures.Add($"{child.Path} is not a setting{(closest is null ? "" : $"; did you mean '{Section}:{closest}'?")} (known: {string.Join(", ", properties.Keys)})");
                continue;
            }
            if (Parse(child, property, out var value) is { } failure)
            {
                failures.Add(failure);
                continue;
            }
            property.SetValue(options, value);
        }
        if (failures.Count > 0)
        {
            throw new WasmGraphException("invalid configuration: " + string.Join("; ", failures));
        }
        return options;
    }

    private static string? Parse(IConfigurationSection child, PropertyInfo property, out object? value)
    {
        value = null;
        var text = child.Value;
        var range = property.GetCustomAttribute<RangeAttribute>();
        if (property.PropertyType == typeof(string))
        {
            value = text;
            return string.IsNullOrWhiteSpace(text) ? $"{child.Path} must not be empty" : null;
        }
        if (property.PropertyType == typeof(int))
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number)
                || (range is not null && (number < Convert.ToInt32(range.Minimum, CultureInfo.InvariantCulture) || number > Convert.ToInt32(range.Maximum, CultureInfo.InvariantCulture))))
            {
                return $"{child.Path} must be an integer from {range?.Minimum} to {range?.Maximum}, not '{text}'";
            }
            value = number;
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double real) || !double.IsFinite(real)
            || (range is not null && (real < Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture) || real > Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture))))
        {
            return $"{child.Path} must be a number from {range?.Minimum} to {range?.Maximum}, not '{text}'";
        }
        value = real;
        return null;
    }
}
