using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Frontends.Onnx;
using WasmGraph.Passes.Core;
using WasmGraph.Runtimes.Wasmtime;
using Xunit.Abstractions;

namespace WasmGraph.Conformance.Tests;

/// <summary>
/// The whole ONNX backend test suite through the default pipeline, in both modes of docs/conformance.md: (a) every
/// graph input a run-time input, (b) shape-deciding inputs bound as <c>compile --bind</c> binds them. It fails when
/// fewer cases pass in either mode than baseline.txt records for it (raise the numbers when support grows), and writes
/// the report to artifacts/conformance.md so that a CI run shows what changed. A case without shape-deciding inputs is
/// compiled once for both figures, so the second figure costs only the cases that have them.
/// </summary>
public class ConformanceSuiteTests
{
    private readonly ITestOutputHelper _output;

    public ConformanceSuiteTests(ITestOutputHelper output) => _output = output;

    public static ConformanceRunner DefaultRunner() => new(
        new OnnxFrontend(),
        [new FoldConstantsPass(), new FoldBatchNormPass(), new FuseActivationPass(), new EliminateDeadCodePass()],
        OpRegistry.Default, new LlvmWasmBackend(), new WasmtimeRuntime());

    [Fact]
    public void ThePassCountsDoNotDropBelowTheRecordedBaselines()
    {
        var root = RepoPaths.TestData;
        Assert.True(Directory.Exists(Path.Combine(root, "node")), $"the ONNX test data is missing at {root}; run ./wasmgraph fetch");
        var results = DefaultRunner().RunAll(ConformanceCase.Discover(root), parallelism: Environment.ProcessorCount);
        var report = new ConformanceReport(results);
        Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "artifacts"));
        File.WriteAllText(Path.Combine(RepoPaths.Root, "artifacts", "conformance.md"), report.ToMarkdown());
        var baselines = ReadBaselines(Path.Combine(AppContext.BaseDirectory, "baseline.txt"));
        var failures = new List<string>();
        foreach (var mode in Enum.GetValues<ConformanceMode>())
        {
            _output.WriteLine($"{mode}: {report.Passed(mode)} of {report.Of(mode).Count} cases pass; node/ inference-mode {ConformanceReport.Rate(ConformanceReport.NodeInference(report.Of(mode)))}");
            if (report.Passed(mode) < baselines[mode])
            {
                failures.Add($"{mode}: {report.Passed(mode)} cases pass, fewer than the baseline {baselines[mode]}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures) + " (see artifacts/conformance.md)");
    }

    /// <summary>baseline.txt: one line per <see cref="ConformanceMode"/>, <c>Mode=count</c>; lines starting with # are comments.</summary>
    private static Dictionary<ConformanceMode, int> ReadBaselines(string path)
    {
        var baselines = File.ReadAllLines(path)
            .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => Enum.Parse<ConformanceMode>(p[0].Trim()), p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(baselines.Count == Enum.GetValues<ConformanceMode>().Length, $"{path} must give a count for each of {string.Join(", ", Enum.GetValues<ConformanceMode>())}");
        return baselines;
    }
}

internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string TestData => Path.Combine(Root, ".cache", "data", "onnx-testdata");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WasmGraph.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (WasmGraph.sln) above " + AppContext.BaseDirectory);
    }
}
