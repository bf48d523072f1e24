using System.Buffers.Binary;
using System.Diagnostics;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtimes.Wasmtime.Interop;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// A loaded threaded module (docs/abi.md "Threaded modules", <c>compile --threads N</c>), run by
/// <see cref="RuntimeOptions.Threads"/> workers: one shared memory of the size the metadata declares (bounded), the
/// module instantiated once per worker (one store each), and per run <c>wg_run_worker(w, K)</c> on K OS threads
/// (worker 0 on the caller's, the others on the session's <see cref="WorkerPool"/>, started at the first run and kept). Inputs and outputs are copied at their fixed addresses, as in <see cref="WasmtimeSession"/>.
/// <para>
/// If any worker fails (a trap, a non-zero return, the time limit or a cancellation), the session stores 1 into the
/// abort flag so the others return at their next barrier, stops them at their next epoch tick when the engine is
/// interruptible, waits for every worker's call to return, and throws naming the worker; the next run gets fresh instances
/// and a fresh shared memory (a worker stopped inside a barrier leaves it mid-count). Not thread-safe, like every
/// <see cref="IModelSession"/>.
/// </para>
/// </summary>
public sealed class ThreadedSession : IModelSession, IKernelProfiler
{
    /// <summary>Each worker thread's stack: Wasmtime runs wasm on the calling thread, and its default wasm stack limit is 512 KiB.</summary>
    private const int WorkerThreadStackBytes = 4 << 20;

    private readonly NativeEngine _engine;
    private readonly NativeModule _module;
    private readonly RuntimeOptions _options;
    private readonly TensorType[] _inputTypes;
    private readonly TensorType[] _outputTypes;
    private readonly int _workers;
    private Instances? _instances;
    private WorkerPool? _pool;
    private volatile string? _stopReason;
    private long _runStarted;
    private bool _disposed;

    private ThreadedSession(NativeEngine engine, NativeModule module, ModelMetadata metadata, RuntimeOptions options)
    {
        _engine = engine;
        _module = module;
        _options = options;
        _workers = options.Threads;
        Metadata = metadata;
        _inputTypes = MetadataSection.TypesOf(metadata.Inputs);
        _outputTypes = MetadataSection.TypesOf(metadata.Outputs);
    }

    public ModelMetadata Metadata { get; }

    /// <summary>How long compiling and instantiating took; the compiled-module cache is not used for threaded modules.</summary>
    public LoadReport LoadReport { get; private set; } = new(CacheOutcome.Disabled, 0, 0);

    /// <summary>The threads of workers 1..K−1 (null until the first run), for tests.</summary>
    internal WorkerPool? Pool => _pool;

    /// <summary>The workers each run uses.</summary>
    public int Workers => _workers;

