namespace WasmGraph.Runtimes.Wasmtime.Tests;

/// <summary>The threads a threaded session keeps for workers 1..K−1 (<see cref="WorkerPool"/>).</summary>
public sealed class WorkerPoolTests
{
    [Fact]
    public void EachRunGivesEveryWorkerItsPieceOnTheSameThreadsAsBefore()
    {
        using var pool = new WorkerPool(3, 256 << 10);
        var caller = Environment.CurrentManagedThreadId;
        int[] Threads()
        {
            var ids = new int[3];
            var results = pool.Run(worker =>
            {
                ids[worker] = Environment.CurrentManagedThreadId;
                return null;
            });
            Assert.All(results, Assert.Null);
            return ids;
        }
        var first = Threads();
        Assert.Equal(caller, first[0]); // worker 0 is the caller
        Assert.Equal(3, first.Distinct().Count());
        Assert.Equal(first, Threads()); // kept, not started anew for each run
        Assert.Equal(2, pool.ThreadsAlive);
        Assert.Equal(0, pool.InCall);
    }

    [Fact]
    public void ItWaitsForTheSlowestWorkerAndReturnsEachWorkersFailure()
    {
        using var pool = new WorkerPool(3, 256 << 10);
        int finished = 0;
        var results = pool.Run(worker =>
        {
            if (worker == 2)
            {
                Thread.Sleep(200);
                Interlocked.Increment(ref finished);
                throw new InvalidOperationException("boom");
            }
            Interlocked.Increment(ref finished);
            return worker == 1 ? "worker 1 says no" : null;
        });
        Assert.Equal(3, finished); // Run returned only after the sleeping worker
        Assert.Null(results[0]);
        Assert.Equal("worker 1 says no", results[1]);
        Assert.Equal("worker 2 failed in the host: InvalidOperationException: boom", results[2]);
        Assert.Equal(0, pool.InCall);
        Assert.All(pool.Run(_ => null), Assert.Null); // and the pool still works
    }

    [Fact]
    public void DisposingEndsTheThreads()
    {
        var pool = new WorkerPool(4, 256 << 10);
        pool.Run(_ => null);
        Assert.Equal(3, pool.ThreadsAlive);
        pool.Dispose();
        Assert.Equal(0, pool.ThreadsAlive);
        Assert.Throws<ObjectDisposedException>(() => pool.Run(_ => null));
    }

    [Fact]
    public void OneWorkerRunsOnTheCallerAlone()
    {
        using var pool = new WorkerPool(1, 256 << 10);
        var caller = Environment.CurrentManagedThreadId;
        int ran = -1;
        pool.Run(_ =>
        {
            ran = Environment.CurrentManagedThreadId;
            return null;
        });
        Assert.Equal(caller, ran);
        Assert.Equal(0, pool.ThreadsAlive);
    }
}
