using Wasmtime;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// One instantiation of a model module: its store, memory, <c>wg_run</c>, and the input and output addresses, which
/// the ABI fixes for the instance's lifetime and so are asked for once and checked against the memory size here.
/// Every call into wasm goes through <see cref="Invoke"/>, which applies the time limit and turns traps into
/// <see cref="WasmGraphException"/>s. After a trap the instance is <see cref="Faulted"/>: wasm globals such as the
/// stack pointer are not unwound, so the session replaces it rather than run it again.
/// </summary>
internal sealed class ModelInstance : IDisposable
{
    private readonly Store _store;
    private readonly Memory _memory;
    private readonly Func<int> _run;
    private readonly Func<int>? _kernelCount;
    private readonly Func<int, int>? _runKernel;
    private readonly RuntimeOptions _options;
    private readonly TimeLimit? _limit;

    private ModelInstance(Store store, Instance instance, RuntimeOptions options, TimeLimit? limit)
    {
        _store = store;
        _options = options;
        _limit = limit;
        // The ABI validation before instantiation guarantees these exist with these types; null means a shared memory.
        _memory = instance.GetMemory(ModuleAbi.Memory)
            ?? throw new WasmGraphException("the module's memory cannot be accessed by this host (shared memories are not supported)");
        _run = instance.GetFunction<int>(ModuleAbi.Run.Name)!;
        _kernelCount = instance.GetFunction<int>(ModuleAbi.KernelCount.Name);
        _runKernel = instance.GetFunction<int, int>(ModuleAbi.RunKernel.Name);
    }

    public long[] InputAddresses { get; private set; } = [];

    public long[] OutputAddresses { get; private set; } = [];

    /// <summary>For each bounded output, the address of its actual dims (rank i32s, from <c>wg_output_dims</c>); null for the others.</summary>
    public long?[] OutputDimsAddresses { get; private set; } = [];

    /// <summary>For each dynamic input, the address of its actual dims (rank i32s, from <c>wg_input_dims</c>); null for the others.</summary>
    public long?[] InputDimsAddresses { get; private set; } = [];

    /// <summary>A call trapped or timed out; the instance's internal state is no longer trustworthy.</summary>
    public bool Faulted { get; private set; }

