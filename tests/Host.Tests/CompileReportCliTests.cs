namespace WasmGraph.Host.Tests;

/// <summary>
/// What compile and inspect print, on the tiny classifier (GlobalAveragePool → Flatten → Gemm to 1000 classes, compiled
/// once for the class): the --verbose pass report, plain progress lines on a non-interactive stderr with --progress, --dump-ir, and
/// the op histograms and sizes inspect shows for the .onnx and for the .wasm.
/// </summary>
public sealed class CompileReportCliTests : IClassFixture<CompileReportCliTests.Compiled>
{
    private readonly Compiled _compiled;

    public CompileReportCliTests(Compiled compiled) => _compiled = compiled;

    // Pass statistics in the report's last column are checked with the count-flops sample (SamplePluginTests).

    /// <summary>The model, and one verbose compile of it, shared by the tests.</summary>
    public sealed class Compiled : IDisposable
    {
        public Compiled()
        {
            Model = TinyClassifier.Write(Directory.File("tiny.onnx"), favoured: 7);
            Module = Directory.File("tiny.wasm");
            VerboseCompile = HostProcess.Run("compile", Model, "-o", Module, "--verbose", "--progress");
        }

        public TempDirectory Directory { get; } = TestPaths.NewTempDirectory();
        public string Model { get; }
        public string Module { get; }
        public HostResult VerboseCompile { get; }

        public void Dispose() => Directory.Dispose();
    }

    [Fact]
    public void VerboseCompilePrintsAPassReportWithNodeCountsAndStatistics()
    {
        var result = _compiled.VerboseCompile;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("pass report", result.StdOut);
        foreach (var column in new[] { "stage", "time", "share", "nodes", "statistics" })
        {
            Assert.Contains(column, result.StdOut);
        }
        // Every pass row shows "before → after"; the frontend row shows the imported node count alone.
        Assert.Matches(@"│ eliminate-dead-code\s+│[^│]+│[^│]+│\s+\d+ → \d+", result.StdOut);
        // plan-memory, last in the default pipeline, reports the arena against what the buffers would take without reuse.
        Assert.Matches(@"│ plan-memory\s+│[^│]+│[^│]+│\s+\d+ → \d+\s+│ values \d+, arena KiB \d+", result.StdOut);
        // Backend sub-timings come in the order the backend ran them.
        int codegen = result.StdOut.IndexOf("codegen", StringComparison.Ordinal);
        int link = result.StdOut.IndexOf("wasm-ld", StringComparison.Ordinal);
        Assert.True(codegen > 0 && link > codegen, result.StdOut);
    }

    [Fact]
    public void ANonInteractiveCompileWritesOnePlainProgressLinePerStage()
    {
        var lines = _compiled.VerboseCompile.StdErr.Split('\n');

        // "[ 1/10] frontend …": the stage number is padded to the width of the stage count.
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\[ *1/\d+\] frontend .* nodes$"));
        Assert.Contains(lines, l => l.Contains("backend (llvm-wasm): kernels", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("write", StringComparison.Ordinal) && l.EndsWith(" ms", StringComparison.Ordinal));
        Assert.DoesNotContain("\u001b[", _compiled.VerboseCompile.StdErr); // no cursor movement or colour in a log
    }

    [Fact]
    public void DumpIrPrintsTheReadableGraphAfterThePass()
    {
        using var dir = TestPaths.NewTempDirectory();

        var result = HostProcess.Run("compile", _compiled.Model, "-o", dir.File("m.wasm"), "--passes", "fold-constants,eliminate-dead-code", "--dump-ir", "eliminate-dead-code");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("// IR after eliminate-dead-code:", result.StdOut);
        Assert.Contains("graph tiny-classifier(x: float32[1,3,8,8])", result.StdOut);
        Assert.Matches(@"logits: float32\[1,1000\] = Gemm\(", result.StdOut);
        Assert.DoesNotContain("// IR after fold-constants", result.StdOut);
    }

    [Fact]
    public void DumpIrOfAPassNotInThePipelineIsAUserErrorListingTheStages()
    {
        var result = HostProcess.Run("compile", _compiled.Model, "-o", _compiled.Directory.File("never.wasm"), "--passes", "eliminate-dead-code", "--dump-ir", "fuse-activation");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("eliminate-dead-code", result.StdErr);
        Assert.False(File.Exists(_compiled.Directory.File("never.wasm")));
    }

    [Fact]
    public void InspectOfTheModuleShowsTheKernelOpHistogramFlopsAndSizes()
    {
        Assert.True(_compiled.VerboseCompile.ExitCode == 0, _compiled.VerboseCompile.ToString());

        var result = HostProcess.Run("inspect", _compiled.Module);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("op histogram (compiled kernels)", result.StdOut);
        // Gemm [1,3]×[3,1000]: 2·1000·3 = 6 kFLOP, the largest share, so it is the first row.
        Assert.Matches(@"│ Gemm\s+│\s+1 │\s+6 kFLOP │", result.StdOut);
        Assert.Contains("weights", result.StdOut);
        Assert.Contains("(16,000 B)", result.StdOut); // 3000 + 1000 float32 weights
        Assert.Matches(@"│ arena \(peak activation memory\)\s+│ \d", result.StdOut);
        Assert.Matches(@"│   of which kernel scratch\s+│ \d", result.StdOut);
        Assert.Matches(@"│ kernels\s+│ \d+, [\d.]+ kFLOP per run", result.StdOut);
    }

    [Fact]
    public void InspectOfTheOnnxModelShowsTheOpHistogramParametersAndActivations()
    {
        var result = HostProcess.Run("inspect", _compiled.Model);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("op histogram", result.StdOut);
        foreach (var op in new[] { "GlobalAveragePool", "Flatten", "Gemm" })
        {
            Assert.Matches($@"│ {op}\s+│\s+1 │", result.StdOut);
        }
        Assert.Contains("4,000 in 2 initializers", result.StdOut);
        // Live at once at worst, while Gemm runs: x (192 floats, an input: the whole run) + flat (3) + logits (1000) = 4,780 bytes.
        Assert.Contains("(4,780 B) peak live", result.StdOut);
    }
}
