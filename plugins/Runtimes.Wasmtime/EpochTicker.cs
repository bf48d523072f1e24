using Wasmtime;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Advances an engine's epoch at a fixed interval on a dedicated background thread. Wasmtime's epoch interruption is
/// the cheap way to stop a run that takes too long: compiled code only compares a counter on loop back-edges and
/// function entries, and a store whose deadline has passed traps with <see cref="TrapCode.Interrupt"/>. A dedicated
/// thread rather than a thread-pool timer, so that a busy pool cannot delay the tick and stretch a timeout.
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    /// <summary>Timeouts are honoured to within about one interval.</summary>
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

    /// <summary>
    /// The deadline, in ticks beyond the current epoch, that lets a run last at least <paramref name="timeout"/>.
    /// One extra tick because the current interval is already partly over when the deadline is set.
    /// </summary>
    public static ulong TicksFor(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return 1;
        }
        double ticks = Math.Ceiling(timeout.Ticks / (double)Interval.Ticks) + 1;
        return ticks >= ulong.MaxValue / 2 ? ulong.MaxValue / 2 : (ulong)ticks;
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
