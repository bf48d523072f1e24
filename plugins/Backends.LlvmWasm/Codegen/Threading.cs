using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm.Codegen;

/// <summary>
/// The threaded module's runtime (docs/abi.md "Threaded modules", <c>compile --threads N</c>): the barrier and abort
/// state in the shared memory, one stack per extra worker, <c>wg_run_worker</c>, <c>wg_abort_flag</c> and
/// <c>wg_run</c> (= worker 0 of 1). <see cref="ModuleGenerator"/> passes every kernel of a threaded module the worker
/// index and count as two trailing i32 parameters; a kernel splits its work with <see cref="WorkSplit.ParallelFor"/>,
/// and one that does not runs on worker 0 alone. Workers meet at a barrier between two kernels only where the second
/// could race with one since the last barrier (<see cref="BarrierPlan"/>): a run of unsplit kernels all runs on
/// worker 0, in program order, and needs none, nor do independent kernels.
/// </summary>
internal sealed class Threading
{
    /// <summary>Bytes of stack each extra worker gets: the same as the single-threaded module's one stack.</summary>
    public static int StackBytes => LinearMemory.StackBytes;

    /// <summary>
    /// Busy-polls of the barrier's generation before a worker sleeps in <c>memory.atomic.wait32</c> (each poll a couple
    /// of loads, so on the order of 0.1–0.2 ms in all). The two halves of a split kernel end microseconds to tens of
    /// microseconds apart, and a futex sleep and wake-up costs more than that: with 2048 polls (a few µs) the barrier
    /// measured 10–13 µs on a quiet 2-core machine because the early worker was usually asleep; with 100 000 it
    /// measured 0.3–0.4 µs (docs/performance.md, "Barrier cost"). A worker that waits longer (its partner descheduled
    /// on an oversubscribed machine) still sleeps, so spinning is bounded.
    /// </summary>
    private const int SpinsBeforeWait = 100_000;

    /// <summary>The longest a barrier wait sleeps before it looks at the abort flag again (the ABI allows at most 1 ms).</summary>
    private const long WaitTimeoutNs = 1_000_000;

    // Byte offsets in the state block: each word on its own 64-byte line, so the barrier's counter and generation do
    // not share a cache line with each other or with the abort flag that waiting workers poll; then one line per worker
    // for the claim counter of its share of a claimed loop (ClaimedFor).
    private const int AbortOffset = 0;
    private const int CountOffset = 64;
    private const int GenerationOffset = 128;
    private const int ClaimsOffset = 192;
    private const int LineBytes = 64;

    /// <summary>Bytes of the state block for <paramref name="maxWorkers"/> workers.</summary>
    private static int StateBytesFor(int maxWorkers) => ClaimsOffset + LineBytes * maxWorkers;

    /// <summary>
    /// Chunks per worker's share in a claimed loop: a worker that finishes early takes the other's chunks, so the two
    /// finish at most about one chunk (1/32 of a share) apart; each claim is one atomic add, uncontended until then.
    /// </summary>
    private const int ChunksPerShare = 32;

    private readonly Emitter _e;
    private LValue _state;
    private LValue _barrier;
    private LType _barrierType;
    private LValue _worker;
    private LValue _workers;