    /// <summary>
    /// Compiles <paramref name="module"/>, or loads it from <see cref="RuntimeOptions.CacheDirectory"/> like a
    /// single-threaded module (<see cref="ModuleCompiler.Cached"/>), and instantiates it for <see cref="RuntimeOptions.Threads"/> workers.
    /// </summary>
    internal static ThreadedSession Load(NativeEngine engine, byte[] module, ModelMetadata metadata, RuntimeOptions options)
    {
        CheckShape(metadata, options);
        NativeModule Compile()
        {
            try
            {
                return engine.Compile(module);
            }
            catch (NativeWasmtimeException e)
            {
                throw new WasmGraphException($"could not compile the threaded module: {WasmtimeErrors.Summarize(e.Message)}", e);
            }
        }
        NativeModule? TryDeserialize(ReadOnlyMemory<byte> payload)
        {
            try
            {
                return engine.Deserialize(payload.Span);
            }
            catch (NativeWasmtimeException)
            {
                return null; // made by another Wasmtime or for another CPU: rebuilt
            }
        }
        var (compiled, report) = ModuleCompiler.Cached(module, WasmtimeEngines.ThreadedTag(engine.Interruptible), options.CacheDirectory,
                                                       options.CacheMaxBytes ?? CompiledModuleCache.DefaultMaxBytes, Compile, TryDeserialize, m => m.Serialize());
        var session = new ThreadedSession(engine, compiled, metadata, options);
        try
        {
            options.Cancellation.ThrowIfCancellationRequested();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            session._instances = session.Instantiate();
            session.LoadReport = report with { InstantiateMs = clock.Elapsed.TotalMilliseconds };
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses what the metadata of a threaded module may not say before anything is allocated from it: a worker count
    /// outside 2..64, a shared memory that is not of fixed size or is larger than wasm32 or the memory limit, and a
    /// run asking for more workers than the module was compiled for.
    /// </summary>
    internal static void CheckShape(ModelMetadata metadata, RuntimeOptions options)
    {
        if (metadata.Threads is not int threads || threads < 2 || threads > ModuleAbi.MaxThreads)
        {
            throw new WasmGraphException($"module metadata 'threads' is {metadata.Threads?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}; a threaded module has 2..{ModuleAbi.MaxThreads}");
        }
        if (metadata.SharedMemory is not { } memory || memory.InitialPages != memory.MaximumPages || memory.InitialPages < 1 || memory.InitialPages > 65536)
        {
            throw new WasmGraphException("module metadata 'shared_memory' must give initial_pages = maximum_pages, from 1 to 65536 (64 KiB pages)");
        }
        if (options.MaxMemoryBytes is long max && memory.MaximumPages * 65536 > max)
        {
            throw new WasmGraphException($"the threaded module's shared memory is {memory.MaximumPages * 65536} bytes, over the memory limit of {max} bytes");
        }
        if (options.Threads < 1 || options.Threads > threads)
        {
            throw new WasmGraphException($"{options.Threads} workers asked for, but the module was compiled for 1..{threads} (compile --threads)");
        }
    }

    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _options.Cancellation.ThrowIfCancellationRequested();
        InputCheck.Check(Metadata, _inputTypes, inputs);
        var instances = _instances ??= Instantiate();
        var memory = instances.Memory;
        for (int i = 0; i < _inputTypes.Length; i++)
        {
            inputs[Metadata.Inputs[i].Name].Bytes.CopyTo(memory.Slice(instances.InputAddresses[i], (int)Metadata.Inputs[i].ByteSize));
        }
        memory.AtomicStore(instances.AbortFlag, 0);
        RunWorkers(instances);

        var outputs = new Dictionary<string, TensorData>(_outputTypes.Length, StringComparer.Ordinal);
        for (int i = 0; i < _outputTypes.Length; i++)
        {
            var type = _outputTypes[i];
            var bytes = memory.Slice(instances.OutputAddresses[i], (int)type.ByteSize).ToArray();
            outputs[Metadata.Outputs[i].Name] = type.IsBounded
                ? BoundedOutputs.Trim(type, bytes, ReadDims(memory, instances.OutputDimsAddresses[i]!.Value, type.Shape.Rank), Metadata.Outputs[i].Name)
                : new TensorData(type, bytes);
        }
        return outputs;
    }

    private static long[] ReadDims(NativeSharedMemory memory, long address, int rank)
    {
        var bytes = memory.Slice(address, 4 * rank);
        var dims = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * d)..]);
        }
        return dims;
    }

    /// <summary>
    /// Runs <c>wg_run_worker(w, K)</c> for every worker at once and waits for all of them (<see cref="RunOnWorkers"/>).
    /// </summary>
    private void RunWorkers(Instances instances)
        => RunOnWorkers(instances, worker =>
        {
            var (result, failure) = instances.Workers[worker].Call(ModuleAbi.RunWorker.Name, worker, _workers);
            return failure ?? (result != 0 ? $"{ModuleAbi.RunWorker.Name}({worker}, {_workers}) returned {result}" : null);
        });

    /// <summary>
    /// Runs <paramref name="work"/>(w) for every worker w at once on the session's <see cref="WorkerPool"/> (worker 0
    /// on this thread) and waits for all of them. <paramref name="work"/> returns null or why that worker failed; the
    /// first failure sets the abort flag, so the others return at their next barrier. If any failed, the instances are
    /// disposed (the next run gets fresh ones) and this throws <see cref="Failure"/>.
    /// </summary>
    private void RunOnWorkers(Instances instances, Func<int, string?> work)
    {
        var failures = new List<(int Worker, string Message)>();
        _stopReason = null;
        _runStarted = Stopwatch.GetTimestamp();
        _pool ??= new WorkerPool(_workers, WorkerThreadStackBytes);
        _pool.Run(worker =>
        {
            if (work(worker) is not { } message)
            {
                return null;
            }
            lock (failures)
            {
                failures.Add((worker, message));
            }
            _stopReason ??= $"stopped because worker {worker} failed";
            instances.Memory.AtomicStore(instances.AbortFlag, 1);
            return message;
        });
        if (failures.Count > 0)
        {
            instances.Dispose();
            _instances = null;
            throw Failure(failures);
        }
    }

    /// <summary>
    /// Times each kernel at this session's worker count, as <c>wg_run_worker</c> runs it: one full run over
    /// <paramref name="inputs"/>, then on every worker at once each kernel <paramref name="repeat"/> times in order
    /// through <c>wg_run_kernel_worker(k, w, K)</c> (its share, then a barrier), timed on worker 0 from call to
    /// return, so each time includes the wait for the slowest worker. Milliseconds per kernel, the best of the repeats.
    /// </summary>
    public IReadOnlyList<double> ProfileKernels(IReadOnlyDictionary<string, TensorData> inputs, int repeat)
    {
        Run(inputs);
        var instances = _instances!;
        var first = instances.Workers[0];
        if (!first.HasFunction(ModuleAbi.KernelCount.Name) || !first.HasFunction(ModuleAbi.RunKernelWorker.Name))
        {
            throw new WasmGraphException($"this threaded module has no profiling exports ({ModuleAbi.KernelCount.Name}, {ModuleAbi.RunKernelWorker.Name}); recompile it with a newer WasmGraph");
        }
        int count = Ask(first, ModuleAbi.KernelCount.Name);
        if (count != Metadata.Kernels.Length)
        {
            throw new WasmGraphException($"{ModuleAbi.KernelCount.Name}() returned {count}; the metadata lists {Metadata.Kernels.Length} kernels");
        }
        var times = Enumerable.Repeat(double.MaxValue, count).ToArray();
        repeat = Math.Max(1, repeat);
        RunOnWorkers(instances, worker =>
        {
            for (int k = 0; k < count; k++)
            {
                for (int r = 0; r < repeat; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    var (result, failure) = instances.Workers[worker].Call(ModuleAbi.RunKernelWorker.Name, k, worker, _workers);
                    if (failure is not null || result != 0)
                    {
                        return failure ?? $"{ModuleAbi.RunKernelWorker.Name}({k}, {worker}, {_workers}) returned {result}";
                    }
                    if (worker == 0)
                    {
                        times[k] = Math.Min(times[k], Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                }
            }
            return null;
        });
        return times;
    }

    /// <summary>The exception for a failed run: the caller's cancellation, the time limit, or the first worker's failure.</summary>
    private Exception Failure(List<(int Worker, string Message)> failures)
    {
        if (_options.Cancellation.IsCancellationRequested)
        {
            return new OperationCanceledException("the run was interrupted", _options.Cancellation);
        }
        // The first failure recorded is the cause: the others are workers stopped because of it, and each of them can
        // only fail after the cause set the abort flag or the stop reason, which it does after recording itself.
        var (worker, message) = failures[0];
        if (_options.Timeout is TimeSpan limit && message.Contains(TimeLimitMessage(limit), StringComparison.Ordinal))
        {
            return new WasmGraphException($"run {TimeLimitMessage(limit)} ({_workers} workers)"); // every worker's clock ran out
        }
        var kernel = KernelName(message);
        return new WasmGraphException($"run failed in worker {worker} of {_workers}{(kernel is null ? "" : $", in kernel {kernel}")}: {WasmtimeErrors.Summarize(message)}{WasmtimeErrors.ParameterCheckNote(message)}");
    }

    private static string TimeLimitMessage(TimeSpan limit) => $"exceeded the time limit of {TimeLimit.Format(limit)}";

    /// <summary>The kernel function a trap's backtrace names first (k12_Conv → kernel 12, Conv), if any.</summary>
    private string? KernelName(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"\bk(\d+)_(\w+)");
        if (!match.Success || !int.TryParse(match.Groups[1].Value, out var index))
        {
            return null;
        }
        return index < Metadata.Kernels.Length ? $"{index} '{Metadata.Kernels[index].Name}' ({Metadata.Kernels[index].Op})" : $"{index} ({match.Groups[2].Value})";
    }

    /// <summary>What each worker's epoch check asks: null to go on, else why to stop.</summary>
    private string? StopReason()
    {
        if (_options.Cancellation.IsCancellationRequested)
        {
            return "the run was interrupted";
        }
        if (_options.Timeout is TimeSpan limit && Stopwatch.GetElapsedTime(_runStarted) >= limit)
        {
            return TimeLimitMessage(limit);
        }
        return _stopReason;
    }

    /// <summary>The shared memory and one instance per worker; checks the ABI version and every tensor address.</summary>
    private Instances Instantiate()
    {
        var pages = Metadata.SharedMemory!.MaximumPages;
        var memory = NativeSharedMemory.Create(_engine, pages);
        var instances = new Instances(memory);
        try
        {
            _runStarted = Stopwatch.GetTimestamp();
            for (int w = 0; w < _workers; w++)
            {
                try
                {
                    instances.Workers.Add(NativeWorker.Create(_engine, _module, memory, StopReason));
                }
                catch (NativeWasmtimeException e)
                {
                    throw new WasmGraphException($"could not instantiate the threaded module (worker {w}): {WasmtimeErrors.Summarize(e.Message)}", e);
                }
            }
            var first = instances.Workers[0];
            foreach (var required in ModuleAbi.Functions.Where(f => f.Required).Concat(ModuleAbi.ThreadedFunctions.Where(f => f != ModuleAbi.RunKernelWorker)))
            {
                if (!first.HasFunction(required.Name))
                {
                    throw new WasmGraphException($"the threaded module does not export {required.Name} {required.Signature}");
                }
            }
            int version = Ask(first, ModuleAbi.AbiVersion.Name);
            if (version != ModuleAbi.Version)
            {
                throw new WasmGraphException($"module reports ABI version {version}; this runtime supports version {ModuleAbi.Version}");
            }
            instances.AbortFlag = Address(first, ModuleAbi.AbortFlag.Name, [], 4, memory, "the abort flag");
            instances.InputAddresses = Metadata.Inputs.Select((t, i) => Address(first, ModuleAbi.InputPtr.Name, [i], t.ByteSize, memory, $"input '{t.Name}'")).ToArray();
            instances.OutputAddresses = Metadata.Outputs.Select((t, i) => Address(first, ModuleAbi.OutputPtr.Name, [i], t.ByteSize, memory, $"output '{t.Name}'")).ToArray();
            instances.OutputDimsAddresses = Metadata.Outputs.Select((t, i) => t.IsBounded
                ? (long?)Address(first, ModuleAbi.OutputDims.Name, [i], 4L * t.Shape.Length, memory, $"the dims of output '{t.Name}'")
                : null).ToArray();
            return instances;
        }
        catch
        {
            instances.Dispose();
            throw;
        }
    }

    private static int Ask(NativeWorker worker, string function, params int[] args)
    {
        var (result, failure) = worker.Call(function, args);
        return failure is null ? result : throw new WasmGraphException($"{function} failed: {WasmtimeErrors.Summarize(failure)}");
    }

    private static long Address(NativeWorker worker, string function, int[] args, long bytes, NativeSharedMemory memory, string what)
    {
        int pointer = Ask(worker, function, args);
        long address = (uint)pointer;
        if (pointer == -1 || address + bytes > memory.Size)
        {
            throw new WasmGraphException($"{function}({string.Join(", ", args)}) returned {pointer}: {what} ({bytes} bytes) does not lie inside the shared memory of {memory.Size} bytes");
        }
        return address;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _pool?.Dispose();
        _instances?.Dispose();
        _instances = null;
        _module.Dispose();
    }

    /// <summary>One set of worker instances over one shared memory, with the addresses they agree on.</summary>
    private sealed class Instances(NativeSharedMemory memory) : IDisposable
    {
        public NativeSharedMemory Memory { get; } = memory;

        public List<NativeWorker> Workers { get; } = [];

        public long AbortFlag { get; set; }

        public long[] InputAddresses { get; set; } = [];

        public long[] OutputAddresses { get; set; } = [];

        public long?[] OutputDimsAddresses { get; set; } = [];

        public void Dispose()
        {
            foreach (var worker in Workers)
            {
                worker.Dispose();
            }
            Workers.Clear();
            Memory.Dispose();
        }
    }
}
