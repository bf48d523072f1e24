using System.Diagnostics;
using System.Globalization;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.Bench;

/// <summary>
/// <c>lengths RANGED.wasm STATIC.wasm [--lengths 1,16,128] [--rounds R]</c> (run by bench/minilm-lengths.sh on
/// modules it compiled with <c>wasmgraph compile</c>): a module with a run-time range at several lengths against the
/// static module (compiled at the bound, or at any one length in the range), one inference of each per round in a rotating order, so that a busy neighbour slows
/// every figure of a round alike. It prints each figure's median over the rounds and the median (and quartiles) of
/// the per-round ratio ranged / static at the static module's length: on a shared machine, medians of separate <c>run --repeat</c>
/// calls drifted by ±40 % between calls, far more than the difference being measured.
/// Both sessions run as <c>wasmgraph run</c> runs them, with its default time limit (600 s, epoch interruption).
/// </summary>
public static class LengthComparison
{
    public static int Run(string[] args)
    {
        var positional = new List<string>();
        int rounds = 30;
        long[]? lengths = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--lengths" when i + 1 < args.Length: lengths = args[++i].Split(',').Select(l => long.Parse(l, CultureInfo.InvariantCulture)).ToArray(); break;
                case var a when !a.StartsWith('-'): positional.Add(a); break;
                default:
                    Console.Error.WriteLine($"error: unknown or incomplete option '{args[i]}' (lengths RANGED.wasm STATIC.wasm [--lengths 1,16,128] [--rounds R])");
                    return 2;
            }
        }
        if (positional.Count != 2)
        {
            Console.Error.WriteLine("error: lengths takes two modules: RANGED.wasm STATIC.wasm");
            return 2;
        }
        using var runtime = new WasmtimeRuntime();
        var options = new RuntimeOptions { Timeout = TimeSpan.FromSeconds(600) };
        using var ranged = runtime.Load(File.ReadAllBytes(positional[0]), options);
        using var fixedLength = runtime.Load(File.ReadAllBytes(positional[1]), options);
        var dynamicInputs = ranged.Metadata.Inputs.Where(i => i.IsDynamicInput).ToList();
        if (dynamicInputs.Count == 0)
        {
            Console.Error.WriteLine($"error: {positional[0]} has no run-time range (no input with min_shape)");
            return 2;
        }
        int axis = dynamicInputs[0].DynamicDims!.Value[0];
        long bound = dynamicInputs[0].Shape[axis];
        long staticLength = fixedLength.Metadata.Inputs.Single(i => i.Name == dynamicInputs[0].Name).Shape[axis];
        lengths ??= [bound];

        Dictionary<string, TensorData> InputsAt(ModelMetadata metadata, long length)
            => BenchModel.SeededInputs(metadata.Inputs.Select(i =>
                (i.Name, new TensorType(i.ToTensorType().ElementType,
                                        new Shape(i.Shape.Select((d, axis) => i.IsDynamicInput && i.DynamicDims!.Value.Contains(axis) ? length : d).ToArray())))));

        var cases = lengths.Select(l => ($"range 1..{bound} at {l}", (IModelSession)ranged, InputsAt(ranged.Metadata, l)))
                           .Append(($"static at {staticLength}", fixedLength, InputsAt(fixedLength.Metadata, staticLength))).ToList();
        var times = cases.Select(_ => new List<double>()).ToList();
        var cpuTimes = cases.Select(_ => new List<double>()).ToList();
        var process = Process.GetCurrentProcess();
        foreach (var (_, session, inputs) in cases)
        {
            session.Run(inputs); // warm-up
        }
        for (int round = 0; round < rounds; round++)
        {
            for (int j = 0; j < cases.Count; j++)
            {
                int c = (j + round) % cases.Count; // rotate the order: no case always runs first
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                cases[c].Item2.Run(cases[c].Item3);
                times[c].Add(clock.Elapsed.TotalMilliseconds);
                process.Refresh();
                cpuTimes[c].Add((process.TotalProcessorTime - cpu).TotalMilliseconds);
            }
        }
        Console.WriteLine($"{rounds} rounds, one inference of each per round; load average {MachineFigures.LoadAverage()}");
        Report("wall-clock", times);
        Report("CPU time of this process (less moved by neighbours taking turns on the cores)", cpuTimes);
        return 0;

        void Report(string what, List<List<double>> measured)
        {
            Console.WriteLine($" {what}:");
            for (int c = 0; c < cases.Count; c++)
            {
                Console.WriteLine($"  {cases[c].Item1,-24} median {Quantile(measured[c], 0.5):F1} ms (quartiles {Quantile(measured[c], 0.25):F1}–{Quantile(measured[c], 0.75):F1})");
            }
            Ratios(measured, lengths, bound, staticLength);
        }
    }

    /// <summary>
    /// Per-round ratios: the range at the static module's length over the static module (the last case), and the
    /// bound over each shorter length.
    /// </summary>
    private static void Ratios(List<List<double>> times, long[] lengths, long bound, long staticLength)
    {
        int atStatic = Array.IndexOf(lengths, staticLength);
        if (atStatic >= 0)
        {
            var ratios = times[atStatic].Zip(times[^1], (r, s) => r / s).ToList();
            Console.WriteLine($"  range at {staticLength} / static at {staticLength}, same round: median {Quantile(ratios, 0.5):F3} (quartiles {Quantile(ratios, 0.25):F3}–{Quantile(ratios, 0.75):F3})");
        }
        int atBound = Array.IndexOf(lengths, bound);
        for (int c = 0; c < lengths.Length; c++)
        {
            if (lengths[c] != bound && atBound >= 0)
            {
                var ratios = times[atBound].Zip(times[c], (b, l) => b / l).ToList();
                Console.WriteLine($"  range at {bound} / range at {lengths[c]}, same round: median {Quantile(ratios, 0.5):F2}×");
            }
        }
    }

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Round(q * (sorted.Count - 1))];
    }
}
