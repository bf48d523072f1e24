using BenchmarkDotNet.Running;
using WasmGraph.Bench;

// `report [--repeat N] [--model NAME] [--out FILE]`: the one-run peer comparison written to docs/benchmarks.md.
// Anything else goes to BenchmarkDotNet (e.g. `--filter *Inference*`).
if (args.Length > 0 && args[0] == "report")
{
    int repeat = 10;
    string? model = null;
    var root = BenchModels.FindRepoRoot();
    string output = Path.Combine(root, "docs", "benchmarks.md");
    for (int i = 1; i < args.Length - 1; i++)
    {
        switch (args[i])
        {
            case "--repeat": repeat = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
            case "--model": model = args[++i]; break;
            case "--out": output = Path.GetFullPath(args[++i]); break;
        }
    }
    return PeerComparison.Run(root, repeat, model, output);
}
// `conv-algorithms [--rounds R] [--repeat N] [--model NAME] [--algorithms a,b,...]`: direct against Winograd per 3×3 layer.
if (args.Length > 0 && args[0] == "conv-algorithms")
{
    return ConvAlgorithmComparison.Run(BenchModels.FindRepoRoot(), args[1..]);
}
// In process: BenchmarkDotNet's default toolchain rebuilds the benchmark project by the assembly's name
// (WasmGraph.Bench), which is not the project's file name (Perf.csproj), and fails before measuring anything.
var suiteArgs = args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase) ? args : [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmarks).Assembly).Run(suiteArgs);
return 0;
