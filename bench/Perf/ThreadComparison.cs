using System.Diagnostics;
using System.Globalization;
using System.Text;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Bench.Engines;
using static WasmGraph.Bench.MachineFigures;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.Bench;

/// <summary>
/// Issue 15's focused thread measurement (<c>./wasmgraph bench threads</c>): per model, the module <c>compile
/// --threads 2</c> makes, run by 1 and 2 workers (<c>run --threads 1|2</c>) in alternating single runs for several
/// rounds, the default single-threaded module, and onnxruntime-web in Node at numThreads 1 and 2, in the same rounds;
/// it reports each figure's range over the rounds, the same-round ratios and the median of all paired run ratios, with
/// the load average, because the machine's speed drifts and other processes slow the 2-worker runs most. Then the
/// barrier cost: a chain of split kernels with almost no work.
/// </summary>
public static class ThreadComparison
{
    public static int Run(string repoRoot, string[] args)
    {
        int rounds = 3, repeat = 10;
        bool profileOnly = false;
        string? only = null, output = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--repeat" when i + 1 < args.Length: repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--model" when i + 1 < args.Length: only = args[++i]; break;
                case "--out" when i + 1 < args.Length: output = Path.GetFullPath(args[++i]); break;
                case "--profile-only": profileOnly = true; break;
                default:
                    Console.Error.WriteLine($"error: unknown or incomplete option '{args[i]}' (threads [--rounds R] [--repeat N] [--model NAME] [--profile-only] [--out FILE])");
                    return 2;
            }
        }
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average at start {LoadAverage()}; {rounds} rounds × median of {repeat} runs.");
        report.AppendLine();
        var models = BenchModels.Load(repoRoot).Where(m => m.Exists && !m.IsRanged && (only is null || m.Name.Contains(only, StringComparison.OrdinalIgnoreCase))).ToList();
        if (!profileOnly)
        {
            report.AppendLine("| model | default module, 1 thread (ms) | --threads 2 module, 1 worker (ms) | 2 workers (ms) | 2 / 1 workers (same round) | 2 / 1, paired runs: median (quartiles) | ORT web 1 thread (ms) | ORT web 2 threads (ms) | ours 2 / ORT web 2 (same round) |");
            report.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var model in models)
            {
                Console.WriteLine($"{model.Name}:");
                report.AppendLine(Measure(repoRoot, model, rounds, repeat));
            }
            report.AppendLine();
            report.AppendLine(Barrier());
        }
        foreach (var model in models)
        {
            report.AppendLine();
            report.AppendLine(ThreadProfile.Describe(repoRoot, model, repeat, rounds));
        }
        report.AppendLine(CultureInfo.InvariantCulture, $"Load average at the end: {LoadAverage()}.");
        Console.WriteLine(report);
        if (output is not null)
        {
            File.WriteAllText(output, report.ToString());
            Console.WriteLine($"wrote {output}");
        }
        return 0;
    }

    private static string Measure(string repoRoot, BenchModel model, int rounds, int repeat)
    {
        using var engine = new WasmGraphEngine();
        engine.Compile(model, repoRoot);
        var inputs = model.MakeInputs(engine.Graph!);
        var threaded = new LlvmWasmBackend().Compile(engine.Graph!, new BackendOptions { Threads = 2 }).Bytes;
        using var wasmtime = new WasmtimeRuntime(); // disposed: its engines (and their ticker threads) do not outlive the row
        IRuntime runtime = wasmtime; // the interface Load, which also takes threaded modules
        using var one = runtime.Load(threaded, new RuntimeOptions { Threads = 1 });
        using var two = runtime.Load(threaded, new RuntimeOptions { Threads = 2 });
        var (single, w1, w2, web1, web2) = (new List<double>(), new List<double>(), new List<double>(), new List<double?>(), new List<double?>());
        var paired = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            single.Add(PeerComparison.Median(repeat, () => engine.Run(inputs)));
            var (ones, twos) = PairedRuns(repeat, () => one.Run(inputs), () => two.Run(inputs));
            w1.Add(MedianOf(ones));
            w2.Add(MedianOf(twos));
            paired.AddRange(twos.Zip(ones, (b, a) => b / a));
            web1.Add(model.Prepend is null ? OrtWebEngine.Time(repoRoot, model.Path, inputs, repeat, threads: 1).MedianMs : null);
            web2.Add(model.Prepend is null ? OrtWebEngine.Time(repoRoot, model.Path, inputs, repeat, threads: 2).MedianMs : null);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1}: default {single[^1]:F1}, 1 worker {w1[^1]:F1}, 2 workers {w2[^1]:F1} ms ({w2[^1] / w1[^1]:F2}×), ORT web {web1[^1]:F1} / {web2[^1]:F1} ms; load {LoadAverage()}"));
        }
        var ratios = w2.Zip(w1, (b, a) => b / a).ToList();
        var versusWeb = w2.Zip(web2, (ours, web) => web is double w ? ours / w : (double?)null).Where(r => r is not null).Select(r => r!.Value).ToList();
        paired.Sort();
        string pairedText = string.Create(CultureInfo.InvariantCulture,
            $"{MedianOf(paired):F2} ({paired[paired.Count / 4]:F2}–{paired[paired.Count * 3 / 4]:F2}, {paired.Count} pairs)");
        Console.WriteLine($"  paired runs, 2 / 1 workers: median {pairedText}");
        return string.Create(CultureInfo.InvariantCulture,
            $"| {model.Name} | {Range(single)} | {Range(w1)} | {Range(w2)} | {Range(ratios, "F2")} | {pairedText} | {Range(web1.OfType<double>().ToList())} | {Range(web2.OfType<double>().ToList())} | {Range(versusWeb, "F2")} |");
    }

    /// <summary>
    /// <paramref name="repeat"/> runs of each, one of A and one of B in turn (the order swapped every pair, so neither
    /// always runs first): on this VM the speed drifts over seconds, and a pair sees the same machine. The times in ms.
    /// </summary>
    private static (List<double> A, List<double> B) PairedRuns(int repeat, Action a, Action b)
    {
        static double Time(Action work)
        {
            long start = Stopwatch.GetTimestamp();
            work();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        a();
        b(); // warm both before timing
        var (timesA, timesB) = (new List<double>(repeat), new List<double>(repeat));
        for (int i = 0; i < repeat; i++)
        {
            if (i % 2 == 0)
            {
                timesA.Add(Time(a));
                timesB.Add(Time(b));
            }
            else
            {
                timesB.Add(Time(b));
                timesA.Add(Time(a));
            }
        }
        return (timesA, timesB);
    }

    /// <summary>
    /// The cost of one barrier with 2 workers: a chain of K GlobalAveragePool kernels over 2 planes of 1 pixel, each split
    /// (one plane per worker) and so followed by a barrier; (time(K = 2001) − time(K = 1)) / 2000 with 2 workers.
    /// </summary>
    private static string Barrier()
    {
        double PerRun(int kernels, int workers)
        {
            var graph = BarrierChain(kernels);
            var module = new LlvmWasmBackend().Compile(graph, new BackendOptions { Threads = 2 }).Bytes;
            using var wasmtime = new WasmtimeRuntime(); // disposed: its engines (and their ticker threads) do not outlive the row
            IRuntime runtime = wasmtime; // the interface Load, which also takes threaded modules
            using var session = runtime.Load(module, new RuntimeOptions { Threads = workers });
            var inputs = new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats(new Shape(1, 2, 1, 1), [1f, 2f]) };
            return Enumerable.Range(0, 5).Select(_ => PeerComparison.Median(50, () => session.Run(inputs))).Min();
        }
        const int Long = 2001;
        double shortTwo = PerRun(1, 2), longTwo = PerRun(Long, 2), shortOne = PerRun(1, 1), longOne = PerRun(Long, 1);
        double perBarrierNs = (longTwo - shortTwo) / (Long - 1) * 1e6;
        double perKernelOneNs = (longOne - shortOne) / (Long - 1) * 1e6;
        Console.WriteLine($"barrier: {perBarrierNs:F0} ns per split kernel + barrier with 2 workers, {perKernelOneNs:F0} ns per kernel with 1");
        return string.Create(CultureInfo.InvariantCulture,
            $"Barrier cost (2 workers): {perBarrierNs:F0} ns per split kernel and barrier, against {perKernelOneNs:F0} ns per kernel for 1 worker (no barrier); one inference's fixed cost (start and join the worker thread): {shortTwo * 1000:F0} µs with 2 workers, {shortOne * 1000:F0} µs with 1.");
    }

    private static Graph BarrierChain(int kernels)
    {
        var builder = new GraphBuilder("barrier-chain");
        var type = new TensorType(DataType.Float32, new Shape(1, 2, 1, 1));
        string previous = builder.AddInput("x", type);
        for (int i = 0; i < kernels; i++)
        {
            previous = builder.AddNode("GlobalAveragePool", [previous], [($"p{i}", type)], name: $"pool{i}").Outputs[0];
        }
        builder.Outputs.Add(previous);
        return builder.Build();
    }
}
