using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// How a kernel opts into threads: its outermost independent loop written as <see cref="ParallelFor"/> instead of
/// <see cref="Emitter.For(long, long, long, Action{LValue})"/>. In the single-threaded module that is the same loop;
/// in a threaded module (<see cref="Threading"/>) each worker runs a contiguous slice of the iterations, its share,
/// and takes chunks of the others' shares once its own is done where it can (<see cref="Threading.ClaimedFor"/>);
/// the kernel becomes one every worker calls. Each iteration is computed by the same code whichever worker runs it, so
/// results do not depend on the worker count. Only code inside the loop may write: a split kernel's code outside it
/// runs on every worker.
/// </summary>
internal static class WorkSplit
{
    /// <summary>for (i = start; i &lt; end; i += step) body(i), the iterations divided evenly among the workers.</summary>
    public static void ParallelFor(this Emitter e, long start, long end, long step, Action<LValue> body)
        => e.Split(start, end, step, body, barrierFollows: false);

    /// <summary>
    /// <see cref="ParallelFor(Emitter, long, long, long, Action{LValue})"/> and then <see cref="WorkerBarrier"/>: a phase
    /// whose results the next phase reads. Because the barrier comes right after it, such a loop claims its work
    /// (<see cref="Threading.ClaimedFor"/>) even inside a loop of the kernel (a Winograd convolution's blocks of tiles),
    /// where a plain split loop is divided statically.
    /// </summary>
    public static void ParallelForThenBarrier(this Emitter e, long start, long end, long step, Action<LValue> body)
    {
        e.Split(start, end, step, body, barrierFollows: true);
        e.WorkerBarrier();
    }

    /// <summary>The split loop of both: claimed where <see cref="Threading.CanClaim"/> allows, else static shares.</summary>
    private static void Split(this Emitter e, long start, long end, long step, Action<LValue> body, bool barrierFollows)
    {
        if (e.Threads is not { } threads || end <= start || threads.InSplitLoop)
        {
            e.For(start, end, step, body); // a loop inside a split loop's body runs whole on its worker
            return;
        }
        long iterations = (end - start + step - 1) / step;
        threads.MarkSplit(iterations);
        if (threads.CanClaim(barrierFollows))
        {
            threads.ClaimedFor(iterations, i => body(e.Affine(i, step, start)));
            return;
        }
        // Worker w runs iterations [n·w / W, n·(w+1) / W).
        var (worker, _) = threads.Current;
        var first = threads.ShareStart(iterations, worker);
        var last = threads.ShareStart(iterations, e.Add(worker, 1));
        threads.InSplitLoop = true;
        try
        {
            e.ForRuntime(first, last, i => body(e.Affine(i, step, start)));
        }
        finally
        {
            threads.InSplitLoop = false;
        }
    }

    /// <summary><see cref="ParallelFor"/> from 0 to <paramref name="end"/> in steps of 1.</summary>
    public static void ParallelFor(this Emitter e, long end, Action<LValue> body) => e.ParallelFor(0, end, 1, body);

    /// <summary>
    /// Elementwise kernels below this many elements stay on worker 0: splitting them would cost two barriers (a few
    /// microseconds each, docs/performance.md) for less work than that.
    /// </summary>
    public const long MinSplitElements = 16384;

    /// <summary>
    /// <see cref="ParallelFor(Emitter, long, Action{LValue})"/> for a loop of <paramref name="end"/> rows of
    /// <paramref name="elementsPerIteration"/> elements each (a row-wise normalisation): split when the whole is at
    /// least <see cref="MinSplitElements"/> elements, a plain loop otherwise (and the kernel stays on worker 0).
    /// </summary>
    public static void ParallelForLarge(this Emitter e, long end, long elementsPerIteration, Action<LValue> body)
    {
        if (end >= 2 && end * elementsPerIteration >= MinSplitElements)
        {
            e.ParallelFor(0, end, 1, body);
        }
        else
        {
            e.For(end, body);
        }
    }

    /// <summary>
    /// <see cref="Emitter.ForEachIndex"/> with the outermost axis split over the workers, for a nest of at least
    /// <see cref="MinSplitElements"/> elements; a smaller one is the plain nest (and the kernel stays on worker 0).
    /// </summary>
    /// <paramref name="outerCount"/> is a run-time extent's count of outer iterations (see <see cref="Emitter.ForEachIndex"/>);
    /// such a nest is not split (the backend refuses <c>--threads</c> with a run-time extent).
    public static void ParallelForEachIndex(this Emitter e, IReadOnlyList<long> dims, IReadOnlyList<long[]> strides, Action<LValue, LValue[]> body,
                                            LValue? outerCount = null)
    {
        long total = dims.Aggregate(1L, (p, d) => p * d);
        if (e.Threads is null || outerCount is not null || dims.Count == 0 || dims[0] < 2 || total < MinSplitElements)
        {
            e.ForEachIndex(dims, strides, body, outerCount);
            return;
        }
        long inner = total / dims[0];
        var innerDims = dims.Skip(1).ToArray();
        var innerStrides = strides.Select(s => s.Skip(1).ToArray()).ToArray();
        e.ParallelFor(0, dims[0], 1, i => e.ForEachIndex(innerDims, innerStrides, (linear, offsets) =>
            body(e.Add(linear, e.Mul(i, inner)), offsets.Select((offset, k) => strides[k][0] == 0 ? offset : e.Add(offset, e.Mul(i, strides[k][0]))).ToArray())));
    }

    /// <summary>
    /// Runs <paramref name="action"/> once, on worker 0, and then waits for every worker (a split kernel's set-up
    /// that the parallel phases after it read); in the single-threaded module, just the action.
    /// </summary>
    public static void OnOneWorker(this Emitter e, Action action)
    {
        if (e.Threads is not { } threads || threads.InSplitLoop)
        {
            action();
            return;
        }
        threads.MarkSplit(0);
        e.If(e.B.ICmp(IntPredicate.Eq, threads.Current.Worker, e.I(0)), action);
        threads.BarrierInKernel();
    }

    /// <summary>Waits for every worker between two phases of a split kernel; nothing in the single-threaded module.</summary>
    public static void WorkerBarrier(this Emitter e) => e.Threads?.BarrierInKernel();
}
