using System.Collections.Frozen;
using System.Collections.Immutable;
using WasmGraph.Abstractions;

namespace WasmGraph.Backends.LlvmWasm;

/// <summary>
/// The WebAssembly features a module is compiled for, parsed from <c>Pipeline:Backend:Features</c> (LLVM's
/// "+simd128,-sign-ext" form) and checked before LLVM sees them. LLVM only warns about a feature it does not know and
/// then aborts the process on what the kernels need from the missing feature, so every entry is checked here:
/// known to LLVM 19, signed, listed once, consistent. The kernels then ask this record what they may use: no relaxed
/// madd without relaxed-simd, no memory.copy without bulk-memory; without simd128 LLVM splits the kernels' generic
/// &lt;4 x float&gt; arithmetic into scalars.
/// </summary>
public sealed record WasmFeatures
{
    /// <summary>The configuration key the features come from, named in every error about them.</summary>
    public const string Setting = "Pipeline:Backend:Features";

    /// <summary>
    /// LLVM 19's WebAssembly features (<c>-mattr=help</c> of the wasm32 target). The kernels use instructions of only
    /// simd128, relaxed-simd and bulk-memory (and of whatever LLVM picks for plain IR, such as sign-ext or
    /// nontrapping-fptoint); the others change nothing in the code we generate, so they are accepted as LLVM takes them.
    /// </summary>
    public static readonly ImmutableArray<string> Known =
    [
        "atomics", "bulk-memory", "exception-handling", "extended-const", "half-precision", "multimemory", "multivalue",
        "mutable-globals", "nontrapping-fptoint", "reference-types", "relaxed-simd", "sign-ext", "simd128", "tail-call",
    ];

    private static readonly FrozenSet<string> KnownSet = Known.ToFrozenSet(StringComparer.Ordinal);

    private WasmFeatures(ImmutableDictionary<string, bool> settings)
    {
        Settings = settings;
    }

    /// <summary>Each listed feature and whether it is switched on (+) or off (−); unlisted ones keep LLVM's default for the generic CPU.</summary>
    public ImmutableDictionary<string, bool> Settings { get; }

    /// <summary>128-bit SIMD instructions. LLVM's relaxed-simd implies simd128.</summary>
    public bool Simd128 => IsOn("simd128") || RelaxedSimd;

    /// <summary>The relaxed-simd proposal: the kernels use its fused multiply-add (relaxed_madd) only when this is on.</summary>
    public bool RelaxedSimd => IsOn("relaxed-simd");

    /// <summary>memory.copy and memory.fill; without them the module carries its own memcpy and memset (see MemoryFunctions).</summary>
    public bool BulkMemory => IsOn("bulk-memory");

    /// <summary>The feature string handed to LLVM: the parsed entries, normalised (trimmed, in the order given).</summary>
    public string ForLlvm { get; private init; } = "";

    private bool IsOn(string feature) => Settings.TryGetValue(feature, out var on) && on;

    /// <summary>Parses and checks <paramref name="text"/>; a bad entry is a user error (exit 2) naming it.</summary>
    public static WasmFeatures Parse(string? text)
    {
        var settings = ImmutableDictionary.CreateBuilder<string, bool>(StringComparer.Ordinal);
        var normalised = new List<string>();
        if (!string.IsNullOrWhiteSpace(text))
        {
            foreach (var raw in text.Split(','))
            {
                var entry = raw.Trim();
                if (entry.Length == 0)
                {
                    throw Error(text, "an entry is empty (write the features comma-separated, e.g. '+simd128,+bulk-memory')");
                }
                if (entry[0] is not ('+' or '-'))
                {
                    var hint = KnownSet.Contains(entry) ? $"; write '+{entry}' to enable it or '-{entry}' to disable it" : "";
                    throw Error(text, $"entry '{Shown(entry)}' must start with '+' or '-'{hint}");
                }
                var name = entry[1..];
                if (!KnownSet.Contains(name))
                {
                    var closest = Closest(name);
                    var suggestion = closest is null ? "" : $"; did you mean '{entry[0]}{closest}'?";
                    throw Error(text, $"'{Shown(name)}' is not a WebAssembly feature LLVM knows{suggestion} (known: {string.Join(", ", Known)})");
                }
                if (!settings.TryAdd(name, entry[0] == '+'))
                {
                    throw Error(text, $"'{name}' is listed twice");
                }
                normalised.Add(entry);
            }
        }
        if (settings.GetValueOrDefault("relaxed-simd") && settings.TryGetValue("simd128", out var simd) && !simd)
        {
            throw Error(text, "relaxed-simd is enabled but simd128, which it extends, is disabled");
        }
        return new WasmFeatures(settings.ToImmutable()) { ForLlvm = string.Join(",", normalised) };
    }

    /// <summary>The error names the setting and its value (cut short: a config value can be any length).</summary>
    private static WasmGraphException Error(string? text, string problem)
        => new($"{Setting} '{Shown(text)}': {problem}");

    private static string? Shown(string? text) => text is { Length: > 100 } ? text[..100] + "…" : text;

    /// <summary>The known feature nearest to a misspelling, if any is close enough to be what was meant.</summary>
    private static string? Closest(string name) => NameSuggestion.Closest(name, Known);
}