    /// <summary>Instantiates <paramref name="module"/> with no imports, checks its ABI version and resolves all tensor addresses.</summary>
    public static ModelInstance Create(Engine engine, Module module, ModelMetadata metadata, RuntimeOptions options)
    {
        var store = new Store(engine);
        try
        {
            if (options.MaxMemoryBytes is long max)
            {
                store.SetLimits(memorySize: max);
            }
            // Data-segment initialisation runs no wasm code, but a start function would: limit it like any call.
            var limit = TimeLimit.Install(store, options);
            Instance instance;
            try
            {
                instance = new Instance(store, module);
            }
            catch (WasmtimeException e) when (WasmtimeErrors.WasStopped(e))
            {
                throw WasmtimeErrors.ForCall(e, "the module's start function");
            }
            catch (WasmtimeException e)
            {
                throw new WasmGraphException($"could not instantiate the module: {WasmtimeErrors.Summarize(e)}", e);
            }
            var result = new ModelInstance(store, instance, options, limit);
            result.CheckAbiVersion(instance.GetFunction<int>(ModuleAbi.AbiVersion.Name)!);
            result.InputAddresses = result.ResolveAddresses("input", ModuleAbi.InputPtr, metadata.Inputs, instance.GetFunction<int, int>(ModuleAbi.InputPtr.Name)!);
            result.OutputAddresses = result.ResolveAddresses("output", ModuleAbi.OutputPtr, metadata.Outputs, instance.GetFunction<int, int>(ModuleAbi.OutputPtr.Name)!);
            result.OutputDimsAddresses = result.ResolveDimsAddresses(metadata.Outputs, t => t.IsBounded, ModuleAbi.OutputDims,
                                                                     instance.GetFunction<int, int>(ModuleAbi.OutputDims.Name));
            result.InputDimsAddresses = result.ResolveDimsAddresses(metadata.Inputs, t => t.IsDynamicInput, ModuleAbi.InputDims,
                                                                    instance.GetFunction<int, int>(ModuleAbi.InputDims.Name));
            return result;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Calls <c>wg_run</c>; a non-zero status is the model reporting an error.</summary>
    public void Run()
    {
        int status = Invoke(_run, "run");
        if (status == ModuleAbi.BadInputDims && InputDimsAddresses.Any(a => a is not null))
        {
            throw new WasmGraphException($"run failed: the module refused the input dims ({ModuleAbi.Run.Name} returned {status})");
        }
        if (status != 0)
        {
            throw new WasmGraphException($"run failed: {ModuleAbi.Run.Name} returned {status}");
        }
    }

    /// <summary>
    /// Times each kernel alone through the optional <c>wg_run_kernel</c> export: one full run first so every
    /// intermediate exists, then each kernel in order, best of <paramref name="repeat"/>.
    /// </summary>
    public double[] ProfileKernels(int repeat)
    {
        if (_kernelCount is not { } count || _runKernel is not { } runKernel)
        {
            throw new WasmGraphException($"this module has no profiling exports ({ModuleAbi.KernelCount.Name}, {ModuleAbi.RunKernel.Name}); recompile it with a newer WasmGraph");
        }
        Run();
        var times = new double[Invoke(count, ModuleAbi.KernelCount.Name)];
        for (int k = 0; k < times.Length; k++)
        {
            times[k] = double.MaxValue;
            for (int r = 0; r < Math.Max(1, repeat); r++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                int kernel = k;
                Invoke(() => runKernel(kernel), $"{ModuleAbi.RunKernel.Name}({k})");
                times[k] = Math.Min(times[k], System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
        return times;
    }

    /// <summary>The actual dims of bounded output <paramref name="index"/> after a run, as the module reports them (unchecked).</summary>
    public long[] ReadOutputDims(int index, int rank)
    {
        var address = OutputDimsAddresses[index] ?? throw new InvalidOperationException($"output {index} is not bounded");
        var bytes = new byte[4 * rank];
        Read(address, bytes);
        return Enumerable.Range(0, rank).Select(d => (long)BitConverter.ToInt32(bytes, 4 * d)).ToArray();
    }

    /// <summary>Writes dynamic input <paramref name="index"/>'s actual dims where <c>wg_input_dims</c> said (checked at creation).</summary>
    public void WriteInputDims(int index, IReadOnlyList<long> dims)
    {
        var address = InputDimsAddresses[index] ?? throw new InvalidOperationException($"input {index} is not dynamic");
        var bytes = new byte[4 * dims.Count];
        for (int d = 0; d < dims.Count; d++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(4 * d), checked((int)dims[d]));
        }
        Write(address, bytes);
    }

    /// <summary>Copies <paramref name="bytes"/> into linear memory at <paramref name="address"/> (checked at creation).</summary>
    public void Write(long address, ReadOnlySpan<byte> bytes) => bytes.CopyTo(_memory.GetSpan(address, bytes.Length));

    /// <summary>Copies <paramref name="destination"/>.Length bytes out of linear memory at <paramref name="address"/>.</summary>
    public void Read(long address, Span<byte> destination) => _memory.GetSpan(address, destination.Length).CopyTo(destination);

    public void Dispose() => _store.Dispose();

    private void CheckAbiVersion(Func<int> abiVersion)
    {
        int version = Invoke(abiVersion, ModuleAbi.AbiVersion.Name);
        if (version != ModuleAbi.Version)
        {
            throw new WasmGraphException(
                $"module reports ABI version {version} ({ModuleAbi.AbiVersion.Name}); this runtime supports version {ModuleAbi.Version}");
        }
    }

    private long[] ResolveAddresses(string kind, AbiFunction export, IReadOnlyList<TensorInfo> tensors, Func<int, int> pointerOf)
    {
        var addresses = new long[tensors.Count];
        long memoryBytes = _memory.GetLength();
        for (int i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            int index = i;
            int pointer = Invoke(() => pointerOf(index), $"{export.Name}({i})");
            if (pointer == -1)
            {
                throw new WasmGraphException($"module has no address for {kind} {i} '{tensor.Name}' ({export.Name}({i}) returned -1)");
            }
            long address = (uint)pointer;
            // ModuleMetadataReader bounded ByteSize by the initial memory; this places the tensor exactly.
            if (address + tensor.ByteSize > memoryBytes)
            {
                throw new WasmGraphException(
                    $"{kind} '{tensor.Name}' ({tensor.ByteSize} bytes at address {address}) lies outside the module's memory of {memoryBytes} bytes");
            }
            addresses[i] = address;
        }
        return addresses;
    }

    /// <summary>
    /// Asks <paramref name="export"/> (<c>wg_output_dims</c>, <c>wg_input_dims</c>) where each tensor that has dims at
    /// run time (<paramref name="hasDims"/>: bounded outputs, dynamic inputs) keeps them; a module with such tensors
    /// must export it.
    /// </summary>
    private long?[] ResolveDimsAddresses(IReadOnlyList<TensorInfo> tensors, Func<TensorInfo, bool> hasDims, AbiFunction export, Func<int, int>? dimsOf)
    {
        var addresses = new long?[tensors.Count];
        long memoryBytes = _memory.GetLength();
        for (int i = 0; i < tensors.Count; i++)
        {
            var output = tensors[i];
            if (!hasDims(output))
            {
                continue;
            }
            if (dimsOf is null)
            {
                throw new WasmGraphException($"'{output.Name}' has a size known only at run time, but the module does not export {export.Name}");
            }
            int index = i;
            int pointer = Invoke(() => dimsOf(index), $"{export.Name}({i})");
            long address = (uint)pointer;
            if (pointer == -1 || address + 4L * output.Shape.Length > memoryBytes)
            {
                throw new WasmGraphException($"{export.Name}({i}) returned {pointer}, which is not an address of {output.Shape.Length} dims in the module's memory");
            }
            addresses[i] = address;
        }
        return addresses;
    }

    /// <summary>
    /// Every call into the module: under the time limit and cancellation (<see cref="TimeLimit"/>), with a trap, a
    /// timeout or an interrupt marking the instance <see cref="Faulted"/> (its stack pointer was not unwound).
    /// </summary>
    private T Invoke<T>(Func<T> call, string what)
    {
        _limit?.Restart(_store);
        try
        {
            return call();
        }
        catch (WasmtimeException e)
        {
            Faulted = true;
            throw WasmtimeErrors.ForCall(e, what, WasmtimeErrors.WasStopped(e) ? "" : WasmtimeErrors.ParameterCheckNote(e.Message) + MemoryNote());
        }
    }

    /// <summary>With a memory limit set, a trap is often a failed <c>memory.grow</c>; say how close to the limit we were.</summary>
    private string MemoryNote() => _options.MaxMemoryBytes is long max
        ? $" (linear memory: {_memory.GetLength()} bytes in use, limit {max} bytes)"
        : "";
}
