using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Frontends.Onnx;
using WasmGraph.Passes.Core;
using WasmGraph.Runtimes.Wasmtime;
using Xunit.Abstractions;

namespace WasmGraph.Conformance.Tests;

/// <summary>
/// The whole ONNX backend test suite through the default pipeline. It fails when fewer cases pass than the count
/// recorded in baseline.txt (raise that number when support grows), and writes the report to
/// artifacts/conformance.md so that a CI run shows what changed.
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
    public void ThePassCountDoesNotDropBelowTheRecordedBaseline()
    {
        var root = RepoPaths.TestData;
        Assert.True(Directory.Exists(Path.Combine(root, "node")), $"the ONNX test data is missing at {root}; run ./wasmgraph fetch");
        var results = DefaultRunner().RunAll(ConformanceCase.Discover(root), parallelism: Environment.ProcessorCount);
        var report = new ConformanceReport(results);
        Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "artifacts"));
        File.WriteAllText(Path.Combine(RepoPaths.Root, "artifacts", "conformance.md"), report.ToMarkdown());
        _output.WriteLine($"{report.Passed} of {results.Count} cases pass; node/ inference-mode {ConformanceReport.Rate(report.NodeInference)}");
        int baseline = int.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "baseline.txt")).Trim());
        Assert.True(report.Passed >= baseline, $"{report.Passed} cases pass, fewer than the baseline {baseline} (see artifacts/conformance.md)");
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
