using System.Diagnostics;
using WasmGraph.TestSupport;
using Xunit.Abstractions;
using static WasmGraph.Web.Tests.NodeRunner;

namespace WasmGraph.Web.Tests;

/// <summary>
/// The command line of web/examples/node-run.mjs: --help, strict options, the time limit and signals (the module runs
/// in a worker the main thread can stop), and outputs checked before the run and written atomically.
/// </summary>
public sealed class NodeRunnerCommandLineTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ITestOutputHelper _log;

    public NodeRunnerCommandLineTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => _dir.Dispose();

    private string AddOne(string metadata = AddOneMetadata)
    {
        var path = _dir.File($"m{Guid.NewGuid():N}.wasm");
        File.WriteAllBytes(path, Module(AddOneWat(), metadata));
        return path;
    }

    private string Input(params float[] values)
    {
        var path = _dir.File($"x{Guid.NewGuid():N}.npy");
        File.WriteAllBytes(path, Npy($"{{'descr': '<f4', 'fortran_order': False, 'shape': ({values.Length},), }}", Floats(values)));
        return path;
    }

    private NodeResult Logged(NodeResult result)
    {
        _log.WriteLine(result.ToString());
        return result;
    }

    [Fact]
    public void HelpPrintsTheUsageAndExitsZero()
    {
        var result = Logged(Run(["--help"]));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("usage: wasmgraph-run MODULE.wasm", result.StdOut);
        Assert.Contains("--timeout SECONDS", result.StdOut);
        Assert.Equal("", result.StdErr);
    }

    [Theory]
    [InlineData("--timeot", "0.1", "unknown option '--timeot'; did you mean '--timeout'?")]
    [InlineData("--max-memroy", "1", "unknown option '--max-memroy'")]
    [InlineData("--ouput-dir", "d", "unknown option '--ouput-dir'; did you mean '--output-dir'?")]
    [InlineData("--repeat", "0", "--repeat must be a whole number from 1 to 1000000, got '0'")]
    [InlineData("--repeat", "2.5", "--repeat must be a whole number")]
    [InlineData("--timeout", "NaN", "--timeout must be a positive number of seconds, got 'NaN'")]
    [InlineData("--timeout", "Infinity", "--timeout must be a positive number of seconds, got 'Infinity'")]
    [InlineData("--timeout", "0", "--timeout must be a positive number of seconds, got '0'")]
    [InlineData("--timeout", "-1", "--timeout must be a positive number of seconds, got '-1'")]
    [InlineData("--timeout", "1e300", "--timeout must be at most 2147483 seconds")]
    public void ABadOptionExitsTwoNamingItBeforeAnythingRuns(string option, string value, string expected)
    {
        // The module loops for ever on this input: a run would end in the test's own time limit, not in exit 2.
        var result = Logged(Run([AddOne(), "--input", "x=" + Input(-1, 0, 0, 0), option, value], timeoutSeconds: 60));

        AssertUserError(result, expected);
    }

    [Fact]
    public void AMissingModuleOrASecondOneIsAUsageError()
    {
        AssertUserError(Logged(Run([])), "no module given (see --help)");
        AssertUserError(Logged(Run([AddOne(), "other.wasm"])), "unexpected argument 'other.wasm'");
        AssertUserError(Logged(Run([AddOne(), "--input"])), "--input needs a value");
        AssertUserError(Logged(Run([AddOne(), "--input", "y=" + Input(1, 2, 3, 4)])), "the module has no input 'y'; inputs: x float32[4]");
    }

    [Fact]
    public void AnInputWithoutANameFeedsTheOnlyInputAndAnOptionMayCarryItsValue()
    {
        var result = Logged(Run([AddOne(), "-i", Input(1, 2, 3, 4), "--repeat=3", "--timeout=30"]));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("mean 3.50000", result.StdOut);
        Assert.Contains("median of 3", result.StdOut);
    }

    [Fact]
    public void AnInfiniteLoopIsStoppedByTheTimeLimitAndTheNextRunSucceeds()
    {
        var module = AddOne();

        var looping = Logged(Run([module, "--input", "x=" + Input(-1, 0, 0, 0), "--timeout", "1"], timeoutSeconds: 90));

        AssertUserError(looping, "run exceeded the time limit of 1 s");
        var good = Logged(Run([module, "--input", "x=" + Input(1, 2, 3, 4), "--timeout", "0.5"]));
        Assert.True(good.ExitCode == 0, good.ToString());
    }

    [Fact]
    public void AStartFunctionThatNeverReturnsIsStoppedByTheTimeLimit()
    {
        var module = _dir.File("start.wasm");
        File.WriteAllBytes(module, Module(AddOneWat(extra: "(func $spin (loop $forever (br $forever))) (start $spin)")));

        AssertUserError(Logged(Run([module, "--timeout", "1"], timeoutSeconds: 90)), "loading the module exceeded the time limit of 1 s");
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public void ASignalStopsARunningModuleWithinSecondsWithTheShellsExitCode(string signal, int expectedExit)
    {
        var output = _dir.File("out-" + signal);
        Stopwatch? sinceSignal = null;

        // Signalled once the process has burnt 1.5 s of CPU: only the module's loop does that, so wasm is running.
        var result = Logged(Run([AddOne(), "--input", "x=" + Input(-1, 0, 0, 0), "--output-dir", output], 120, process =>
        {
            process.Refresh();
            if (sinceSignal is null && process.TotalProcessorTime > TimeSpan.FromSeconds(1.5))
            {
                Assert.Equal(0, WebTools.Run("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], 30).Exit);
                sinceSignal = Stopwatch.StartNew();
            }
        }));

        Assert.NotNull(sinceSignal);
        Assert.Equal(expectedExit, result.ExitCode);
        Assert.True(sinceSignal.Elapsed < TimeSpan.FromSeconds(10), $"exited {sinceSignal.Elapsed.TotalSeconds:F1} s after SIG{signal}");
        AssertOneCleanLine(result, "interrupted: stopped before finishing; no output was written");
        Assert.Empty(Directory.GetFileSystemEntries(output)); // no temporary file left behind
    }

    [Fact]
    public void OutputsAreWrittenAtomicallyAndAFailedRunLeavesTheOldOnesAlone()
    {
        var module = AddOne();
        var output = _dir.File("out");
        Assert.Equal(0, Logged(Run([module, "--input", "x=" + Input(1, 2, 3, 4), "--output-dir", output])).ExitCode);
        var first = File.ReadAllBytes(Path.Combine(output, "y.npy"));

        AssertUserError(Logged(Run([module, "--input", "x=" + Input(-1, 0, 0, 0), "--output-dir", output, "--timeout", "0.5"])), "run exceeded the time limit");

        Assert.Equal(first, File.ReadAllBytes(Path.Combine(output, "y.npy")));
        Assert.Equal(["y.npy"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void AnOutputDirectoryThatCannotTakeTheOutputsIsRefusedBeforeTheRun()
    {
        // The module loops for ever on this input, so reaching the run would end in the time limit instead.
        var module = AddOne();
        var looping = Input(-1, 0, 0, 0);
        var file = _dir.File("a-file");
        File.WriteAllText(file, "not a directory");

        AssertUserError(Logged(Run([module, "-i", looping, "--output-dir", file, "--timeout", "30"])), $"--output-dir {file}: not a directory");
        AssertUserError(Logged(Run([module, "-i", looping, "--output-dir", "", "--timeout", "30"])), "--output-dir: the path is empty");
        AssertUserError(Logged(Run([module, "-i", looping, "--output-dir", "/proc", "--timeout", "30"])), "/proc/y.npy: cannot create a file in /proc");
        var occupied = _dir.File("occupied");
        Directory.CreateDirectory(Path.Combine(occupied, "y.npy"));
        AssertUserError(Logged(Run([module, "-i", looping, "--output-dir", occupied, "--timeout", "30"])), "y.npy: exists and is a directory; not replacing it");
        var fifo = Path.Combine(_dir.File("fifo-out"), "y.npy");
        Directory.CreateDirectory(Path.GetDirectoryName(fifo)!);
        Assert.Equal(0, WebTools.Run("mkfifo", [fifo], 30).Exit);
        AssertUserError(Logged(Run([module, "-i", looping, "--output-dir", Path.GetDirectoryName(fifo)!, "--timeout", "30"])), "y.npy: exists and is a FIFO; not replacing it");
        Assert.Equal(0, WebTools.Run("test", ["-p", fifo], 30).Exit); // still a FIFO, not replaced by a file
    }

    [Fact]
    public void TwoOutputsThatWouldShareAFileNameAreRefusedBeforeTheRun()
    {
        var metadata = AddOneMetadata.Replace("[{\"name\":\"y\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]",
            "[{\"name\":\"a:b\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16},{\"name\":\"a/b\",\"dtype\":\"float32\",\"shape\":[4],\"bytes\":16}]");
        var output = _dir.File("collide");

        var result = Logged(Run([AddOne(metadata), "-i", Input(1, 2, 3, 4), "--output-dir", output]));

        AssertUserError(result, $"outputs 'a:b' and 'a/b' would both be written to {Path.Combine(output, "a_b.npy")}");
        Assert.Empty(Directory.GetFileSystemEntries(output));
    }

    [Fact]
    public void AnOutputNameTooLongForAFileNameIsShortenedAndWritten()
    {
        var name = new string('n', 300);
        var output = _dir.File("long");

        var result = Logged(Run([AddOne(AddOneMetadata.Replace("\"name\":\"y\"", $"\"name\":\"{name}\"")), "-i", Input(1, 2, 3, 4), "--output-dir", output]));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([new string('n', 200) + ".npy"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }
}
