using System.Globalization;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Bench.Engines;
using static WasmGraph.Bench.MachineFigures;
using WasmGraph.Host.Cli;
using WasmGraph.Apps.Reference;

namespace WasmGraph.Bench;

/// <summary>
/// Direct against Winograd convolution, per layer and per model, on a shared noisy machine: each model is compiled
/// once per algorithm (<c>Pipeline:Backend:ConvAlgorithm</c> forced), and the modules are then measured in alternation,
/// round after round, so that every round gives same-run ratios. Per round and module: each kernel's best of
/// <c>--repeat</c> runs (<c>wg_run_kernel</c>) and the median whole-model run. Also the error of each module against
/// ONNX Runtime (max |diff| / max |ref|).
/// </summary>
public static class ConvAlgorithmComparison
{
    public static int Run(string repoRoot, string[] args)
    {
        int rounds = 3, repeat = 5;
        string? only = null;
        string[] algorithms = ["direct", "winograd2", "winograd4", "winograd6"];
        for (int i = 0; i < args.Length - 1; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--repeat": repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--model": only = args[++i]; break;
                case "--algorithms": algorithms = args[++i].Split(','); break;
            }
        }
        var models = BenchModels.Load(repoRoot).Where(m => m.Exists && m.Name.StartsWith("ResNet", StringComparison.Ordinal)
                                                            && (only is null || m.Name.Contains(only, StringComparison.OrdinalIgnoreCase)));
        foreach (var model in models)
        {
            Measure(repoRoot, model, algorithms, rounds, repeat);
        }
        return 0;
    }

    private static void Measure(string repoRoot, BenchModel model, string[] algorithms, int rounds, int repeat)
    {
        Console.WriteLine($"## {model.Name} (load average {LoadAverage()})");
        var engines = algorithms.Select(_ => new WasmGraphEngine()).ToArray();
        try
        {
            for (int a = 0; a < algorithms.Length; a++)
            {
                engines[a].Compile(model, repoRoot, new BackendOptions { ConvAlgorithm = algorithms[a] });
            }
            var graph = engines[0].Graph!;
            var inputs = model.MakeInputs(graph);
            using (var native = new OnnxReferenceSession(model.Prepend is null ? [model.Path] : [model.Prepend, model.Path]))
            {
                var expected = native.Run(inputs);
                for (int a = 0; a < algorithms.Length; a++)
                {
                    var actual = engines[a].Run(inputs);
                    var (diff, magnitude) = expected.Where(e => actual.ContainsKey(e.Key))
                        .Select(e => TensorStats.Compare(actual[e.Key], e.Value))
                        .Aggregate((0.0, 0.0), (s, c) => (Math.Max(s.Item1, c.MaxAbsDiff), Math.Max(s.Item2, c.MaxAbsRef)));
                    Console.WriteLine($"{algorithms[a],-10} max |diff| {diff:G3}, max |ref| {magnitude:G4}: {diff / magnitude:G3} × max |ref|");
                }
            }
            // Layer groups: the 3×3 stride-1 convs by shape (C, M, H, W); the rest together.
            var groups = graph.Nodes.Select(n => Shape(n, graph)).ToArray();
            var keys = groups.Where(k => k is not null).Distinct().Select(k => k!).ToList();
            var layer = new double[rounds, algorithms.Length, keys.Count];
            var whole = new double[rounds, algorithms.Length];
            for (int r = 0; r < rounds; r++)
            {
                // Alternate the order each round, so neither side always runs first after a pause.
                var order = Enumerable.Range(0, algorithms.Length).ToArray();
                if (r % 2 == 1)
                {
                    Array.Reverse(order);
                }
                foreach (var a in order)
                {
                    var profile = engines[a].Profile(inputs, repeat);
                    for (int i = 0; i < profile.Count; i++)
                    {
                        if (groups[i] is { } key)
                        {
                            layer[r, a, keys.IndexOf(key)] += profile[i];
                        }
                    }
                    whole[r, a] = PeerComparison.Median(repeat, () => engines[a].Run(inputs));
                }
            }
            Console.WriteLine($"3×3 stride-1 layers, ms per shape (all layers of that shape, best of {repeat} per kernel), range over {rounds} rounds; ratio = algorithm / direct in the same round:");
            Console.WriteLine($"| C×H×W → M (layers) | {string.Join(" | ", algorithms)} | {string.Join(" | ", algorithms.Skip(1).Select(a => a + " / direct"))} |");
            for (int k = 0; k < keys.Count; k++)
            {
                int count = groups.Count(g => g == keys[k]);
                var cells = algorithms.Select((_, a) => Range(Enumerable.Range(0, rounds).Select(r => layer[r, a, k]), "F2"));
                var ratios = algorithms.Skip(1).Select((_, a) => Range(Enumerable.Range(0, rounds).Select(r => layer[r, a + 1, k] / layer[r, 0, k]), "F2"));
                Console.WriteLine($"| {keys[k]} ({count}) | {string.Join(" | ", cells)} | {string.Join(" | ", ratios)} |");
            }
            var wholeCells = algorithms.Select((_, a) => Range(Enumerable.Range(0, rounds).Select(r => whole[r, a]), "F1"));
            var wholeRatios = algorithms.Skip(1).Select((_, a) => Range(Enumerable.Range(0, rounds).Select(r => whole[r, a + 1] / whole[r, 0]), "F2"));
            Console.WriteLine($"| whole model, median of {repeat} runs | {string.Join(" | ", wholeCells)} | {string.Join(" | ", wholeRatios)} |");
            Console.WriteLine($"(load average at the end {LoadAverage()})");
        }
        finally
        {
            foreach (var engine in engines)
            {
                engine.Dispose();
            }
        }
    }

    /// <summary>"C×H×W → M" for a 2-D 3×3, stride-1, one-group conv, else null.</summary>
    private static string? Shape(Node node, Graph graph)
    {
        if (node.Op is not ("Conv" or FusedOps.Conv) || node.Attributes.GetInts("kernel_shape") is not [3, 3] || node.Attributes.GetInts("strides") is not [1, 1]
            || node.Attributes.GetInt("group", 1) != 1)
        {
            return null;
        }
        var x = graph.TypeOf(node.Inputs[0]).Shape;
        return $"{x[1]}×{x[2]}×{x[3]} → {graph.TypeOf(node.Outputs[0]).Shape[1]}";
    }
}
