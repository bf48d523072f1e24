using Wasmtime;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Advances an engine's epoch at a fixed interval on a dedicated background thread. Wasmtime's epoch interruption is
/// the cheap way to stop a run that takes too long or is cancelled: compiled code only compares a counter on loop
/// back-edges and function entries, and a store whose deadline has passed calls its deadline callback
/// (<see cref="TimeLimit"/>). A dedicated thread rather than a thread-pool timer, so that a busy pool cannot delay the
/// tick and stretch a timeout or an interrupt.
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    /// <summary>Time limits and cancellation are honoured to within about one interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly Engine _engine;
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly Thread _thread;

    public EpochTicker(Engine engine)
    {
        _engine = engine;
        _thread = new Thread(Tick) { IsBackground = true, Name = "wasmgraph-epoch-ticker" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }

    private void Tick()
    {
        while (!_stop.Wait(Interval))
        {
            _engine.IncrementEpoch();
        }
    }
}
