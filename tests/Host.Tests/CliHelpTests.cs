using System.Diagnostics;
using WasmGraph.Host.Cli;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>--help</c> and <c>-h</c> on every verb print its usage and do nothing else, and the top-level help lists every
/// verb, the launcher's included. The host's verbs are asked in process (cheap); the launcher's, and demo's (which the
/// launcher used to fetch data for before the host saw --help), through the real <c>wasmgraph</c> script in a copy of
/// the checkout whose scripts and <c>dotnet</c> leave a marker file when they run, so any side effect shows.
/// </summary>
public sealed class CliHelpTests
{
    public static TheoryData<string, string> HostVerbs()
    {
        var data = new TheoryData<string, string>();
        foreach (var verb in new[] { "compile", "run", "inspect", "plugins", "version", "demo", "conformance", "zoo" })
        {
            data.Add(verb, "--help");
            data.Add(verb, "-h");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(HostVerbs))]
    public void EveryHostVerbPrintsItsUsageForHelp(string verb, string flag)
    {
        var result = InProcessCli.Run(verb, flag);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("USAGE:", result.StdOut);
        Assert.Contains($"wasmgraph {verb}", result.StdOut);
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public void TheTopLevelHelpListsEveryVerbTheLaunchersToo()
    {
        var result = InProcessCli.Run("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var verb in new[] { "compile", "run", "inspect", "plugins", "version", "demo", "conformance", "zoo" })
        {
            Assert.Matches($@"\n\s+{verb}\b", result.StdOut);
        }
        foreach (var (verb, _) in WasmGraphHelp.LauncherVerbs)
        {
            Assert.Matches($@"\n\s+{verb}\s+\S", result.StdOut);
        }
        Assert.Equal(["build", "test", "fetch", "bench", "pack"], WasmGraphHelp.LauncherVerbs.Select(v => v.Verb));
        Assert.Contains("--version", result.StdOut);
        Assert.Contains("--json", result.StdOut);
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("conformance")]
    public void HelpOfAVerbThatWritesFilesWritesNone(string verb)
    {
        using var repo = TestPaths.NewTempDirectory();

        var result = HostProcess.Run([verb, "--help"], new Dictionary<string, string> { ["WASMGRAPH_REPO"] = repo.Path });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("USAGE:", result.StdOut);
        Assert.Empty(Directory.GetFileSystemEntries(repo.Path)); // no out/demo, no docs/conformance.md
    }

    /// <summary>
    /// A copy of the launcher in a directory that looks like a built checkout: artifacts/ links to the real one, and
    /// the scripts it may run (fetch, test, ORT-web install) and <c>dotnet</c> only leave a marker (dotnet then runs).
    /// </summary>
    private sealed class LauncherCheckout : IDisposable
    {
        private readonly TempDirectory _root = TestPaths.NewTempDirectory();

        public LauncherCheckout()
        {
            File.Copy(Path.Combine(TestPaths.RepoRoot, "wasmgraph"), Root("wasmgraph"));
            Directory.CreateSymbolicLink(Root("artifacts"), Path.Combine(TestPaths.RepoRoot, "artifacts"));
            Directory.CreateDirectory(Root("scripts"));
            foreach (var script in new[] { "fetch-data.sh", "test.sh", "install-ort-web.sh" })
            {
                File.WriteAllText(Root("scripts", script), $"touch \"{Root($"ran-{script}")}\"\n");
            }
            Directory.CreateDirectory(Root("bin"));
            var dotnet = FindOnPath("dotnet");
            // The launcher (bash) runs on Linux only, and so do these tests.
            File.WriteAllText(Root("bin", "dotnet"), $"#!/bin/sh\ntouch \"{Root("ran-dotnet")}\"\nexec \"{dotnet}\" \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Root("bin", "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public string Root(params string[] parts) => Path.Combine([_root.Path, .. parts]);

        /// <summary>Which of the scripts and dotnet ran.</summary>
        public IReadOnlyList<string> Ran => Directory.GetFiles(_root.Path, "ran-*").Select(f => Path.GetFileName(f)[4..]).Order(StringComparer.Ordinal).ToList();

        public HostResult Run(params string[] args)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _root.Path };
            start.ArgumentList.Add(Root("wasmgraph"));
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }
            start.Environment["PATH"] = $"{Root("bin")}:{Environment.GetEnvironmentVariable("PATH")}";
            return HostProcess.RunProcess(start, 120);
        }

        private static string FindOnPath(string program)
            => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).First(File.Exists);

        public void Dispose() => _root.Dispose();
    }

    [Theory]
    [InlineData("build", "--help")]
    [InlineData("test", "--help")]
    [InlineData("fetch", "--help")]
    [InlineData("fetch", "-h")]
    [InlineData("bench", "--help")]
    [InlineData("bench", "-h")]
    [InlineData("pack", "--help")]
    public void EachLauncherVerbPrintsItsUsageAndRunsNothing(string verb, string flag)
    {
        using var checkout = new LauncherCheckout();

        var result = checkout.Run(verb, flag);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"usage: ./wasmgraph {verb}", result.StdOut);
        Assert.Empty(checkout.Ran); // no build (dotnet), no fetch, no tests, no npm install
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public void TheLauncherRunsTheFetchScriptWithoutHelp()
    {
        // The check above would pass for a launcher that ignored every verb; this one shows the markers do appear.
        using var checkout = new LauncherCheckout();

        var result = checkout.Run("fetch");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["fetch-data.sh"], checkout.Ran);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void DemoHelpThroughTheLauncherFetchesNothing(string flag)
    {
        using var checkout = new LauncherCheckout();

        var result = checkout.Run("demo", flag);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("wasmgraph demo", result.StdOut);
        Assert.Equal(["dotnet"], checkout.Ran); // the host printed the help; fetch-data.sh never ran
    }

    [Fact]
    public void TheLaunchersTopLevelHelpListsItsOwnVerbs()
    {
        using var checkout = new LauncherCheckout();

        var result = checkout.Run("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var verb in new[] { "compile", "run", "inspect", "plugins", "demo", "build", "test", "fetch", "bench", "pack" })
        {
            Assert.Matches($@"\n\s+{verb}\s", result.StdOut);
        }
    }
}
