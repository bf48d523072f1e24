using System.Globalization;
using System.Text;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Bench.Engines;

namespace WasmGraph.Bench;

/// <summary>
/// Where a threaded inference's time goes (<c>./wasmgraph bench threads --profile-only</c>): each kernel's one-thread
/// time (the per-kernel profile of the default module) beside how the <c>--threads 2</c> module splits it (metadata
/// <c>kernels[].split</c>, which <c>inspect</c> also shows): 0 = on worker 0 alone, n = n pieces. From those it
/// projects the time at W workers if nothing but the split limited it (unsplit kernels whole, a split kernel's
/// ⌈n / W⌉ / n of its time, n its largest split loop), counts the barriers between kernels, and lists the kernels that lose the most at 2 workers.
/// A projection, not a measurement: barriers, memory bandwidth and the other worker's scheduling come on top.
/// </summary>
internal static class ThreadProfile
{
    public static string Describe(string repoRoot, BenchModel model, int repeat)
    {
        using var engine = new WasmGraphEngine();
        engine.Compile(model, repoRoot);
        var inputs = model.MakeInputs(engine.Graph!);
        var ms = engine.Profile(inputs, repeat);
        var kernels = engine.Metadata!.Kernels;
        var split = new LlvmWasmBackend().Compile(engine.Graph!, new BackendOptions { Threads = 2 }).Metadata.Kernels;
        if (split.Length != kernels.Length || ms.Count != kernels.Length)
        {
            return $"{model.Name}: the threaded module has {split.Length} kernels, the default {kernels.Length}; no profile.";
        }
        double total = ms.Sum();
        long Pieces(int i) => split[i].Split ?? 0;
        double AtWorkers(int i, int workers) => Pieces(i) == 0 ? ms[i] : ms[i] * Math.Ceiling(Pieces(i) / (double)workers) / Pieces(i);
        double Projected(int workers) => Enumerable.Range(0, ms.Count).Sum(i => AtWorkers(i, workers));
        int barriers = Enumerable.Range(0, kernels.Length - 1).Count(i => Pieces(i) > 0 || Pieces(i + 1) > 0);
        double unsplit = Enumerable.Range(0, ms.Count).Where(i => Pieces(i) == 0).Sum(i => ms[i]);

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"#### {model.Name}: {kernels.Length} kernels, {total:F1} ms at 1 thread (per-kernel profile, best of {repeat})");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Unsplit (worker 0 alone): {unsplit:F1} ms ({100 * unsplit / total:F1} %) in {Enumerable.Range(0, ms.Count).Count(i => Pieces(i) == 0)} kernels; at most {barriers} barriers between kernels per inference (one wherever a split kernel starts or ends; the module skips those between kernels that cannot race).");
        text.AppendLine("Projected time / 1-thread time, from the split alone: " + string.Join(", ",
            new[] { 2, 4, 8, 16 }.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w} workers {Projected(w) / total:F2}×"))) + ".");
        text.AppendLine();
        text.AppendLine("| kernel | op | 1-thread ms | split pieces | ms at 2 workers (projected) | lost vs an even split |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (int i in Enumerable.Range(0, ms.Count).OrderByDescending(i => AtWorkers(i, 2) - ms[i] / 2).Take(12))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {kernels[i].Name} | {kernels[i].Op}{(kernels[i].Algorithm is { } a ? " (" + a + ")" : "")} | {ms[i]:F3} | {Pieces(i)} | {AtWorkers(i, 2):F3} | {AtWorkers(i, 2) - ms[i] / 2:F3} |");
        }
        text.AppendLine();
        text.Append("Unsplit time by op: " + string.Join(", ", Enumerable.Range(0, ms.Count).Where(i => Pieces(i) == 0)
            .GroupBy(i => kernels[i].Op).Select(g => (Op: g.Key, Ms: g.Sum(i => ms[i]), Count: g.Count())).OrderByDescending(g => g.Ms)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Op} ×{g.Count} {g.Ms:F2} ms"))) + ".");
        Console.WriteLine(text);
        return text.ToString();
    }
}