    public Threading(Emitter emitter, int maxWorkers)
    {
        if (maxWorkers < 2 || maxWorkers > ModuleAbi.MaxThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(maxWorkers), maxWorkers, $"a threaded module has 2..{ModuleAbi.MaxThreads} workers");
        }
        _e = emitter;
        MaxWorkers = maxWorkers;
    }

    /// <summary>The compiled maximum worker count (metadata <c>threads</c>).</summary>
    public int MaxWorkers { get; }

    /// <summary>
    /// What each kernel reads and writes, so that <see cref="EmitRunner"/> puts barriers only between kernels that
    /// could race (<see cref="BarrierPlan"/>); without it, wherever a split kernel starts or ends.
    /// </summary>
    public IReadOnlyList<KernelAccess>? Accesses { get; set; }

    /// <summary>Barriers between kernels per inference in the module emitted (known once <see cref="EmitRunner"/> ran).</summary>
    public int BarriersBetweenKernels { get; private set; }

    /// <summary>The worker stacks and state of a module for <paramref name="maxWorkers"/> workers, in bytes of linear memory, for the memory budget.</summary>
    public static long StaticBytesFor(int maxWorkers) => (long)(maxWorkers - 1) * StackBytes + StateBytesFor(maxWorkers);

    /// <summary>Whether the kernel being emitted split a loop over the workers (set by <see cref="WorkSplit.ParallelFor"/>).</summary>
    public bool KernelSplits { get; private set; }

    private readonly List<long> _granularity = [];

    /// <summary>
    /// Per kernel emitted so far, in order: 0 when it runs on worker 0 alone, else the iteration count of its largest
    /// split loop (1 for a kernel whose only parallel part is <see cref="WorkSplit.OnOneWorker"/>): how finely its main
    /// phase divides, so W workers get at most ⌈n / W⌉ of n pieces each (metadata <c>kernels[].split</c>). The largest,
    /// because a kernel's small phases (a convolution's copy of 3 input channels) are a small part of its time.
    /// </summary>
    public IReadOnlyList<long> Granularity => _granularity.Select(n => n == OnlyOnOneWorker ? 1 : n).ToList();

    /// <summary>Granularity mark of a split kernel that has no split loop (yet): only <see cref="WorkSplit.OnOneWorker"/> phases.</summary>
    private const long OnlyOnOneWorker = long.MaxValue;

    /// <summary>This worker's index and the worker count, as values of the kernel function being emitted.</summary>
    public (LValue Worker, LValue Workers) Current => (_worker, _workers);

    /// <summary>Declares the state block and the barrier function; call before any kernel is emitted.</summary>
    public void Declare()
    {
        var ctx = _e.Ctx;
        var stateType = ctx.Array(ctx.I8, StateBytesFor(MaxWorkers));
        _state = _e.Module.AddGlobal("wg_thread_state", stateType, ctx.Null(stateType), isConstant: false, Linkage.Internal, 64);
        _barrierType = ctx.Function(ctx.I32, ctx.I32);
        _barrier = _e.Module.AddFunction("wg_barrier", _barrierType, Linkage.Internal);
        _e.Module.AddAttribute(_barrier, ~0u, "noinline");
        EmitBarrier();
    }

    /// <summary>Starts a kernel function whose last two parameters are the worker index and count.</summary>
    public void BeginKernel(LValue function, int parameterCount)
    {
        _worker = function.Parameter(parameterCount - 2);
        _workers = function.Parameter(parameterCount - 1);
        KernelSplits = false;
        _granularity.Add(0);
        _claimsPending.Add(false);
        _kernelLoopDepth = _e.LoopDepth;
    }

    // Per kernel emitted so far: whether a claimed loop ran since its last barrier, so that the claim counters must be
    // reset (by a barrier) before any other claimed loop, i.e. a barrier follows the kernel (EmitRunner).
    private readonly List<bool> _claimsPending = [];
    private int _kernelLoopDepth;

    /// <summary>
    /// Whether a split loop starting here may claim its work (<see cref="ClaimedFor"/>): with no claimed loop since the
    /// last barrier (the counters are reset only by a barrier), and outside any loop of the kernel (a body emitted once
    /// but run many times would reuse the counters without a barrier between) unless <paramref name="barrierFollows"/>
    /// (<see cref="WorkSplit.ParallelForThenBarrier"/>: the barrier resets them before the body runs again). Otherwise
    /// the loop is split statically; both give the same results.
    /// </summary>
    public bool CanClaim(bool barrierFollows)
        => !InSplitLoop && !_claimsPending[^1] && (barrierFollows || _e.LoopDepth == _kernelLoopDepth);

    /// <summary>The first iteration of worker <paramref name="w"/>'s share of <paramref name="iterations"/>: n·w / W, in i64 as n·W may pass 2^31.</summary>
    public LValue ShareStart(long iterations, LValue w)
    {
        var (ctx, b) = (_e.Ctx, _e.B);
        var product = b.Binary(BinaryOp.Mul, ctx.Int(ctx.I64, iterations), b.Cast(CastOp.ZExt, w, ctx.I64));
        return b.Cast(CastOp.Trunc, b.Binary(BinaryOp.UDiv, product, b.Cast(CastOp.ZExt, _workers, ctx.I64)), ctx.I32);
    }

    /// <summary>
    /// A split loop whose work is claimed at run time: each worker's share is the static one, [n·w / W, n·(w+1) / W),
    /// taken in chunks of about 1/<see cref="ChunksPerShare"/> of it through that share's counter (an atomic add);
    /// a worker that has emptied its own share goes on to claim the chunks left in the others'. When the halves run at
    /// the same speed each worker runs its own share, as the static split does (and reads the data it wrote in the
    /// kernel before); when one is slowed (a descheduled core, the other core's data) the other takes over its
    /// remaining chunks instead of waiting at the barrier. The counters are reset by the next barrier's last arrival
    /// (<see cref="EmitBarrier"/>), which is why <see cref="CanClaim"/> allows one claimed loop between barriers.
    /// </summary>
    public void ClaimedFor(long iterations, Action<LValue> body)
    {
        var (ctx, b) = (_e.Ctx, _e.B);
        var (worker, workers) = (_worker, _workers);
        var chunk = b.Binary(BinaryOp.UDiv, _e.I(iterations), _e.Mul(workers, ChunksPerShare));
        chunk = b.Select(b.ICmp(IntPredicate.Eq, chunk, _e.I(0)), _e.I(1), chunk);
        _claimsPending[^1] = true;
        InSplitLoop = true;
        try
        {
            _e.ForRuntime(_e.I(0), workers, offset =>
            {
                var share = _e.Add(worker, offset); // own share first, then the next workers' in turn
                share = b.Select(b.ICmp(IntPredicate.Uge, share, workers), b.Binary(BinaryOp.Sub, share, workers), share);
                var first = ShareStart(iterations, share);
                var length = b.Binary(BinaryOp.Sub, ShareStart(iterations, _e.Add(share, 1)), first);
                var counter = b.Gep(ctx.I8, b.GepConst(ctx.I8, _state, ClaimsOffset), _e.Mul(share, LineBytes));
                var function = _e.Function;
                var claim = b.AppendBlock(function, "claim");
                var work = b.AppendBlock(function, "claimed");
                var done = b.AppendBlock(function, "claims.done");
                b.Br(claim);
                b.PositionAtEnd(claim);
                var start = b.AtomicRmw(AtomicRmwOp.Add, counter, chunk);
                b.CondBr(b.ICmp(IntPredicate.Slt, start, length), work, done);
                b.PositionAtEnd(work);
                var end = _e.Add(start, chunk);
                end = b.Select(b.ICmp(IntPredicate.Slt, end, length), end, length);
                _e.ForRuntime(_e.Add(first, start), _e.Add(first, end), body);
                b.Br(claim);
                b.PositionAtEnd(done);
            });
        }
        finally
        {
            InSplitLoop = false;
        }
    }

    /// <summary>
    /// Scratch of <paramref name="bytes"/> private to each worker (a zero-initialised global of
    /// <see cref="MaxWorkers"/> slices, 64-byte aligned): the address of this worker's slice.
    /// </summary>
    public LValue WorkerScratch(long bytes)
    {
        var ctx = _e.Ctx;
        long slice = (bytes + 63) / 64 * 64;
        var type = ctx.Array(ctx.I8, slice * MaxWorkers);
        var global = _e.Module.AddGlobal("wg_worker_scratch", type, ctx.Null(type), isConstant: false, Linkage.Internal, 64);
        return _e.B.Gep(ctx.I8, global, _e.Mul(_worker, slice));
    }

    /// <summary>
    /// Whether code is being emitted inside a split loop's body: a loop nested in it must not be split again (each
    /// worker runs its own iterations of the outer loop), and a barrier there would deadlock.
    /// </summary>
    public bool InSplitLoop { get; set; }

    /// <summary>
    /// Marks the kernel being emitted as split over the workers (every worker calls it), with a loop of
    /// <paramref name="iterations"/> divided among them (0 for a phase that runs on worker 0 between barriers).
    /// </summary>
    public void MarkSplit(long iterations)
    {
        KernelSplits = true;
        long current = _granularity[^1];
        if (iterations > 0)
        {
            _granularity[^1] = current is 0 or OnlyOnOneWorker ? iterations : Math.Max(current, iterations);
        }
        else if (current == 0)
        {
            _granularity[^1] = OnlyOnOneWorker;
        }
    }

    /// <summary>
    /// Waits for every worker inside a split kernel (between two phases, e.g. a weight transform and its use). On an
    /// abort it returns at once; the kernel's results are then garbage, and the run returns non-zero at the next
    /// barrier between kernels.
    /// </summary>
    public void BarrierInKernel()
    {
        if (InSplitLoop)
        {
            throw new InvalidOperationException("a barrier inside a split loop would deadlock: each worker runs a different number of its iterations");
        }
        _e.B.Call(_barrierType, _barrier, _workers);
        _claimsPending[^1] = false;
    }

    /// <summary>
    /// The central barrier: <c>wg_barrier(workers) -> i32</c>, 0 when every worker arrived, 1 when the abort flag is set.
    /// Each arrival adds one to the counter; the last resets it to 0 and advances the generation, then wakes the
    /// sleepers; the others poll the generation, then sleep on it for at most <see cref="WaitTimeoutNs"/> at a time,
    /// checking the abort flag between waits. Every worker that sees the abort flag stores 0 into the counter before
    /// it returns, so a counter left over by an aborted run is reset by the time all its workers returned. The last
    /// arrival also resets the claim counters of <see cref="ClaimedFor"/> before it advances the generation (every
    /// worker has left its claimed loop by then), and so does every worker that sees the abort flag.
    /// </summary>
    private void EmitBarrier()
    {
        var (ctx, b) = (_e.Ctx, _e.B);
        _e.BeginFunction(_barrier);
        var workers = _barrier.Parameter(0);
        var abortFlag = b.GepConst(ctx.I8, _state, AbortOffset);
        var count = b.GepConst(ctx.I8, _state, CountOffset);
        var generation = b.GepConst(ctx.I8, _state, GenerationOffset);
        var aborted = b.AppendBlock(_barrier, "aborted");
        var released = b.AppendBlock(_barrier, "released");

        var alone = b.AppendBlock(_barrier, "alone");
        var together = b.AppendBlock(_barrier, "together");
        b.CondBr(b.ICmp(IntPredicate.Sle, workers, _e.I(1)), alone, together);
        b.PositionAtEnd(alone);
        ResetClaims(workers); // a lone worker empties its counters too, and nothing else resets them
        b.Ret(_e.I(0));

        b.PositionAtEnd(together);
        var seen = b.AtomicLoad(ctx.I32, generation, 4);
        var arrive = b.AppendBlock(_barrier, "arrive");
        b.CondBr(IsAborted(abortFlag), aborted, arrive);
        b.PositionAtEnd(arrive);
        var arrived = _e.Add(b.AtomicRmw(AtomicRmwOp.Add, count, _e.I(1)), 1);
        var last = b.AppendBlock(_barrier, "last");
        var spin = b.AppendBlock(_barrier, "spin");
        var preSpin = b.CurrentBlock;
        b.CondBr(b.ICmp(IntPredicate.Eq, arrived, workers), last, spin);

        b.PositionAtEnd(last);
        b.AtomicStore(_e.I(0), count, 4);
        ResetClaims(workers);
        b.AtomicRmw(AtomicRmwOp.Add, generation, _e.I(1));
        CallPlain("llvm.wasm.memory.atomic.notify", generation, _e.I(-1));
        b.Ret(_e.I(0));

        // for (spins = 0;; spins++) { if (generation != seen) released; if (abort) aborted; if (spins >= N) wait(≤ 1 ms); }
        b.PositionAtEnd(spin);
        var spins = b.Phi(ctx.I32);
        b.AddIncoming(spins, _e.I(0), preSpin);
        var checkAbort = b.AppendBlock(_barrier, "check.abort");
        b.CondBr(b.ICmp(IntPredicate.Ne, b.AtomicLoad(ctx.I32, generation, 4), seen), released, checkAbort);
        b.PositionAtEnd(checkAbort);
        var sleepOrSpin = b.AppendBlock(_barrier, "sleep.or.spin");
        b.CondBr(IsAborted(abortFlag), aborted, sleepOrSpin);
        b.PositionAtEnd(sleepOrSpin);
        var sleep = b.AppendBlock(_barrier, "sleep");
        var next = b.AppendBlock(_barrier, "next");
        b.CondBr(b.ICmp(IntPredicate.Sge, spins, _e.I(SpinsBeforeWait)), sleep, next);
        b.PositionAtEnd(sleep);
        CallPlain("llvm.wasm.memory.atomic.wait32", generation, seen, ctx.Int(ctx.I64, WaitTimeoutNs));
        b.Br(next);
        b.PositionAtEnd(next);
        b.AddIncoming(spins, _e.Add(spins, 1), next);
        b.Br(spin);

        b.PositionAtEnd(released);
        b.Ret(_e.I(0));
        b.PositionAtEnd(aborted);
        b.AtomicStore(_e.I(0), count, 4);
        ResetClaims(workers);
        b.Ret(_e.I(1));
    }

    /// <summary>Stores 0 into the claim counter of every worker's share (<see cref="ClaimedFor"/>).</summary>
    private void ResetClaims(LValue workers)
    {
        var (ctx, b) = (_e.Ctx, _e.B);
        var claims = b.GepConst(ctx.I8, _state, ClaimsOffset);
        _e.ForRuntime(_e.I(0), workers, share => b.AtomicStore(_e.I(0), b.Gep(ctx.I8, claims, _e.Mul(share, LineBytes)), 4));
    }

    /// <summary>Calls an intrinsic that is not overloaded (the wasm wait and notify).</summary>
    private LValue CallPlain(string name, params LValue[] args)
    {
        var (fn, type) = _e.Module.Intrinsic(name);
        return _e.B.Call(type, fn, args);
    }

    private LValue IsAborted(LValue abortFlag) => _e.B.ICmp(IntPredicate.Ne, _e.B.AtomicLoad(_e.Ctx.I32, abortFlag, 4), _e.I(0));

    /// <summary>
    /// Emits <c>wg_run_worker</c>, <c>wg_abort_flag</c> and <c>wg_run</c> over the kernels (their functions, types and
    /// argument lists without the two worker parameters) and which of them split.
    /// </summary>
    public void EmitRunner(IReadOnlyList<(LValue Function, LType Type, LValue[] Args)> kernels, IReadOnlyList<bool> splits, Func<AbiFunction, LValue> addExport)
    {
        var ctx = _e.Ctx;
        var b = _e.B;

        // wg_work(worker, workers): the kernels in order, with barriers where a kernel could race with one since the
        // last barrier (BarrierPlan). Not inlined into wg_run_worker, so any stack frame it needs is taken from the
        // worker's own stack.
        var planned = BarrierPlan.Barriers(splits, Accesses is { } accesses && accesses.Count == kernels.Count ? accesses : null);
        // After kernel i: where the plan puts one, and after a kernel that ended with a claimed loop since its last
        // barrier (its claim counters are reset before the next claimed loop, or the next run, begins).
        var barriers = Enumerable.Range(0, kernels.Count).Select(i => (i < planned.Length && planned[i]) || _claimsPending[i]).ToArray();
        BarriersBetweenKernels = barriers.Count(b => b);
        var workType = ctx.Function(ctx.I32, ctx.I32, ctx.I32);
        var work = _e.Module.AddFunction("wg_work", workType, Linkage.Internal);
        _e.Module.AddAttribute(work, ~0u, "noinline");
        _e.BeginFunction(work);
        var (worker, workers) = (work.Parameter(0), work.Parameter(1));
        for (int i = 0; i < kernels.Count; i++)
        {
            CallShare(kernels[i], splits[i], worker, workers);
            if (barriers[i])
            {
                var stop = b.AppendBlock(work, "abort");
                var go = b.AppendBlock(work, "go");
                b.CondBr(b.ICmp(IntPredicate.Ne, b.Call(_barrierType, _barrier, workers), _e.I(0)), stop, go);
                b.PositionAtEnd(stop);
                b.Ret(_e.I(1));
                b.PositionAtEnd(go);
            }
        }
        b.Ret(_e.I(0));

        var stacksType = ctx.Array(ctx.I8, (long)(MaxWorkers - 1) * StackBytes);
        _stacks = _e.Module.AddGlobal("wg_worker_stacks", stacksType, ctx.Null(stacksType), isConstant: false, Linkage.Internal, 16);
        var runWorker = addExport(ModuleAbi.RunWorker);
        var runWorkerType = ctx.Function(ctx.I32, ctx.I32, ctx.I32);
        EmitOnWorkerStack(runWorker, 0, () => b.Call(workType, work, runWorker.Parameter(0), runWorker.Parameter(1)));

        var abortFlag = addExport(ModuleAbi.AbortFlag);
        _e.BeginFunction(abortFlag);
        b.Ret(b.Cast(CastOp.PtrToInt, b.GepConst(ctx.I8, _state, AbortOffset), ctx.I32));

        var wgRun = addExport(ModuleAbi.Run);
        _e.BeginFunction(wgRun);
        b.Ret(b.Call(runWorkerType, runWorker, _e.I(0), _e.I(1)));

        EmitKernelWorker(kernels, splits, addExport);
    }

    private LValue _stacks;

    /// <summary>This worker's share of one kernel: every worker calls a split kernel, worker 0 alone an unsplit one.</summary>
    private void CallShare((LValue Function, LType Type, LValue[] Args) kernel, bool split, LValue worker, LValue workers)
    {
        var (function, type, args) = kernel;
        LValue[] call = [.. args, worker, workers];
        if (split)
        {
            _e.B.Call(type, function, call);
        }
        else
        {
            _e.If(_e.B.ICmp(IntPredicate.Eq, worker, _e.I(0)), () => _e.B.Call(type, function, call));
        }
    }

    /// <summary>
    /// The body of an export whose parameters <paramref name="first"/> and <paramref name="first"/> + 1 are the worker
    /// index and count: returns 2 unless 1 ≤ workers ≤ <see cref="MaxWorkers"/> and worker &lt; workers; else moves this
    /// instance's stack pointer to the worker's own stack (worker 0 keeps the linker's), returns what
    /// <paramref name="call"/> returns and restores the stack pointer.
    /// </summary>
    private void EmitOnWorkerStack(LValue export, int first, Func<LValue> call)
    {
        var (ctx, b) = (_e.Ctx, _e.B);
        _e.BeginFunction(export);
        var (worker, workers) = (export.Parameter(first), export.Parameter(first + 1));
        var valid = b.Binary(BinaryOp.And,
                             b.Binary(BinaryOp.And, b.ICmp(IntPredicate.Sge, workers, _e.I(1)), b.ICmp(IntPredicate.Sle, workers, _e.I(MaxWorkers))),
                             b.ICmp(IntPredicate.Ult, worker, workers));
        var bad = b.AppendBlock(export, "bad");
        var good = b.AppendBlock(export, "good");
        b.CondBr(valid, good, bad);
        b.PositionAtEnd(bad);
        b.Ret(_e.I(2));
        b.PositionAtEnd(good);
        var saved = _e.CallIntrinsic("llvm.stacksave", ctx.Ptr);
        var own = b.AppendBlock(export, "own.stack");
        var run = b.AppendBlock(export, "run");
        b.CondBr(b.ICmp(IntPredicate.Ne, worker, _e.I(0)), own, run);
        b.PositionAtEnd(own);
        // Worker w ≥ 1 owns bytes [(w-1)·S, w·S) of wg_worker_stacks; the stack grows down from its top.
        _e.CallIntrinsic("llvm.stackrestore", ctx.Ptr, b.Gep(ctx.I8, _stacks, _e.Mul(worker, StackBytes)));
        b.Br(run);
        b.PositionAtEnd(run);
        var result = call();
        _e.CallIntrinsic("llvm.stackrestore", ctx.Ptr, saved);
        b.Ret(result);
    }

    /// <summary>
    /// The profiling export <c>wg_run_kernel_worker(index, worker, workers)</c> (docs/abi.md): kernel
    /// <c>index</c>'s share for this worker, as <c>wg_work</c> calls it, then a barrier, so that the time from one
    /// call to the next on any worker is the kernel's time at that many workers.
    /// </summary>
    private void EmitKernelWorker(IReadOnlyList<(LValue Function, LType Type, LValue[] Args)> kernels, IReadOnlyList<bool> splits, Func<AbiFunction, LValue> addExport)
    {
        var (ctx, b) = (_e.Ctx, _e.B);
        var oneType = ctx.Function(ctx.I32, ctx.I32, ctx.I32, ctx.I32);
        var one = _e.Module.AddFunction("wg_kernel_work", oneType, Linkage.Internal);
        _e.Module.AddAttribute(one, ~0u, "noinline");
        _e.BeginFunction(one);
        var (index, worker, workers) = (one.Parameter(0), one.Parameter(1), one.Parameter(2));
        var missing = b.AppendBlock(one, "missing");
        var dispatch = b.Switch(index, missing, kernels.Count);
        for (int i = 0; i < kernels.Count; i++)
        {
            var block = b.AppendBlock(one, "kernel");
            b.AddCase(dispatch, _e.I(i), block);
            b.PositionAtEnd(block);
            CallShare(kernels[i], splits[i], worker, workers);
            b.Ret(b.Call(_barrierType, _barrier, workers));
        }
        b.PositionAtEnd(missing);
        b.Ret(_e.I(-1));

        var export = addExport(ModuleAbi.RunKernelWorker);
        EmitOnWorkerStack(export, 1, () => b.Call(oneType, one, export.Parameter(0), export.Parameter(1), export.Parameter(2)));
    }
}
