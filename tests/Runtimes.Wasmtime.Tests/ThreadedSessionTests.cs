using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

/// <summary>
/// The threaded host (<see cref="ThreadedSession"/>) on a hand-written threaded module, so that failures can be made
/// on purpose in one worker: it imports a shared <c>env.memory</c>; worker 0 computes y = x + 1 and then, when x[0] is
/// negative, waits on the abort flag as a barrier does (memory.atomic.wait32 with a 1 ms timeout); worker 1 traps when
/// x[0] = -1 and loops forever when x[0] = -2. A failing worker must fail the run naming it, stop the others, leave no
/// worker running (the session's pool threads wait for the next run, and end with the session), and leave the session usable.
/// </summary>
public sealed class ThreadedSessionTests : IDisposable
{
    private const int AbortFlag = 512;

    private static readonly string Wat = $$"""
        (module
          (import "env" "memory" (memory 1 1 shared))
          (export "memory" (memory 0))
          (func (export "wg_abi_version") (result i32) (i32.const 1))
          (func (export "wg_input_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const {{TestModules.InputAddress}})) (else (i32.const -1))))
          (func (export "wg_output_ptr") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const {{TestModules.OutputAddress}})) (else (i32.const -1))))
          (func (export "wg_abort_flag") (result i32) (i32.const {{AbortFlag}}))
          (func $worker (export "wg_run_worker") (param $w i32) (param $k i32) (result i32)
            (local $i i32)
            (if (i32.eq (local.get $w) (i32.const 1))
              (then
                (if (f32.eq (f32.load (i32.const 1024)) (f32.const -1)) (then unreachable))
                (if (f32.eq (f32.load (i32.const 1024)) (f32.const -2)) (then (loop $forever (br $forever))))
                (return (i32.const 0))))
            (loop $next
              (f32.store offset=2048 (local.get $i) (f32.add (f32.load offset=1024 (local.get $i)) (f32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
            (if (f32.lt (f32.load (i32.const 1024)) (f32.const 0))
              (then
                (loop $wait
                  (if (i32.atomic.load (i32.const {{AbortFlag}})) (then (return (i32.const 1))))
                  (drop (memory.atomic.wait32 (i32.const {{AbortFlag}}) (i32.const 0) (i64.const 1000000)))
                  (br $wait))))
            (i32.const 0))
          (func (export "wg_run") (result i32) (call $worker (i32.const 0) (i32.const 1))))
        """;

    private static readonly ModelMetadata Metadata = TestModules.AddOneMetadata with
    {
        Threads = 2,
        SharedMemory = new SharedMemoryInfo(1, 1),
    };

    private readonly WasmtimeRuntime _runtime = new();

    public void Dispose() => _runtime.Dispose();

    private static byte[] Module(ModelMetadata? metadata = null) => TestModules.Build(Wat, metadata ?? Metadata);

    private static Dictionary<string, TensorData> X(params float[] values)
        => new() { ["x"] = TensorData.FromFloats(new Shape(4), values) };

    private IModelSession Load(RuntimeOptions options) => ((IRuntime)_runtime).Load(Module(), options);

