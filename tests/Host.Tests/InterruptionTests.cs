using System.Diagnostics;
using System.Runtime.InteropServices;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Nothing is corrupted when a compile is interrupted or raced: Ctrl-C (SIGINT) and SIGTERM stop a compile of the real
/// ResNet18 (several seconds) with exit 130/143, no module and no temporary files anywhere (TMPDIR included); SIGKILL
/// leaves no partial module, and the next write of the same file sweeps any temporary it left; two compiles into one
/// file both succeed and leave one whole module.
/// </summary>
public sealed partial class InterruptionTests
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private static string ResNet18 => Path.Combine(TestPaths.RepoRoot, ".cache", "data", "resnet18", "ResNet18.onnx");
    private static string Preprocess => Path.Combine(TestPaths.RepoRoot, ".cache", "data", "resnet18", "ResNetPreprocess.onnx");

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <summary>Starts <c>compile</c> with its own TMPDIR, so the link step's temporary files can be checked too.</summary>
    private static Process StartCompile(string model, string output, string tmp)
    {
        Assert.True(File.Exists(model), $"{model} is missing; run ./wasmgraph fetch");
        // A background job inherits SIGINT as ignored (so does a test host started from one); `env` restores the
        // default disposition, as an interactive terminal has it, then execs dotnet in the same process.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[] { "--default-signal=INT", "dotnet", TestPaths.HostDll, "compile", model, "-o", output })
        {
            start.ArgumentList.Add(arg);
        }
        Directory.CreateDirectory(tmp);
        start.Environment["TMPDIR"] = tmp;
        start.Environment.Remove("WASMGRAPH_PLUGINS");
        return Process.Start(start)!;
    }

    private static HostResult Finish(Process process, int timeoutSeconds = 180)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the host did not exit within {timeoutSeconds} s");
        }
        process.WaitForExit();
        return new HostResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// The signal is sent when the compile reports reaching <paramref name="stage"/> on its progress lines, not after
    /// a fixed delay, so the test interrupts the same phase whether the machine is fast or busy.
    /// </summary>
    [Theory]
    [InlineData(SigInt, "] frontend", 130)] // just after the frontend: during the passes or early backend
    [InlineData(SigInt, "kernels", 130)]    // during LLVM code generation
    [InlineData(SigTerm, "llvm-opt", 143)]  // after optimisation: during object emission or linking
    public async Task ASignalDuringCompileStopsItCleanly(int signal, string stage, int expectedExit)
    {
        using var dir = TestPaths.NewTempDirectory();
        var output = dir.File("out/resnet18.wasm");
        var tmp = dir.File("tmp");
        using var process = StartCompile(ResNet18, output, tmp);
        var stderr = new System.Text.StringBuilder();
        using var reached = new ManualResetEventSlim();
        process.ErrorDataReceived += (_, line) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(line.Data);
            }
            if (line.Data?.Contains(stage, StringComparison.Ordinal) == true)
            {
                reached.Set();
            }
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEndAsync();

        Assert.True(reached.Wait(TimeSpan.FromSeconds(120)), $"the compile never reported '{stage}':\n{stderr}");
        Assert.False(process.HasExited, $"the compile finished before the signal at '{stage}'");
        Assert.Equal(0, SendSignal(process.Id, signal));
        var clock = Stopwatch.StartNew();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "the host did not stop within 60 s of the signal");
        process.WaitForExit();
        var result = new HostResult(process.ExitCode, await stdout, stderr.ToString());

        Assert.True(result.ExitCode == expectedExit, result.ToString());
        Assert.Contains("interrupted", result.StdErr);
        Assert.DoesNotContain("internal error", result.StdErr);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 60);
        Assert.False(File.Exists(output), "a module was written after the interrupt");
        Assert.Empty(Directory.Exists(Path.GetDirectoryName(output)) ? Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!) : []);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Theory]
    [InlineData(1500)]
    [InlineData(4500)]
    public void AKillDuringCompileLeavesNoPartialModuleAndTheNextWriteSweepsUp(int delayMs)
    {
        using var dir = TestPaths.NewTempDirectory();
        var output = dir.File("model.wasm");
        using (var process = StartCompile(ResNet18, output, dir.File("tmp")))
        {
            Thread.Sleep(delayMs);
            process.Kill();
            process.WaitForExit();
        }

        // Either nothing was written, or (if the compile won the race) a whole module: never a torn one.
        if (File.Exists(output))
        {
            var inspect = HostProcess.Run("inspect", output);
            Assert.True(inspect.ExitCode == 0, inspect.ToString());
        }
        var next = Finish(StartCompile(Preprocess, output, dir.File("tmp")));

        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal([output], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void TwoCompilesIntoTheSameFileBothSucceed()
    {
        using var dir = TestPaths.NewTempDirectory();
        var output = dir.File("same.wasm");
        using var first = StartCompile(ResNet18, output, dir.File("tmp1"));
        using var second = StartCompile(ResNet18, output, dir.File("tmp2"));

        var results = new[] { Finish(first, 300), Finish(second, 300) };

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Equal([output], Directory.GetFiles(dir.Path));
        var inspect = HostProcess.Run("inspect", output);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("[1,512,1,1]", inspect.StdOut);
    }
}
