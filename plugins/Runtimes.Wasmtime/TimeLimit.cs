using System.Diagnostics;
using System.Globalization;
using Wasmtime;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// What may stop a call into a module: the run's time limit and the caller's cancellation (Ctrl-C, SIGTERM). Both go
/// through Wasmtime's epoch interruption. Every call sets a deadline one tick of <see cref="EpochTicker"/> ahead and
/// registers <see cref="OnDeadline"/>, which Wasmtime calls (on the running thread) each time wasm code reaches the
/// deadline: it stops the call with <see cref="OperationCanceledException"/> once cancellation is requested, with
/// <see cref="TimeLimitExceededException"/> once the limit has passed, and otherwise moves the deadline one tick on.
/// So a signal stops a running loop within about one tick (10 ms), a limit is honoured to within one tick, and the
/// cost while nothing happens is one managed callback per tick.
/// <para>
/// Only calls into wasm can be stopped this way: Wasmtime's compilation of a module cannot be interrupted, so the
/// runtime checks the token before and after it instead.
/// </para>
/// </summary>
internal sealed class TimeLimit
{
    private readonly TimeSpan? _limit;
    private readonly CancellationToken _cancellation;
    private long _callStarted;

    private TimeLimit(TimeSpan? limit, CancellationToken cancellation)
    {
        _limit = limit;
        _cancellation = cancellation;
    }

    /// <summary>
    /// Whether sessions with <paramref name="options"/> can be stopped, and so need code compiled with epoch checks.
    /// A token that can never be cancelled (<see cref="CancellationToken.None"/>) needs none.
    /// </summary>
    public static bool Needed(RuntimeOptions options) => options.Timeout is not null || options.Cancellation.CanBeCanceled;

    /// <summary>Installs the limit in a new <paramref name="store"/>, before any wasm (a start function) runs in it; null if none is needed.</summary>
    public static TimeLimit? Install(Store store, RuntimeOptions options)
    {
        if (!Needed(options))
        {
            return null;
        }
        var limit = new TimeLimit(options.Timeout, options.Cancellation);
        store.SetEpochDeadlineCallback(limit.OnDeadline);
        limit.Restart(store);
        return limit;
    }

    /// <summary>Starts the clock for one call into the module; a call after cancellation does not start.</summary>
    public void Restart(Store store)
    {
        _cancellation.ThrowIfCancellationRequested();
        _callStarted = Stopwatch.GetTimestamp();
        store.SetEpochDeadline(1);
    }

    /// <summary>The limit as a user wrote it on the command line ("500 ms", "2.5 s").</summary>
    public static string Format(TimeSpan limit) => limit < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{limit.TotalMilliseconds:0.###} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{limit.TotalSeconds:0.###} s");

    /// <summary>Runs on the wasm thread at each deadline; throwing ends the call (the exception becomes the inner exception of Wasmtime's).</summary>
    private ulong OnDeadline(Store store)
    {
        _cancellation.ThrowIfCancellationRequested();
        if (_limit is TimeSpan limit && Stopwatch.GetElapsedTime(_callStarted) >= limit)
        {
            throw new TimeLimitExceededException(limit);
        }
        return 1;
    }
}

/// <summary>Raised inside a call by <see cref="TimeLimit"/> when the call ran past the limit; never leaves the runtime.</summary>
internal sealed class TimeLimitExceededException : Exception
{
    public TimeLimitExceededException(TimeSpan limit) : base($"exceeded the time limit of {TimeLimit.Format(limit)}") => Limit = limit;

    public TimeLimitExceededException() { }

    public TimeLimitExceededException(string message) : base(message) { }

    public TimeLimitExceededException(string message, Exception inner) : base(message, inner) { }

    public TimeSpan Limit { get; }
}
