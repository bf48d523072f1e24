namespace WasmGraph.Host.Tests;

/// <summary>
/// Progress goes to standard error only on a terminal unless --progress asks; --quiet drops it and compile's summary,
/// and errors still show. The host runs with stderr redirected here, as in a script or CI log.
/// </summary>
public sealed class CliQuietTests
{
    private static string Model(TempDirectory dir) => TinyClassifier.Write(dir.File("tiny.onnx"), favoured: 3);

    [Fact]
    public void ACompileIntoALogShowsNoProgressUnlessAsked()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = Model(dir);

        var plain = HostProcess.Run("compile", model, "-o", dir.File("a.wasm"));
        var asked = HostProcess.Run("compile", model, "-o", dir.File("b.wasm"), "--progress");

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.True(asked.ExitCode == 0, asked.ToString());
        Assert.Equal("", plain.StdErr);
        Assert.Matches(@"(?m)^\[ *1/\d+\] frontend ", asked.StdErr);
        Assert.Contains("frontend", plain.StdOut); // the summary is still printed: it is the result, not progress
    }

    [Fact]
    public void QuietCompilePrintsNothingAndWritesTheModule()
    {
        using var dir = TestPaths.NewTempDirectory();

        var result = HostProcess.Run("compile", Model(dir), "-o", dir.File("m.wasm"), "--quiet");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StdOut);
        Assert.Equal("", result.StdErr);
        Assert.True(new FileInfo(dir.File("m.wasm")).Length > 0);
    }

    [Fact]
    public void QuietStillShowsAnError()
    {
        using var dir = TestPaths.NewTempDirectory();

        var result = HostProcess.Run("compile", dir.File("missing.onnx"), "-q");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("missing.onnx", result.StdErr);
        Assert.Equal("", result.StdOut);
    }

    [Fact]
    public void QuietAndProgressTogetherAreRefused()
    {
        var result = InProcessCli.Run("compile", "m.onnx", "--quiet", "--progress");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--quiet and --progress contradict each other", result.StdErr);
    }
}
