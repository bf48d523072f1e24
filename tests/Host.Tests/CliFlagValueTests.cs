namespace WasmGraph.Host.Tests;

/// <summary>
/// Every numeric and path flag of every verb is checked before any work: NaN, infinities, zero, negatives, overflow,
/// empty strings and paths of the wrong kind are exit 2 with one line naming the flag, never exit 1 or a run without
/// the limit.
/// </summary>
public sealed class CliFlagValueTests : IDisposable
{
    private readonly TempDirectory _dir = TestPaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private string AFile()
    {
        var path = _dir.File("a-file.txt");
        File.WriteAllText(path, "not a directory");
        return path;
    }

    [Theory]
    [InlineData("NaN", "--timeout must be a finite number of seconds, not NaN")]
    [InlineData("Infinity", "--timeout must be a finite number of seconds")]
    [InlineData("1e300", "--timeout must be at most 86400 seconds (one day)")]
    [InlineData("0", "--timeout must be positive")]
    [InlineData("-1", "--timeout must be positive")]
    [InlineData("abc", "--timeout for 'run' expects a number, not 'abc'")]
    [InlineData("", "--timeout for 'run' expects a number, not ''")]
    public void ATimeoutThatIsNotAFinitePositiveNumberOfSecondsIsRefused(string value, string expected)
        => AssertRefused(["run", _dir.File("m.wasm"), "--timeout", value], expected);

    [Fact]
    public void ANegativeInfiniteTimeoutGivenInlineIsRefused()
        => AssertRefused(["run", _dir.File("m.wasm"), "--timeout=-Infinity"], "--timeout must be a finite number of seconds, not -Infinity");

    [Theory]
    [InlineData("17592186044416", "--max-memory 17592186044416 MiB is more than a wasm32 module can address: its linear memory is at most 4096 MiB (4 GiB)")]
    [InlineData("4097", "at most 4096 MiB")]
    [InlineData("0", "--max-memory must be a positive number of MiB, not 0")]
    [InlineData("-5", "--max-memory must be a positive number of MiB, not -5")]
    [InlineData("99999999999999999999", "--max-memory for 'run' expects an integer")]
    public void AMemoryLimitOutsideWhatWasm32CanAddressIsRefused(string value, string expected)
        => AssertRefused(["run", _dir.File("m.wasm"), "--max-memory", value], expected);

    [Theory]
    [InlineData("run", "--repeat", "0", "--repeat must be between 1 and 1000000, not 0")]
    [InlineData("run", "--repeat", "99999999999", "--repeat for 'run' expects an integer")]
    [InlineData("run", "--batch-parallel", "0", "--batch-parallel must be between 1 and 64, not 0")]
    [InlineData("demo", "--repeat", "0", "--repeat must be between 1 and 1000000, not 0")]
    [InlineData("demo", "--repeat", "-3", "--repeat must be between 1 and 1000000, not -3")]
    [InlineData("conformance", "-j", "0", "-j|--jobs must be between 1 and 256, not 0")]
    [InlineData("conformance", "--jobs", "-1", "-j|--jobs must be between 1 and 256, not -1")]
    [InlineData("zoo", "--seed", "1e3", "--seed for 'zoo' expects an integer")]
    public void ACountOutOfRangeIsRefusedOnEveryVerb(string verb, string flag, string value, string expected)
    {
        string[] args = verb switch
        {
            "run" => [verb, _dir.File("m.wasm"), flag, value],
            "zoo" => [verb, "lenet5", "-o", _dir.File("z.onnx"), flag, value],
            _ => [verb, flag, value],
        };
        AssertRefused(args, expected);
    }

    [Fact]
    public void AnOutputDirectoryThatIsAFileIsRefusedBeforeRunning()
        => AssertRefused(["run", _dir.File("m.wasm"), "--output-dir", AFile()], "is a regular file, not a directory");

    [Fact]
    public void AnEmptyOutputDirectoryIsRefused()
        => AssertRefused(["run", _dir.File("m.wasm"), "--output-dir", ""], "--output-dir is empty; give a path");

    [Fact]
    public void AnOutputDirectoryWhereNoFileCanBeCreatedIsRefused()
        => AssertRefused(["run", _dir.File("m.wasm"), "--output-dir", "/proc"], "--output-dir /proc: cannot write in /proc");

    [Fact]
    public void AnOutputDirectoryBelowAFileIsRefused()
        => AssertRefused(["run", _dir.File("m.wasm"), "--output-dir", Path.Combine(AFile(), "sub")], "cannot be created");

    [Fact]
    public void ADemoReportThatIsADirectoryIsRefused()
        => AssertRefused(["demo", "--data", _dir.Path, "--report", _dir.Path], "--report " + _dir.Path + ": is a directory; give a file path");

    [Fact]
    public void ADemoDataDirectoryThatDoesNotExistSaysSo()
        => AssertRefused(["demo", "--data", _dir.File("wrong")], $"--data {_dir.File("wrong")}: no such directory");

    [Fact]
    public void ADemoDataDirectoryWithoutTheModelsSaysWhatIsMissingWhere()
        => AssertRefused(["demo", "--data", _dir.Path], $"no demo section can run: face-detection: BlazeFace (face_detection_front*.onnx) not found under {_dir.Path}");

    [Fact]
    public void AConformanceReportThatIsADirectoryIsRefused()
        => AssertRefused(["conformance", "--report", _dir.Path], "is a directory; give a file path");

    [Fact]
    public void AConformanceDataDirectoryThatIsAFileIsRefused()
        => AssertRefused(["conformance", "--data", AFile()], "--data " + _dir.File("a-file.txt") + " is a file, not a directory");

    [Theory]
    [InlineData("--config", "--config is empty; give a path")]
    [InlineData("--plugins", "--plugins is empty; give a path")]
    public void AnEmptySharedPathFlagIsRefusedOnEveryVerb(string flag, string expected)
    {
        AssertRefused(["plugins", flag, ""], expected);
        AssertRefused(["inspect", _dir.File("x.onnx"), flag, " "], expected);
    }

    [Fact]
    public void AConfigThatIsADirectoryIsRefused()
        => AssertRefused(["plugins", "--config", _dir.Path], "is a directory, not a file");

    [Fact]
    public void AnEmptyZooOutputIsRefused()
        => AssertRefused(["zoo", "lenet5", "-o", ""], "-o is empty; give a path");

    [Fact]
    public void APluginsDirectoryThatIsAFileIsCalledThat()
    {
        var result = HostProcess.Run("plugins", "--plugins", AFile());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("is not a directory", result.StdErr);
        Assert.DoesNotContain("does not exist", result.StdErr);
    }

    private static void AssertRefused(string[] args, string expected, bool inProcess = true)
    {
        var result = inProcess ? InProcessCli.Run(args) : HostProcess.Run(args);

        Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: {result}");
        Assert.Contains(expected, result.StdErr);
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.Single(result.StdErr.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
    }
}
