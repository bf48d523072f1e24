using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using WasmGraph.TestSupport.Fuzzing;

// Runs N fuzz cases (default 10,000) through the ONNX frontend and prints, per mutation kind, how many loaded, were
// rejected with a clear error (exit 2 in the CLI), were rejected without naming the file, or crashed. Exits 1 if any
// case crashed or was rejected unclearly, printing the first few so they can be reproduced (kind, seed model, seed).
int cases = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
int masterSeed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_251_129;
var data = FindDataDirectory();
var seeds = FrontendFuzzer.Seeds(data, maxTestdata: 400, includeLarge: true);
Console.WriteLine($"{cases} cases, master seed {masterSeed}, {seeds.Count} seed models (data: {data ?? "not fetched"})");

var counts = new ConcurrentDictionary<(string Kind, FuzzOutcome Outcome), int>();
var failures = new ConcurrentQueue<string>();
var slowest = new ConcurrentDictionary<string, double>();
var clock = Stopwatch.StartNew();
var plan = new Random(masterSeed);
var work = Enumerable.Range(0, cases).Select(i =>
{
    // ResNet18 (the last seed, 46 MB) takes ~1 s a load: give it one case in 500, the small seeds the rest.
    bool large = seeds[^1].Name == "ResNet18" && i % 500 == 0;
    int seedIndex = large ? seeds.Count - 1 : plan.Next(seeds.Count - (seeds[^1].Name == "ResNet18" ? 1 : 0));
    return (Kind: FrontendFuzzer.Kinds[i % FrontendFuzzer.Kinds.Length], Seed: seedIndex, CaseSeed: plan.Next());
}).ToList();

Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
{
    var bytes = FrontendFuzzer.Make(item.Kind, seeds[item.Seed].Bytes, item.CaseSeed);
    var result = FrontendFuzzer.Run(item.Kind, bytes);
    counts.AddOrUpdate((item.Kind, result.Outcome), 1, (_, n) => n + 1);
    slowest.AddOrUpdate(item.Kind, result.Milliseconds, (_, ms) => Math.Max(ms, result.Milliseconds));
    if (result.Outcome is FuzzOutcome.Crashed or FuzzOutcome.RejectedUnclearly)
    {
        failures.Enqueue($"{item.Kind} of {seeds[item.Seed].Name} (seed {item.CaseSeed}): {result.Outcome}: {result.Error?.GetType().Name}: {result.Error?.Message}");
    }
});

var outcomes = Enum.GetValues<FuzzOutcome>();
Console.WriteLine();
Console.WriteLine($"| kind | cases | {string.Join(" | ", outcomes.Select(o => o.ToString().ToLowerInvariant()))} | slowest |");
Console.WriteLine($"|---|---:|{string.Concat(outcomes.Select(_ => "---:|"))}---:|");
foreach (var kind in FrontendFuzzer.Kinds.Append("total"))
{
    int Count(FuzzOutcome o) => counts.Where(c => (kind == "total" || c.Key.Kind == kind) && c.Key.Outcome == o).Sum(c => c.Value);
    var cells = outcomes.Select(o => Count(o).ToString(CultureInfo.InvariantCulture));
    var slow = kind == "total" ? slowest.Values.DefaultIfEmpty(0).Max() : slowest.GetValueOrDefault(kind);
    Console.WriteLine($"| {kind} | {outcomes.Sum(Count)} | {string.Join(" | ", cells)} | {slow:F0} ms |");
}
Console.WriteLine();
Console.WriteLine($"{cases} cases in {clock.Elapsed.TotalSeconds:F1} s");
foreach (var failure in failures.Take(20))
{
    Console.WriteLine("FAIL " + failure);
}
return failures.IsEmpty ? 0 : 1;

static string? FindDataDirectory()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "WasmGraph.sln")))
        {
            var data = Path.Combine(dir.FullName, ".cache", "data");
            return Directory.Exists(data) ? data : null;
        }
    }
    return null;
}
