using System.Collections.Immutable;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// One named set of WebAssembly features a module is compiled for (<c>compile --target NAME</c>): the name the module's
/// metadata records, the feature string handed to the backend as <c>Pipeline:Backend:Features</c>, and the infix of
/// its file in a set written by <c>--target all</c> (<see cref="TargetProfiles.PathFor"/>).
/// </summary>
public sealed record TargetProfile(string Name, string Features, string Engines)
{
    public override string ToString() => Name;
}

/// <summary>
/// The target profiles, defined once (docs/targets.md). Every engine that runs a profile runs the ones after it, so a
/// host picks the first it supports. web/wasmgraph.js cannot reference this class and mirrors the names, their order
/// and the file naming scheme by hand (its <c>TARGETS</c>): change both together.
/// <list type="bullet">
/// <item><c>relaxed</c>: SIMD128 plus relaxed-SIMD (the kernels' fused multiply-add), the fastest; Wasmtime, Chrome
/// and Edge 114+, Node 22+ (Node 20 only with <c>--experimental-wasm-relaxed-simd</c>).</item>
/// <item><c>simd128</c>: plain SIMD128, no relaxed instruction (multiply and add instead); every engine with fixed-width
/// SIMD: Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+ (Node 20 included, which refuses relaxed-SIMD without a flag).</item>
/// <item><c>mvp</c>: WebAssembly 1.0, scalar code: no SIMD and none of the later extensions (bulk memory, sign
/// extension, non-trapping float-to-int, multi-value, reference types), for engines without SIMD such as Safari before
/// 16.4 and small interpreters; these extensions cost little in scalar code, and each one an engine may lack is a
/// reason for this profile to exist.</item>
/// </list>
/// </summary>
public static class TargetProfiles
{
    /// <summary>The <c>--target</c> value that writes every profile's module.</summary>
    public const string AllName = "all";

    /// <summary>The metadata's <c>target</c> for a module compiled with features that are no profile's.</summary>
    public const string CustomName = "custom";

    /// <summary>The default features (<see cref="BackendOptions.DefaultFeatures"/>): the relaxed profile's.</summary>
    public const string RelaxedFeatures = "+simd128,+relaxed-simd,+bulk-memory,+nontrapping-fptoint,+sign-ext";

    public static readonly TargetProfile Relaxed = new("relaxed", RelaxedFeatures,
        "Wasmtime, Chrome/Edge 114+, Node 22+ (Node 20 with --experimental-wasm-relaxed-simd)");

    public static readonly TargetProfile Simd128 = new("simd128", "+simd128,-relaxed-simd,+bulk-memory,+nontrapping-fptoint,+sign-ext",
        "every engine with SIMD128: Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+");

    public static readonly TargetProfile Mvp = new("mvp", "-simd128,-relaxed-simd,-bulk-memory,-nontrapping-fptoint,-sign-ext,-multivalue,-reference-types",
        "any WebAssembly 1.0 engine: older Safari, interpreters without SIMD");

    /// <summary>Every profile, fastest first: an engine that runs one runs every later one.</summary>
    public static readonly ImmutableArray<TargetProfile> All = [Relaxed, Simd128, Mvp];

    /// <summary>The names <c>--target</c> accepts: each profile's and <see cref="AllName"/>.</summary>
    public static IEnumerable<string> OptionValues => All.Select(p => p.Name).Append(AllName);

    /// <summary>
    /// The profiles <c>--target <paramref name="value"/></c> asks for: one, or all for <see cref="AllName"/>. Anything
    /// else is a user error naming <paramref name="option"/>, the accepted names and the closest one.
    /// </summary>
    public static ImmutableArray<TargetProfile> Parse(string value, string option)
    {
        if (value == AllName)
        {
            return All;
        }
        if (All.FirstOrDefault(p => p.Name == value) is { } profile)
        {
            return [profile];
        }
        var closest = NameSuggestion.Closest(value, OptionValues);
        throw new WasmGraphException($"{option} '{(value.Length > 40 ? value[..40] + "…" : value)}' is not a target profile" +
                                     (closest is null ? "" : $"; did you mean '{closest}'?") + $" (known: {string.Join(", ", OptionValues)})");
    }

    /// <summary>
    /// The profile whose features are exactly <paramref name="features"/> (the same signed entries in any order), or
    /// null: the name a module's metadata records.
    /// </summary>
    public static TargetProfile? Matching(string features)
        => All.FirstOrDefault(p => Entries(p.Features).SetEquals(Entries(features)));

    /// <summary>
    /// Where a set's module for <paramref name="profile"/> goes, next to <paramref name="output"/> (the <c>-o</c> path):
    /// the relaxed module at <paramref name="output"/> itself, the others with the profile's name before the extension,
    /// <c>model.wasm</c>, <c>model.simd128.wasm</c>, <c>model.mvp.wasm</c>.
    /// </summary>
    public static string PathFor(string output, TargetProfile profile)
    {
        if (profile == Relaxed)
        {
            return output;
        }
        var extension = Path.GetExtension(output);
        return output[..^extension.Length] + "." + profile.Name + (extension.Length > 0 ? extension : ".wasm");
    }

    private static ImmutableHashSet<string> Entries(string features)
        => features.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToImmutableHashSet(StringComparer.Ordinal);
}
