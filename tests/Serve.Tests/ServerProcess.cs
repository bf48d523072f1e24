using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace WasmGraph.Serve.Tests;

/// <summary>
/// <c>dotnet artifacts/host/WasmGraph.Cli.dll serve … --port 0</c> as a user runs it, on a free loopback port read from
/// its "serving … on http://127.0.0.1:PORT" line, with an <see cref="HttpClient"/> pointed at it. <see cref="Stop"/>
/// sends SIGTERM and returns the exit code; disposing kills a server that is still running.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process)
    {
        _process = process;
    }

    public static string RepoRoot => TestFiles.RepoRoot;

    public static string HostDll => Path.Combine(RepoRoot, "artifacts", "host", "WasmGraph.Cli.dll");

    public HttpClient Client { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public int Pid => _process.Id;

    /// <summary>Everything the server printed so far (standard output and error, interleaved by line).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>serve</c> with <paramref name="args"/> (modules and flags; <c>--port 0</c> is added) and waits until it listens.</summary>
    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, int startSeconds = 120)
    {
        Assert.True(File.Exists(HostDll), $"the host is not built: {HostDll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[] { HostDll, "serve" }.Concat(args).Concat(["--port", "0"]))
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("WASMGRAPH_PLUGINS");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var server = new ServerProcess(Process.Start(start)!);
        server._process.OutputDataReceived += (_, e) => server.Received(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Received(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var exited = server._process.WaitForExitAsync();
        var first = Task.WhenAny(server._address.Task, exited, Task.Delay(TimeSpan.FromSeconds(startSeconds))).GetAwaiter().GetResult();
        if (first != server._address.Task)
        {
            server.Dispose();
            Assert.Fail($"the server did not start listening within {startSeconds} s:\n{server.Output}");
        }
        server.Address = server._address.Task.Result;
        server.Client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(120) };
        return server;
    }

    /// <summary>Runs <c>serve</c> expecting it to refuse to start; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) RunExpectingFailure(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { HostDll, "serve" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"serve {string.Join(" ", args)} did not exit within 60 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Sends SIGTERM and waits for the process to exit; returns its exit code.</summary>
    public int Stop(int waitSeconds = 60)
    {
        Signal("TERM");
        if (!_process.WaitForExit(TimeSpan.FromSeconds(waitSeconds)))
        {
            Assert.Fail($"the server did not exit within {waitSeconds} s of SIGTERM:\n{Output}");
        }
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The server's high-water resident set (<c>VmHWM</c>), in bytes.</summary>
    public long PeakRssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }
        return 0;
    }

    public void Dispose()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, _process.Id.ToString() }, UseShellExecute = false })!;
        kill.WaitForExit();
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _address.TrySetResult(new Uri(match.Groups[1].Value + "/"));
        }
    }

    [GeneratedRegex(@"^serving .* on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
