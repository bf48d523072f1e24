using System.Text.Json;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Bench;

/// <summary>One benchmark model: where it is, what is prepended, which shapes are pinned, and how inputs are made.</summary>
public sealed record BenchModel(string Name, string Path, string? Prepend, IReadOnlyDictionary<string, long[]> InputShapes, string Note)
{
    public bool Exists => (File.Exists(Path) || Quantize is { } q && File.Exists(q.From)) && (Prepend is null || File.Exists(Prepend));

    /// <summary>Whether every target profile is timed too (<c>"profiles": true</c>; see <see cref="TargetProfileComparison"/>).</summary>
    public bool Profiles { get; init; }

    /// <summary>
    /// For an int8 row: the float model and the <c>wasmgraph quantize</c> arguments that make <see cref="Path"/> from it
    /// (<c>"quantize": { "from": …, "args": [...] }</c>), run through the public command line, as a user would.
    /// </summary>
    public (string From, string[] Args)? Quantize { get; init; }

    /// <summary>
    /// For a module compiled through the public command line (<c>"compile": [...]</c>, the arguments after
    /// <c>wasmgraph compile MODEL -o OUT</c>), e.g. a run-time range <c>--input-shape input_ids=1,1..128</c>; empty
    /// for the in-process default pipeline.
    /// </summary>
    public IReadOnlyList<string> CompileArgs { get; init; } = [];

    /// <summary>
    /// The input shapes one module compiled with <see cref="CompileArgs"/> is run at, each a row of the report named
    /// by its label (<c>"runAt": { "16 tokens": { "input_ids": [1, 16], ... } }</c>); empty for a one-row model.
    /// </summary>
    public IReadOnlyList<(string Label, IReadOnlyDictionary<string, long[]> Shapes)> RunAt { get; init; } = [];

    /// <summary>Whether this is one ranged module run at several shapes (its own rows; see <see cref="RangedRows"/>).</summary>
    public bool IsRanged => RunAt.Count > 0;

    /// <summary>Writes the quantized model when it is missing or older than its float model; false when that failed.</summary>
    public bool EnsureQuantized()
    {
        if (Quantize is not { } q || !File.Exists(q.From) || (File.Exists(Path) && File.GetLastWriteTimeUtc(Path) >= File.GetLastWriteTimeUtc(q.From)))
        {
            return true;
        }
        Console.WriteLine($"quantizing {q.From} for '{Name}' ...");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        int exit = WasmGraph.Apps.Cli.WasmGraphApps.RunAsync(["quantize", q.From, "-o", Path, "--quiet", .. q.Args]).GetAwaiter().GetResult();
        return exit == 0;
    }

    /// <summary>Seeded inputs: images in 0..255, token ids in a small vocabulary range, masks of ones.</summary>
    public Dictionary<string, TensorData> MakeInputs(Graph graph, int seed = 7) => MakeInputs(graph.Inputs.Select(i => (i, graph.TypeOf(i))), seed);

    /// <summary>Seeded inputs of the given names and types (as <see cref="MakeInputs(Graph, int)"/>).</summary>
    public Dictionary<string, TensorData> MakeInputs(IEnumerable<(string Name, TensorType Type)> types, int seed = 7) => SeededInputs(types, seed);

    /// <summary>Seeded inputs of the given names and types, for any module (images in 0..255, token ids, masks of ones).</summary>
    public static Dictionary<string, TensorData> SeededInputs(IEnumerable<(string Name, TensorType Type)> types, int seed = 7)
    {
        var random = new Random(seed);
        var inputs = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var (name, type) in types)
        {
            var n = (int)type.ElementCount;
            inputs[name] = type.ElementType switch
            {
                DataType.Float32 => TensorData.FromFloats(type.Shape, Enumerable.Range(0, n).Select(_ => random.NextSingle() * 255f).ToArray()),
                DataType.Int64 when name.Contains("mask", StringComparison.OrdinalIgnoreCase) => TensorData.FromInt64s(type.Shape, Enumerable.Repeat(1L, n).ToArray()),
                DataType.Int64 when name.Contains("type", StringComparison.OrdinalIgnoreCase) => TensorData.FromInt64s(type.Shape, new long[n]),
                DataType.Int64 => TensorData.FromInt64s(type.Shape, Enumerable.Range(0, n).Select(_ => (long)random.Next(1000, 5000)).ToArray()),
                _ => new TensorData(type, new byte[type.ByteSize]),
            };
        }
        return inputs;
    }
}

/// <summary>The models of issue 6's benchmark, from bench/models.json; paths are relative to the repository root.</summary>
public static class BenchModels
{
    public static IReadOnlyList<BenchModel> Load(string repoRoot)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(repoRoot, "bench", "models.json")));
        return json.RootElement.EnumerateArray().Select(m => new BenchModel(
            m.GetProperty("name").GetString()!,
            System.IO.Path.Combine(repoRoot, m.GetProperty("path").GetString()!),
            m.TryGetProperty("prepend", out var p) ? System.IO.Path.Combine(repoRoot, p.GetString()!) : null,
            m.TryGetProperty("inputShapes", out var s) ? Shapes(s) : new Dictionary<string, long[]>(),
            m.TryGetProperty("note", out var note) ? note.GetString()! : "")
        {
            Profiles = m.TryGetProperty("profiles", out var profiles) && profiles.GetBoolean(),
            CompileArgs = m.TryGetProperty("compile", out var c) ? c.EnumerateArray().Select(a => a.GetString()!).ToArray() : [],
            RunAt = m.TryGetProperty("runAt", out var at)
                ? at.EnumerateObject().Select(r => (r.Name, (IReadOnlyDictionary<string, long[]>)Shapes(r.Value))).ToList()
                : [],
            Quantize = m.TryGetProperty("quantize", out var q)
                ? (System.IO.Path.Combine(repoRoot, q.GetProperty("from").GetString()!),
                   q.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).Select(a => RepoPath(repoRoot, a)).ToArray())
                : null,
        }).ToList();
    }

    private static Dictionary<string, long[]> Shapes(JsonElement shapes)
        => shapes.EnumerateObject().ToDictionary(o => o.Name, o => o.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());

    /// <summary>An argument naming a file or folder of the repository (relative to its root) as a full path; others as they are.</summary>
    private static string RepoPath(string repoRoot, string argument)
    {
        var full = System.IO.Path.Combine(repoRoot, argument);
        return !argument.StartsWith('-') && (argument.StartsWith(".cache/", StringComparison.Ordinal) || File.Exists(full) || Directory.Exists(full)) ? full : argument;
    }

    public static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "WasmGraph.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
