using System.Globalization;
using System.Text;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Bench.Engines;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.Bench;

/// <summary>
/// Where a threaded inference's time goes (<c>./wasmgraph bench threads --profile-only</c>): each kernel of the
/// <c>--threads 2</c> module timed at 1 and at 2 workers in one process (<c>wg_run_kernel_worker</c>: every worker runs
/// its share of kernel k, then a barrier; timed on worker 0, best of the repeats, the 1- and 2-worker passes
/// alternated over the rounds), beside how the kernel splits (metadata <c>kernels[].split</c>: 0 = on worker 0 alone,
/// n = n pieces). It lists the kernels that lose the most against an even halving, and projects the time at W workers
/// from the split alone (unsplit kernels whole, a split kernel ⌈n / W⌉ / n of its 1-worker time), for the cores this
/// machine does not have.
/// </summary>
internal static class ThreadProfile
{
    public static string Describe(string repoRoot, BenchModel model, int repeat, int rounds)
    {
        using var engine = new WasmGraphEngine();
        engine.Compile(model, repoRoot);
        var inputs = model.MakeInputs(engine.Graph!);
        var compiled = new LlvmWasmBackend().Compile(engine.Graph!, new BackendOptions { Threads = 2 });
        var kernels = compiled.Metadata.Kernels;
        using var wasmtime = new WasmtimeRuntime(); // disposed: its engines (and their ticker threads) do not outlive the row
        IRuntime runtime = wasmtime; // the interface Load, which also takes threaded modules
        using var one = runtime.Load(compiled.Bytes, new RuntimeOptions { Threads = 1 });
        using var two = runtime.Load(compiled.Bytes, new RuntimeOptions { Threads = 2 });
        // In sequence: each kernel called once, right after the one before it (repeat 1), as in a run: its inputs were
        // just written, by whichever worker wrote them. Warm: the best of `repeat` calls in a row, inputs in cache.
        var ms1 = BestTimes.Start(kernels.Length);
        var ms2 = BestTimes.Start(kernels.Length);
        var warm1 = BestTimes.Start(kernels.Length);
        var warm2 = BestTimes.Start(kernels.Length);
        var totals = new List<(double One, double Two)>();
        for (int round = 0; round < Math.Max(1, rounds); round++)
        {
            // Whole runs in the same round, to set the kernels' sum beside what a run costs at each worker count.
            double run1 = PeerComparison.Median(repeat, () => one.Run(inputs)), run2 = PeerComparison.Median(repeat, () => two.Run(inputs));
            var a = ((IKernelProfiler)one).ProfileKernels(inputs, 1);
            var b = ((IKernelProfiler)two).ProfileKernels(inputs, 1);
            BestTimes.Keep(ms1, a);
            BestTimes.Keep(ms2, b);
            BestTimes.Keep(warm1, ((IKernelProfiler)one).ProfileKernels(inputs, repeat));
            BestTimes.Keep(warm2, ((IKernelProfiler)two).ProfileKernels(inputs, repeat));
            totals.Add((a.Sum(), b.Sum()));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {model.Name} profile round {round + 1}: kernels in sequence {a.Sum():F1} ms at 1 worker, {b.Sum():F1} ms at 2 ({b.Sum() / a.Sum():F2}×); whole runs {run1:F1} and {run2:F1} ms ({run2 / run1:F2}×)"));
        }
        double total1 = ms1.Sum(), total2 = ms2.Sum();
        long Pieces(int i) => kernels[i].Split ?? 0;
        double AtWorkers(int i, int workers) => Pieces(i) == 0 ? ms1[i] : ms1[i] * Math.Ceiling(Pieces(i) / (double)workers) / Pieces(i);
        double Projected(int workers) => Enumerable.Range(0, ms1.Length).Sum(i => AtWorkers(i, workers));
        double unsplit = Enumerable.Range(0, ms1.Length).Where(i => Pieces(i) == 0).Sum(i => ms1[i]);

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"#### {model.Name}: {kernels.Length} kernels; in sequence (best of {rounds} rounds per kernel) {total1:F1} ms at 1 worker, {total2:F1} ms at 2 ({total2 / total1:F2}×; per round {string.Join(", ", totals.Select(t => (t.Two / t.One).ToString("F2", CultureInfo.InvariantCulture)))}×); warm (best of {repeat} calls in a row) {warm1.Sum():F1} and {warm2.Sum():F1} ms ({warm2.Sum() / warm1.Sum():F2}×)");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Unsplit (worker 0 alone): {unsplit:F1} ms ({100 * unsplit / total1:F1} %) in {Enumerable.Range(0, ms1.Length).Count(i => Pieces(i) == 0)} kernels. Projected time / 1-worker time from the split alone: ") + string.Join(", ",
            new[] { 2, 4, 8, 16 }.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w} workers {Projected(w) / total1:F2}×"))) + ".");
        text.AppendLine();
        text.AppendLine("| kernel | op | split pieces | in sequence: 1 worker ms | 2 workers ms | 2 / 1 | lost vs an even halving (ms) | warm: 1 worker ms | 2 workers ms | 2 / 1 |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (int i in Enumerable.Range(0, ms1.Length).OrderByDescending(i => ms2[i] - ms1[i] / 2).Take(30))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {kernels[i].Name} | {kernels[i].Op}{(kernels[i].Algorithm is { } alg ? " (" + alg + ")" : "")} | {Pieces(i)} | {ms1[i]:F3} | {ms2[i]:F3} | {ms2[i] / ms1[i]:F2} | {ms2[i] - ms1[i] / 2:F3} | {warm1[i]:F3} | {warm2[i]:F3} | {warm2[i] / warm1[i]:F2} |");
        }
        text.AppendLine();
        text.Append("2 / 1 workers by op (sum of kernels): " + string.Join(", ", Enumerable.Range(0, ms1.Length)
            .GroupBy(i => kernels[i].Op + (kernels[i].Algorithm is { } alg ? " (" + alg + ")" : ""))
            .Select(g => (Op: g.Key, One: g.Sum(i => ms1[i]), Two: g.Sum(i => ms2[i]), Count: g.Count())).OrderByDescending(g => g.One)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Op} ×{g.Count} {g.One:F1} → {g.Two:F1} ms ({g.Two / g.One:F2})"))) + ".");
        Console.WriteLine(text);
        return text.ToString();
    }
}
