using System.Diagnostics;

namespace WasmGraph.Packages.Tests;

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs <c>dotnet</c> (or a tool it installed) as a user's shell would, in a given folder, with a time limit.</summary>
public static class DotnetProcess
{
    public static ProcessResult Dotnet(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
        => Run("dotnet", workingDirectory, environment, args);

    public static ProcessResult Run(string fileName, string workingDirectory, IReadOnlyDictionary<string, string>? environment,
                                    params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // `dotnet test` sets MSBuild variables for its own build; a nested build must not see them.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment.Remove("WASMGRAPH_PLUGINS");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', args)} did not finish in 10 minutes");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static ProcessResult Succeeds(this ProcessResult result, string what)
    {
        Assert.True(result.ExitCode == 0, $"{what} failed:\n{result}");
        return result;
    }
}
