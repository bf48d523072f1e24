using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Abstractions.Plugins;

/// <summary>
/// A tuning log (<c>wasmgraph tune</c>, read by <c>compile --tuning</c>; schema in docs/performance.md, "Tuning"):
/// for each workload a backend can compute in more than one way, the kernel that measured fastest, with every
/// candidate's time. Entries are keyed by the backend's workload key and its target (for llvm-wasm: the shape of a
/// convolution and the normalised feature string), so one log serves every model that shares shapes, and entries for
/// another target are kept but not applied. The file is untrusted input: <see cref="Parse"/> checks its size, version
/// and every entry's form, and the backend checks what the entries for its target mean (<see cref="IBackend.CheckOptions"/>).
/// </summary>
public sealed record TuningLog
{
    /// <summary>The only version this build reads and writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>A log of a few hundred shapes is tens of KiB; a file past this is refused before it is decoded.</summary>
    public const int MaxBytes = 4 << 20;

    /// <summary>Far more distinct shapes than any model zoo holds.</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Keys, targets and kernel names are short identifiers.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Candidates per entry: a backend has a handful of kernels per workload.</summary>
    public const int MaxCandidates = 64;

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;

    [JsonPropertyName("entries")] public ImmutableArray<TuningEntry> Entries { get; init; } = [];

    /// <summary>Where the log came from (a file path), for messages; not part of the file.</summary>
    [JsonIgnore] public string Source { get; init; } = "tuning log";

    /// <summary>The entry for <paramref name="key"/> on <paramref name="target"/>, if the log has one.</summary>
    public TuningEntry? Find(string key, string target)
        => Entries.FirstOrDefault(e => e.Key == key && e.Target == target);

    /// <summary>This log with <paramref name="entry"/> added, or replacing the entry of the same key and target.</summary>
    public TuningLog With(TuningEntry entry)
    {
        for (int i = 0; i < Entries.Length; i++)
        {
            if (Entries[i].Key == entry.Key && Entries[i].Target == entry.Target)
            {
                return this with { Entries = Entries.SetItem(i, entry) };
            }
        }
        return this with { Entries = Entries.Add(entry) };
    }

