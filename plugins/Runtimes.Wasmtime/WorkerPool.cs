namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// The OS threads of a threaded session's workers 1..K−1, started once and kept for the session's lifetime (worker 0
/// is the caller's thread). <see cref="Run"/> hands every worker the same piece of work and returns when all of them
/// finished it.
/// <para>
/// Why not a thread per run, as the session first did: starting and joining a thread cost 145–202 µs per inference,
/// and a new thread starts on whatever CPU the scheduler picks, possibly the caller's own until the load balancer
/// moves it, when both halves of the first kernels share one core while the barrier spins (docs/performance.md,
/// "Eighth stop"). A thread that stays keeps its CPU and its caches from run to run. Not <see cref="ThreadPool"/>:
/// its threads are shared with the rest of the process and get a 1.5 MiB default stack, and Wasmtime runs wasm on the
/// calling thread, so each worker needs a stack of its own size.
/// </para>
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private Func<int, string?>? _work;
    private string?[] _results;
    private volatile bool _disposed;
    private int _inCall;

    /// <param name="workers">K: the pool starts K − 1 threads, for workers 1..K−1.</param>
    /// <param name="stackBytes">Each thread's stack.</param>
    public WorkerPool(int workers, int stackBytes)
    {
        Workers = workers;
        _threads = new Thread[workers - 1];
        _start = Enumerable.Range(1, workers - 1).Select(_ => new SemaphoreSlim(0)).ToArray();
        _done = new CountdownEvent(1);
        _results = new string?[workers];
        for (int w = 1; w < workers; w++)
        {
            int worker = w;
            _threads[w - 1] = new Thread(() => Loop(worker), stackBytes) { IsBackground = true, Name = $"wasmgraph-worker-{w}" };
            _threads[w - 1].Start();
        }
    }

    /// <summary>K, counting the caller as worker 0.</summary>
    public int Workers { get; }

    /// <summary>How many of the pool's threads are inside a piece of work now (0 between runs).</summary>
    public int InCall => Volatile.Read(ref _inCall);

    /// <summary>How many of the pool's threads are alive (K − 1 until <see cref="Dispose"/>, then 0).</summary>
    public int ThreadsAlive => _threads.Count(t => t.IsAlive);

    /// <summary>
    /// Runs <paramref name="work"/>(w) for w = 0..K−1 at once, worker 0 on the calling thread, and waits for all of
    /// them. Each returns null or why it failed; an exception thrown by <paramref name="work"/> counts as its
    /// failure. Returns each worker's result. Not reentrant: one run at a time, like the session that owns the pool.
    /// </summary>
    public string?[] Run(Func<int, string?> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _work = work;
        _results = new string?[Workers];
        if (Workers > 1)
        {
            _done.Reset(Workers - 1);
            foreach (var start in _start)
            {
                start.Release();
            }
        }
        try
        {
            _results[0] = Call(work, 0);
        }
        finally
        {
            if (Workers > 1)
            {
                _done.Wait(); // every worker has returned from its call: nothing runs in the instances after this
            }
            _work = null;
        }
        return _results;
    }

    private void Loop(int worker)
    {
        var start = _start[worker - 1];
        while (true)
        {
            start.Wait();
            if (_disposed)
            {
                return;
            }
            Interlocked.Increment(ref _inCall);
            try
            {
                _results[worker] = Call(_work!, worker);
            }
            finally
            {
                Interlocked.Decrement(ref _inCall);
                _done.Signal();
            }
        }
    }

    private static string? Call(Func<int, string?> work, int worker)
    {
        try
        {
            return work(worker);
        }
        catch (Exception e)
        {
            return $"worker {worker} failed in the host: {e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>Ends the threads (between runs: each is waiting for the next one) and waits for them.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var start in _start)
        {
            start.Release();
        }
        foreach (var thread in _threads)
        {
            thread.Join();
        }
        foreach (var start in _start)
        {
            start.Dispose();
        }
        _done.Dispose();
    }
}
