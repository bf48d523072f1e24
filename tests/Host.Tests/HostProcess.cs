using System.Diagnostics;

namespace WasmGraph.Host.Tests;

/// <summary>
/// What a run of the built host printed and returned, and the largest resident set it reached (<c>VmHWM</c>, sampled
/// every few milliseconds while it ran; 0 where it was not measured).
/// </summary>
public sealed record HostResult(int ExitCode, string StdOut, string StdErr, long PeakRssBytes = 0)
{
    public double PeakRssMiB => PeakRssBytes / (1024.0 * 1024.0);

    public string All => StdOut + "\n" + StdErr;

    public override string ToString() => $"exit {ExitCode}, peak RSS {PeakRssMiB:F0} MiB\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs <c>dotnet artifacts/host/WasmGraph.Cli.dll …</c> as users and scripts do, with a time limit.</summary>
public static class HostProcess
{
    public static HostResult Run(params string[] args) => Run(args, null);

    public static HostResult Run(string[] args, IDictionary<string, string>? environment, int timeoutSeconds = 180)
    {
        Assert.True(File.Exists(TestPaths.HostDll), $"the host is not built: {TestPaths.HostDll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(TestPaths.HostDll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("WASMGRAPH_PLUGINS");
        start.Environment.Remove("WASMGRAPH_DEBUG");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return RunProcess(start, timeoutSeconds);
    }

    /// <summary>
    /// Builds the project in <paramref name="projectDirectory"/> with a nested <c>dotnet build -c Release</c>, without
    /// the MSBuild variables that <c>dotnet test</c> sets for its own build (a nested build must not inherit them).
    /// </summary>
    public static void DotnetBuild(string projectDirectory, string what)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = projectDirectory,
        };
        foreach (var arg in new[] { "build", "-c", "Release", "-nologo", "--disable-build-servers", "-p:UseSharedCompilation=false" })
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        var result = RunProcess(start, 300);
        Assert.True(result.ExitCode == 0, $"building {what} failed:\n{result}");
    }

    /// <summary>Runs any process to completion, killing it (and its children) if it overruns.</summary>
    public static HostResult RunProcess(ProcessStartInfo start, int timeoutSeconds)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        long peak = 0;
        while (!process.WaitForExit(5))
        {
            peak = Math.Max(peak, PeakRss(process.Id));
            if (deadline.Elapsed > TimeSpan.FromSeconds(timeoutSeconds))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{start.FileName} {string.Join(" ", start.ArgumentList)} did not finish in {timeoutSeconds} s");
            }
        }
        process.WaitForExit();
        return new HostResult(process.ExitCode, stdout.Result, stderr.Result, peak);
    }

    /// <summary>The process's high-water resident set (<c>VmHWM</c> in /proc/PID/status), or 0 once it is gone.</summary>
    private static long PeakRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.TryParse(kb, out long value) ? value * 1024 : 0;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return 0;
    }
}