    /// <summary>
    /// No worker is still running wasm after a run returned (each pool thread counts itself in and out of its piece of
    /// work, apart from the count the run waits on), and disposing the session ends the pool's threads.
    /// </summary>
    private static void AssertNoWorkerRunningAndDispose(IModelSession session)
    {
        var pool = ((ThreadedSession)session).Pool;
        Assert.Equal(0, pool?.InCall ?? 0);
        session.Dispose();
        Assert.Equal(0, pool?.ThreadsAlive ?? 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ItRunsOneInferenceOnEveryWorker(int workers)
    {
        var session = (ThreadedSession)Load(new RuntimeOptions { Threads = workers });
        Assert.Equal([2f, 3f, 4f, 5f], session.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
        var pool = session.Pool!;
        Assert.Equal(workers - 1, pool.ThreadsAlive); // kept between runs: the next run reuses them
        Assert.Equal([11f, 3f, 4f, 5f], session.Run(X(10, 2, 3, 4))["y"].ToFloatArray());
        Assert.Same(pool, session.Pool);
        AssertNoWorkerRunningAndDispose(session);
    }

    [Fact]
    public void AThreadedModuleGoesThroughTheCompiledModuleCache()
    {
        using var cache = new TempDirectory();
        var options = new RuntimeOptions { Threads = 2, CacheDirectory = cache.Path };
        LoadReport LoadAndRun(WasmtimeRuntime runtime)
        {
            var session = runtime.LoadThreaded(Module(), Metadata, options);
            Assert.Equal([2f, 3f, 4f, 5f], session.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
            AssertNoWorkerRunningAndDispose(session);
            return session.LoadReport;
        }
        Assert.Equal(CacheOutcome.Miss, LoadAndRun(_runtime).Cache);
        using var other = new WasmtimeRuntime();
        var hit = LoadAndRun(other);
        Assert.Equal(CacheOutcome.Hit, hit.Cache);
        Assert.Equal(Assert.Single(cache.Files("*" + CompiledModuleCache.Extension)), hit.CacheFile);

        // Intact bytes that Wasmtime refuses (not its serialized code) are deleted and rebuilt, not loaded.
        new CompiledModuleCache(cache.Path).Write(Path.GetFileNameWithoutExtension(hit.CacheFile!), "not an ELF file"u8);
        Assert.Equal(CacheOutcome.Rebuilt, LoadAndRun(_runtime).Cache);
        Assert.Equal(CacheOutcome.Hit, LoadAndRun(_runtime).Cache);
    }

    [Fact]
    public void ATrappingWorkerFailsTheRunNamingItAndTheSessionRecovers()
    {
        var session = Load(new RuntimeOptions { Threads = 2 });
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<WasmGraphException>(() => session.Run(X(-1, 0, 0, 0)));
        Assert.StartsWith("run failed in worker 1 of 2: ", error.Message);
        Assert.Contains("unreachable", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        Assert.InRange(clock.ElapsedMilliseconds, 0, 5000); // worker 0 saw the abort flag instead of waiting forever
        Assert.Equal(0, ((ThreadedSession)session).Pool!.InCall);

        Assert.Equal([2f, 3f, 4f, 5f], session.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
        AssertNoWorkerRunningAndDispose(session);
    }

    [Fact]
    public void ATimeLimitInOneWorkerStopsTheRunAndLeavesNoThread()
    {
        var session = Load(new RuntimeOptions { Threads = 2, Timeout = TimeSpan.FromMilliseconds(200) });
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<WasmGraphException>(() => session.Run(X(-2, 0, 0, 0)));
        Assert.Equal("run exceeded the time limit of 200 ms (2 workers)", error.Message);
        Assert.InRange(clock.ElapsedMilliseconds, 150, 5000);
        Assert.Equal(0, ((ThreadedSession)session).Pool!.InCall); // the looping worker was stopped, not left running

        Assert.Equal([2f, 3f, 4f, 5f], session.Run(X(1, 2, 3, 4))["y"].ToFloatArray());
        AssertNoWorkerRunningAndDispose(session);
    }

    [Fact]
    public void CancellationStopsEveryWorker()
    {
        using var cancel = new CancellationTokenSource();
        var session = Load(new RuntimeOptions { Threads = 2, Cancellation = cancel.Token });
        cancel.CancelAfter(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => session.Run(X(-2, 0, 0, 0)));
        AssertNoWorkerRunningAndDispose(session);
    }

    [Fact]
    public void ItRefusesMoreWorkersThanTheModuleWasCompiledFor()
    {
        var error = Assert.Throws<WasmGraphException>(() => Load(new RuntimeOptions { Threads = 3 }));
        Assert.Equal("3 workers asked for, but the module was compiled for 1..2 (compile --threads)", error.Message);
    }

    [Fact]
    public void ItRefusesWorkersForAModuleWithoutThreads()
    {
        var error = Assert.Throws<WasmGraphException>(() => ((IRuntime)_runtime).Load(TestModules.AddOne(), new RuntimeOptions { Threads = 2 }));
        Assert.StartsWith("2 workers asked for, but the module was compiled without threads", error.Message);
    }

    [Theory]
    [InlineData(100, 1, 1, "'threads' is 100")]
    [InlineData(2, 1, 2, "'shared_memory' must give initial_pages = maximum_pages")]
    [InlineData(2, 70000, 70000, "'shared_memory' must give initial_pages = maximum_pages, from 1 to 65536")]
    public void ItBoundsWhatTheMetadataSays(int threads, long initial, long maximum, string expected)
    {
        var module = Module(Metadata with { Threads = threads, SharedMemory = new SharedMemoryInfo(initial, maximum) });
        var error = Assert.Throws<WasmGraphException>(() => ((IRuntime)_runtime).Load(module, new RuntimeOptions()));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ItRefusesASharedMemoryOverTheMemoryLimit()
    {
        var module = Module(Metadata with { SharedMemory = new SharedMemoryInfo(64, 64) });
        var error = Assert.Throws<WasmGraphException>(() => ((IRuntime)_runtime).Load(module, new RuntimeOptions { MaxMemoryBytes = 1 << 20 }));
        Assert.Contains("over the memory limit of 1048576 bytes", error.Message);
    }
}
