using System.Diagnostics;

namespace WasmGraph.Host.Tests;

/// <summary>What a run of the built host printed and returned.</summary>
public sealed record HostResult(int ExitCode, string StdOut, string StdErr)
{
    public string All => StdOut + "\n" + StdErr;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs <c>dotnet artifacts/host/WasmGraph.Host.dll …</c> as users and scripts do, with a time limit.</summary>
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

    /// <summary>Runs any process to completion, killing it (and its children) if it overruns.</summary>
    public static HostResult RunProcess(ProcessStartInfo start, int timeoutSeconds)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{start.FileName} {string.Join(" ", start.ArgumentList)} did not finish in {timeoutSeconds} s");
        }
        process.WaitForExit();
        return new HostResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
