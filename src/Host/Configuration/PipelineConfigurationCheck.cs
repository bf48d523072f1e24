using WasmGraph.Abstractions;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.Plugins;

namespace WasmGraph.Host.Configuration;

/// <summary>
/// Checks the raw <c>Pipeline</c> and <c>Plugins</c> sections of every config layer (appsettings.json, <c>--config</c>, <c>WASMGRAPH_</c>
/// environment variables) before it is bound to <see cref="PipelineOptions"/>. The binder would otherwise ignore a
/// misspelled key (<c>Pipeline:Backend:OptLevl</c>, a pass name under <c>PassOptions</c>, a pass's own option) and
/// throw an internal error on a value of the wrong type (<c>"OptLevel": "high"</c>). Each problem names the full key, the
/// value and what is allowed or the closest known name; all are reported together (exit 2).
/// </summary>
public static class PipelineConfigurationCheck
{
    private const string PassOptions = "PassOptions";

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every problem, or returns when there is none.</summary>
    public static void ThrowIfInvalid(IConfiguration configuration, ComponentCatalog catalog, PipelineStages needs)
    {
        var failures = Check(configuration.GetSection(PipelineOptions.Section), catalog, needs);
        CheckObject(configuration.GetSection(PluginOptions.Section), typeof(PluginOptions), failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(PipelineOptions.Section, typeof(PipelineOptions), failures);
        }
    }

    public static List<string> Check(IConfigurationSection pipeline, ComponentCatalog catalog, PipelineStages needs)
    {
        var failures = new List<string>();
        CheckObject(pipeline, typeof(PipelineOptions), failures, extraKeys: [PassOptions]);
        // Pass options only matter to commands that compile; a run on a machine without the pass plugins must not fail.
        if (needs.HasFlag(PipelineStages.Compile))
        {
            CheckPassOptions(pipeline.GetSection(PassOptions), catalog.Passes, failures);
        }
        return failures;
    }

    private static void CheckObject(IConfigurationSection section, Type type, List<string> failures, IReadOnlyCollection<string>? extraKeys = null)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var known = properties.Keys.Concat(extraKeys ?? []).ToList();
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                {
                    failures.Add(UnknownKey(child, known));
                }
                continue;
            }
            CheckValue(child, property, failures);
        }
    }

    private static void CheckValue(IConfigurationSection child, PropertyInfo property, List<string> failures)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type == typeof(string))
        {
            if (child.Value is null && child.GetChildren().Any())
            {
                failures.Add($"{child.Path} must be a string, not an object or array");
            }
        }
        else if (type == typeof(int))
        {
            var range = property.GetCustomAttribute<RangeAttribute>();
            var allowed = range is null ? "an integer" : $"an integer from {range.Minimum} to {range.Maximum}";
            if (!int.TryParse(child.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                failures.Add($"{child.Path} must be {allowed}, not {Shown(child)}");
            }
        }
        else if (type == typeof(bool))
        {
            if (!bool.TryParse(child.Value, out _))
            {
                failures.Add($"{child.Path} must be true or false, not {Shown(child)}");
            }
        }
        else if (type.IsClass && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
        {
            if (child.Value is not null)
            {
                failures.Add($"{child.Path} must be a section with keys {string.Join(", ", type.GetProperties().Select(p => p.Name))}, not {Shown(child)}");
            }
            else
            {
                CheckObject(child, type, failures);
            }
        }
        // Lists (Passes) are read by PassListResolver, which accepts both an array and a comma-separated string.
    }

    /// <summary>Each <c>PassOptions:&lt;pass&gt;</c> must name a loaded pass, and each of its keys one that pass reads.</summary>
    private static void CheckPassOptions(IConfigurationSection section, IReadOnlyList<IPass> passes, List<string> failures)
    {
        var names = passes.Select(p => p.Name).ToList();
        foreach (var child in section.GetChildren())
        {
            var pass = passes.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.Ordinal));
            if (pass is null)
            {
                var close = NameSuggestion.Closest(child.Key, names);
                failures.Add($"{child.Path}: no loaded pass is named '{child.Key}'" +
                             (close is null ? $"; passes: {string.Join(", ", names.Order(StringComparer.Ordinal))}" : $"; did you mean '{close}'?"));
                continue;
            }
            if (pass.OptionKeys is not { } keys)
            {
                continue;
            }
            foreach (var option in child.GetChildren())
            {
                if (!keys.Contains(option.Key, StringComparer.OrdinalIgnoreCase))
                {
                    failures.Add(UnknownKey(option, keys, $"pass '{pass.Name}' has no option '{option.Key}'"));
                }
            }
        }
    }

    private static string UnknownKey(IConfigurationSection child, IReadOnlyCollection<string> known, string? what = null)
    {
        var close = NameSuggestion.Closest(child.Key, known);
        var parent = child.Path[..^child.Key.Length];
        return $"{child.Path}: {what ?? "not a setting"}" +
               (close is null ? $"; known keys: {string.Join(", ", known.Order(StringComparer.Ordinal))}" : $"; did you mean '{parent}{close}'?");
    }

    private static string Shown(IConfigurationSection child) => child.Value is null ? "an object or array" : $"'{child.Value}'";
}
