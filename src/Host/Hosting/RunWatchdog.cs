namespace WasmGraph.Host.Hosting;

/// <summary>
/// Stops <c>wasmgraph run</c> while a module runs, without checks inside the module's code: on SIGINT/SIGTERM, or
/// when the default time limit passes, it prints one line and ends the process (130/143, or 2 for the time limit).
/// <para>
/// Why not Wasmtime's epoch interruption, which stops a call and keeps the process: its checks at every loop header
/// cost 11–45 % of inference time on our models (bench/Perf <c>InferenceBenchmarks.WasmGraphWasmtimeWithTimeLimit</c>,
/// 2026-12-06: ResNet18 +11 %, ResNet50 +12 %, MobileNetV2 +45 %, MiniLM +32 %), and a command line that has written
/// nothing yet loses nothing by exiting. So <c>run</c> arms this watchdog around the module's calls only (outputs are
/// written after it is disarmed, so an exit never leaves a partial file) and asks the runtime for epoch checks only
/// when the user gives <c>--timeout</c>, whose limit ends one call and reports it, as a library user would want.
/// </para>
/// </summary>
public sealed class RunWatchdog : IDisposable
{
    private readonly ManualResetEventSlim _disarmed = new();
    private readonly Thread _thread;
    private bool _disposed;

    private RunWatchdog(TimeSpan? limit, Action<string> report, CancellationToken stop)
    {
        _thread = new Thread(() => Watch(limit, report, stop)) { IsBackground = true, Name = "wasmgraph run watchdog" };
        _thread.Start();
    }

    /// <summary>Arms the watchdog: <paramref name="stop"/> is the signal token, <paramref name="limit"/> the time limit (null: none).</summary>
    public static RunWatchdog Arm(TimeSpan? limit, Action<string> report, CancellationToken stop) => new(limit, report, stop);

    /// <summary>Disarms it: from here the command observes the signal token itself, between its steps.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _disarmed.Set();
        _thread.Join();
        _disarmed.Dispose();
    }

    private void Watch(TimeSpan? limit, Action<string> report, CancellationToken stop)
    {
        int which = WaitHandle.WaitAny([stop.WaitHandle, _disarmed.WaitHandle], limit ?? Timeout.InfiniteTimeSpan);
        if (which == 1)
        {
            return;
        }
        if (which == 0)
        {
            report("[yellow]interrupted[/]: stopped before finishing; no output was written");
            Environment.Exit(Interrupts.LastSignalExitCode ?? Interrupts.SigIntExitCode);
        }
        report($"[red]error:[/] run exceeded the time limit of {limit!.Value.TotalSeconds:0.###} s (give a longer --timeout SECONDS); no output was written");
        Environment.Exit(2);
    }
}