    /// <summary>Entries in a stable order (target, then key), so a rewritten file diffs cleanly.</summary>
    public byte[] ToJson()
    {
        var sorted = this with { Entries = [.. Entries.OrderBy(e => e.Target, StringComparer.Ordinal).ThenBy(e => e.Key, StringComparer.Ordinal)] };
        return JsonSerializer.SerializeToUtf8Bytes(sorted, Indented);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions Strict = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads a log from <paramref name="json"/>; <paramref name="source"/> (the file) opens every error, which names
    /// the entry by index and key. Anything malformed is a <see cref="WasmGraphException"/>, never another exception.
    /// </summary>
    public static TuningLog Parse(ReadOnlySpan<byte> json, string source)
    {
        if (json.Length > MaxBytes)
        {
            throw new WasmGraphException($"{source}: {json.Length:N0} bytes is more than a tuning log's limit of {MaxBytes:N0} bytes");
        }
        TuningLog? log;
        try
        {
            StrictUtf8.GetString(json);
            log = JsonSerializer.Deserialize<TuningLog>(json, Strict);
        }
        catch (DecoderFallbackException)
        {
            throw new WasmGraphException($"{source}: not a tuning log: the file is not UTF-8 text");
        }
        catch (JsonException e)
        {
            throw new WasmGraphException($"{source}: not a tuning log: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or FormatException or OverflowException)
        {
            throw new WasmGraphException($"{source}: not a tuning log: {e.Message}", e);
        }
        if (log is null)
        {
            throw new WasmGraphException($"{source}: not a tuning log: the JSON is null");
        }
        if (log.Version != CurrentVersion)
        {
            throw new WasmGraphException($"{source}: tuning log version {log.Version} is not supported; this build reads version {CurrentVersion} (run wasmgraph tune again)");
        }
        if (log.Entries.IsDefault)
        {
            throw new WasmGraphException($"{source}: 'entries' is null; an empty log is \"entries\": []");
        }
        if (log.Entries.Length > MaxEntries)
        {
            throw new WasmGraphException($"{source}: {log.Entries.Length:N0} entries is more than the limit of {MaxEntries:N0}");
        }
        var seen = new HashSet<(string, string)>();
        for (int i = 0; i < log.Entries.Length; i++)
        {
            var entry = log.Entries[i] ?? throw new WasmGraphException($"{source}: entry {i} is null");
            if (entry.Problem() is { } problem)
            {
                throw new WasmGraphException($"{source}: {entry.Describe(i)}: {problem}");
            }
            if (!seen.Add((entry.Key, entry.Target)))
            {
                throw new WasmGraphException($"{source}: {entry.Describe(i)}: the same key and target appear in an earlier entry");
            }
        }
        return log with { Source = source };
    }
}

/// <summary>
/// One measured workload: which kernel won (<see cref="Choice"/>) and in how many milliseconds (median of
/// <see cref="Repeat"/> runs), every candidate's median, and when it was measured.
/// </summary>
public sealed record TuningEntry(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("choice")] string Choice,
    [property: JsonPropertyName("ms")] double Milliseconds,
    [property: JsonPropertyName("candidates")] ImmutableSortedDictionary<string, double> Candidates,
    [property: JsonPropertyName("repeat")] int Repeat,
    [property: JsonPropertyName("measured")] DateTimeOffset Measured)
{
    /// <summary>"entry 3 (key 'conv2d C=64 …')", for messages; the key is cut short and made printable.</summary>
    public string Describe(int index) => Key is null ? $"entry {index}" : $"entry {index} (key '{Printable(Key)}')";

    internal string? Problem()
    {
        if ((Name(Key, "key") ?? Name(Target, "target", allowEmpty: true) ?? Name(Choice, "choice")) is { } bad)
        {
            return bad;
        }
        if (!double.IsFinite(Milliseconds) || Milliseconds < 0)
        {
            return $"'ms' must be a finite number of milliseconds ≥ 0, not {Milliseconds.ToString(CultureInfo.InvariantCulture)}";
        }
        if (Repeat is < 1 or > 1_000_000)
        {
            return $"'repeat' must be between 1 and 1000000, not {Repeat}";
        }
        if (Candidates is null || Candidates.Count == 0)
        {
            return "'candidates' is missing or empty";
        }
        if (Candidates.Count > TuningLog.MaxCandidates)
        {
            return $"{Candidates.Count} candidates is more than the limit of {TuningLog.MaxCandidates}";
        }
        foreach (var (name, ms) in Candidates)
        {
            if (Name(name, "a candidate's name") is { } badName)
            {
                return badName;
            }
            if (!double.IsFinite(ms) || ms < 0)
            {
                return $"candidate '{Printable(name)}' has time {ms.ToString(CultureInfo.InvariantCulture)}; expected a finite number of milliseconds ≥ 0";
            }
        }
        return Candidates.ContainsKey(Choice) ? null : $"the choice '{Printable(Choice)}' is not among its candidates ({string.Join(", ", Candidates.Keys.Select(Printable))})";
    }

    private static string? Name(string? text, string field, bool allowEmpty = false)
    {
        if (text is null || (!allowEmpty && text.Length == 0))
        {
            return $"'{field}' is missing or empty";
        }
        if (text.Length > TuningLog.MaxNameLength)
        {
            return $"'{field}' is {text.Length} characters long; at most {TuningLog.MaxNameLength}";
        }
        return text.Any(char.IsControl) ? $"'{field}' contains control characters" : null;
    }

    private static string Printable(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 80 ? clean[..80] + "…" : clean;
    }
}

/// <summary>
/// A workload of a graph that a backend can compute with more than one kernel (<see cref="IBackend.TuningWorkloads"/>):
/// its log key, a readable description, the graph's nodes that have it, a one-node benchmark graph and the candidates,
/// each with the backend options that compile the benchmark with that kernel.
/// </summary>
public sealed record TuningWorkload(string Key, string Description, ImmutableArray<string> Nodes, Graph Benchmark,
                                    ImmutableArray<TuningCandidate> Candidates);

/// <summary>One kernel a backend can use for a workload, and the options that force it.</summary>
public sealed record TuningCandidate(string Name, BackendOptions Options);
