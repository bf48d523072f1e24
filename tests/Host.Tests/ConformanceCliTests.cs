using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>conformance --filter</c> (the README's example) runs a subset and leaves the tracked docs/conformance.md alone:
/// only a run of the whole suite, or an explicit --report, writes a report.
/// </summary>
public sealed class ConformanceCliTests : IDisposable
{
    private readonly TempDirectory _repo = TestPaths.NewTempDirectory();

    public void Dispose() => _repo.Dispose();

    /// <summary>A data folder with one real case (node/test_abs) from the fetched ONNX test data, or null if not fetched.</summary>
    private string? OneCaseData()
    {
        var source = Path.Combine(TestPaths.RepoRoot, ".cache", "data", "onnx-testdata", "node", "test_abs");
        if (!Directory.Exists(source))
        {
            return null;
        }
        var data = _repo.File("data");
        var target = Path.Combine(data, "node", "test_abs");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        return data;
    }

    private HostResult Conformance(params string[] args)
        => HostProcess.Run(["conformance", .. args], new Dictionary<string, string>
        {
            ["WASMGRAPH_REPO"] = _repo.Path,
            ["WASMGRAPH_Pipeline__Runtime__Cache"] = _repo.File("cache"),
        });

    [Fact]
    public void AFilteredRunDoesNotRewriteTheTrackedReport()
    {
        var data = OneCaseData();
        if (data is null)
        {
            return; // The ONNX test data is not fetched (./wasmgraph fetch): nothing to run.
        }
        var tracked = Path.Combine(_repo.Path, "docs", "conformance.md");
        Directory.CreateDirectory(Path.GetDirectoryName(tracked)!);
        File.WriteAllText(tracked, "the full-suite report");

        var result = Conformance("--filter", "abs", "--data", data, "-j", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("the full-suite report", File.ReadAllText(tracked));
        Assert.Contains("no report written", result.StdOut);
    }

    [Fact]
    public void AFilteredRunWritesAReportWhereItIsAskedTo()
    {
        var data = OneCaseData();
        if (data is null)
        {
            return;
        }
        var report = _repo.File("subset.md");

        var result = Conformance("--filter", "abs", "--data", data, "-j", "1", "--report", report);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("| **all** | 1 |", File.ReadAllText(report));
        Assert.False(File.Exists(Path.Combine(_repo.Path, "docs", "conformance.md")));
    }
}
