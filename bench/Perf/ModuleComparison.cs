using System.Globalization;
using System.Text;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.Bench;

/// <summary>
/// <c>modules A.wasm B.wasm [--threads K] [--rounds R] [--repeat N] [--kernels]</c>: two compiled modules of one model
/// (say, before and after a kernel change) in one process, at K workers each (both threaded, or K = 1), on the same
/// seeded inputs: per round the median of N runs of each, in alternating order, and the per-round ratio B / A; with
/// <c>--kernels</c> also each kernel's time in both (in sequence, best over the rounds) where the kernel lists agree.
/// Separate <c>run --repeat</c> processes on this VM differ by up to ±20 % for the same module, more than most kernel
/// changes being measured; within one process alternating rounds they agree within a few per cent.
/// </summary>
public static class ModuleComparison
{
    public static int Run(string[] args)
    {
        var positional = new List<string>();
        int rounds = 5, repeat = 10, threads = 1;
        bool kernels = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--repeat" when i + 1 < args.Length: repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads" when i + 1 < args.Length: threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--kernels": kernels = true; break;
                case var path when !path.StartsWith('-'): positional.Add(path); break;
                default:
                    Console.Error.WriteLine($"error: unknown or incomplete option '{args[i]}' (modules A.wasm B.wasm [--threads K] [--rounds R] [--repeat N] [--kernels])");
                    return 2;
            }
        }
        if (positional.Count != 2)
        {
            Console.Error.WriteLine("error: modules takes two modules: A.wasm B.wasm");
            return 2;
        }
        using var wasmtime = new WasmtimeRuntime();
        IRuntime runtime = wasmtime; // the interface Load, which also takes threaded modules
        var options = new RuntimeOptions { Threads = threads, Timeout = TimeSpan.FromSeconds(600) };
        using var a = runtime.Load(File.ReadAllBytes(positional[0]), options);
        using var b = runtime.Load(File.ReadAllBytes(positional[1]), options);
        var inputs = BenchModel.SeededInputs(a.Metadata.Inputs.Select(i => (i.Name, i.ToTensorType())));
        a.Run(inputs);
        b.Run(inputs);
        var (timesA, timesB) = (new List<double>(), new List<double>());
        var (kernelsA, kernelsB) = (BestTimes.Start(a.Metadata.Kernels.Length), BestTimes.Start(b.Metadata.Kernels.Length));
        for (int round = 0; round < rounds; round++)
        {
            foreach (var first in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                (first ? timesA : timesB).Add(PeerComparison.Median(repeat, () => (first ? a : b).Run(inputs)));
                if (kernels)
                {
                    BestTimes.Keep(first ? kernelsA : kernelsB, ((IKernelProfiler)(first ? a : b)).ProfileKernels(inputs, 1));
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: A {timesA[^1]:F1} ms, B {timesB[^1]:F1} ms, B / A {timesB[^1] / timesA[^1]:F3}"));
        }
        var ratios = timesB.Zip(timesA, (y, x) => y / x).Order().ToList();
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{threads} worker(s), {rounds} rounds × median of {repeat}: A {timesA.Min():F1}–{timesA.Max():F1} ms, B {timesB.Min():F1}–{timesB.Max():F1} ms; B / A per round {ratios[0]:F3}–{ratios[^1]:F3}, median {ratios[ratios.Count / 2]:F3}"));
        if (kernels && a.Metadata.Kernels.Select(k => k.Name).SequenceEqual(b.Metadata.Kernels.Select(k => k.Name)))
        {
            text.AppendLine();
            text.AppendLine("| kernel | op | A ms | B ms | B / A |");
            text.AppendLine("|---|---|---|---|---|");
            foreach (int i in Enumerable.Range(0, kernelsA.Length).OrderByDescending(i => Math.Abs(kernelsB[i] - kernelsA[i])).Take(20))
            {
                var k = a.Metadata.Kernels[i];
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {k.Name} | {k.Op}{(k.Algorithm is { } alg ? " (" + alg + ")" : "")} | {kernelsA[i]:F3} | {kernelsB[i]:F3} | {kernelsB[i] / kernelsA[i]:F2} |"));
            }
        }
        Console.WriteLine(text);
        return 0;
    }
}
