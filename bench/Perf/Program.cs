using BenchmarkDotNet.Running;
using WasmGraph.Bench;

// `report [--repeat N] [--model NAME] [--out FILE] [--json]`: the one-run peer comparison written to docs/benchmarks.md;
// with --json the table goes to stdout as JSON (docs/cli.md), progress to stderr, and Markdown only to an explicit --out.
// Anything else goes to BenchmarkDotNet (e.g. `--filter *Inference*`).
if (args.Length > 0 && args[0] == "report")
{
    int repeat = 10;
    string? model = null;
    var root = BenchModels.FindRepoRoot();
    string? output = null;
    bool json = false;
    for (int i = 1; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--repeat" when i + 1 < args.Length: repeat = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
            case "--model" when i + 1 < args.Length: model = args[++i]; break;
            case "--out" when i + 1 < args.Length: output = Path.GetFullPath(args[++i]); break;
            case "--json": json = true; break;
            default:
                Console.Error.WriteLine($"error: unknown or incomplete bench option '{args[i]}'; see ./wasmgraph bench --help");
                return 2;
        }
    }
    if (!json)
    {
        return PeerComparison.Run(root, repeat, model, output ?? Path.Combine(root, "docs", "benchmarks.md"));
    }
    // One JSON document on stdout and nothing else: the progress lines the comparison prints go to stderr.
    var stdout = Console.Out;
    Console.SetOut(Console.Error);
    return PeerComparison.Run(root, repeat, model, output, stdout);
}
// `conv-algorithms [--rounds R] [--repeat N] [--model NAME] [--algorithms a,b,...]`: direct against Winograd per 3×3 layer.
if (args.Length > 0 && args[0] == "conv-algorithms")
{
    return ConvAlgorithmComparison.Run(BenchModels.FindRepoRoot(), args[1..]);
}
// `threads [--rounds R] [--repeat N] [--model NAME] [--out FILE]`: 1 against 2 workers and onnxruntime-web 1 and 2 threads (issue 15).
if (args.Length > 0 && args[0] == "threads")
{
    return ThreadComparison.Run(BenchModels.FindRepoRoot(), args[1..]);
}
// `lengths RANGED.wasm STATIC.wasm [--lengths 1,16,128] [--rounds R]`: a run-time range against the static module (bench/minilm-lengths.sh).
if (args.Length > 0 && args[0] == "lengths")
{
    return LengthComparison.Run(args[1..]);
}
// `modules A.wasm B.wasm [--threads K] [--rounds R] [--repeat N] [--kernels]`: two compiled modules alternated in one process.
if (args.Length > 0 && args[0] == "modules")
{
    return ModuleComparison.Run(args[1..]);
}
// In process: BenchmarkDotNet's default toolchain rebuilds the benchmark project by the assembly's name
// (WasmGraph.Bench), which is not the project's file name (Perf.csproj), and fails before measuring anything.
var suiteArgs = args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase) ? args : [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmarks).Assembly).Run(suiteArgs);
return 0;
