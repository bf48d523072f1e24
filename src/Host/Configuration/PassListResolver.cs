using Microsoft.Extensions.Configuration;

namespace WasmGraph.Host.Configuration;

/// <summary>
/// Finds the effective pass list. Microsoft.Extensions.Configuration merges arrays element by element, so a user config
/// listing two passes over the default three would silently keep the third. Here the highest-priority layer that
/// mentions <c>Pipeline:Passes</c> wins whole. A layer may also give the list as one comma-separated string
/// (<c>"fold-batchnorm,fuse-activation"</c>), the text form a pipeline prints back to.
/// </summary>
public static class PassListResolver
{
    private const string Key = PipelineOptions.Section + ":Passes";

    /// <summary>The pass list of the highest-priority layer that sets one, or null if no layer does.</summary>
    public static List<string>? Resolve(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return null;
        }
        foreach (var provider in root.Providers.Reverse())
        {
            // An empty JSON array is stored as the key itself with a null value: that is an empty pipeline.
            if (provider.TryGet(Key, out var text))
            {
                return Parse(text ?? "");
            }
            var indices = provider.GetChildKeys(Enumerable.Empty<string>(), Key).Distinct().ToList();
            if (indices.Count == 0)
            {
                continue;
            }
            var passes = new List<string>();
            foreach (var index in indices.Where(i => int.TryParse(i, out _)).OrderBy(int.Parse))
            {
                if (provider.TryGet($"{Key}:{index}", out var name) && !string.IsNullOrWhiteSpace(name))
                {
                    passes.Add(name.Trim());
                }
            }
            return passes;
        }
        return null;
    }

    /// <summary>Splits a comma-separated pipeline; an empty string is an empty pipeline.</summary>
    public static List<string> Parse(string text)
        => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>The text form of a pipeline, which <see cref="Parse"/> reads back.</summary>
    public static string Format(IEnumerable<string> passes) => string.Join(",", passes);
}
