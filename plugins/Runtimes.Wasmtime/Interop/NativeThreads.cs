using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using static WasmGraph.Runtimes.Wasmtime.Interop.WasmtimeNative;

namespace WasmGraph.Runtimes.Wasmtime.Interop;

/// <summary>
/// A Wasmtime engine with wasm threads and shared memory on (both switches are needed), Cranelift at speed, and, when
/// <see cref="Interruptible"/>, epoch interruption with its own ticker thread (every
/// <see cref="EpochTicker.Interval"/>). Thread-safe, like Wasmtime's engine.
/// </summary>
internal sealed class NativeEngine : IDisposable
{
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly Thread? _ticker;
    private nint _handle;

    /// <param name="perfMap">Write perf's symbol map for the compiled code (<see cref="WasmtimeEngines.PerfMap"/>).</param>
    public NativeEngine(bool interruptible, bool perfMap = false)
    {
        var config = wasm_config_new();
        wasmtime_config_wasm_threads_set(config, 1);
        wasmtime_config_shared_memory_set(config, 1);
        wasmtime_config_cranelift_opt_level_set(config, OptLevelSpeed);
        wasmtime_config_epoch_interruption_set(config, interruptible ? (byte)1 : (byte)0);
        if (perfMap)
        {
            wasmtime_config_profiler_set(config, ProfilingStrategyPerfMap);
        }
        _handle = wasm_engine_new_with_config(config); // takes the config
        if (_handle == 0)
        {
            throw new InvalidOperationException("Wasmtime could not create an engine with wasm threads");
        }
        Interruptible = interruptible;
        if (interruptible)
        {
            _ticker = new Thread(Tick) { IsBackground = true, Name = "wasmgraph-epoch-ticker-threads" };
            _ticker.Start();
        }
    }

    public bool Interruptible { get; }

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(NativeEngine));

    /// <summary>Compiles <paramref name="wasm"/>; throws <see cref="NativeWasmtimeException"/> with Wasmtime's message.</summary>
    public unsafe NativeModule Compile(ReadOnlySpan<byte> wasm)
    {
        fixed (byte* p = wasm)
        {
            var error = wasmtime_module_new(Handle, p, (nuint)wasm.Length, out var module);
            return TakeError(error) is { } message ? throw new NativeWasmtimeException(message) : new NativeModule(module);
        }
    }

    /// <summary>
    /// Loads what <see cref="NativeModule.Serialize"/> wrote (the compiled-module cache); Wasmtime checks that it was
    /// made by a compatible engine but not that the code is sound, so the bytes must be checked first (the cache's hash).
    /// </summary>
    public unsafe NativeModule Deserialize(ReadOnlySpan<byte> serialized)
    {
        fixed (byte* p = serialized)
        {
            var error = wasmtime_module_deserialize(Handle, p, (nuint)serialized.Length, out var module);
            return TakeError(error) is { } message ? throw new NativeWasmtimeException(message) : new NativeModule(module);
        }
    }

    private void Tick()
    {
        while (!_stop.Wait(EpochTicker.Interval))
        {
            wasmtime_engine_increment_epoch(_handle);
        }
    }

    public void Dispose()
    {
        if (_handle == 0)
        {
            return;
        }
        _stop.Set();
        _ticker?.Join();
        _stop.Dispose();
        wasm_engine_delete(_handle);
        _handle = 0;
    }
}

/// <summary>A compiled module (<c>wasmtime_module_t</c>).</summary>
internal sealed class NativeModule : IDisposable
{
    private nint _handle;

    internal NativeModule(nint handle) => _handle = handle;

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(NativeModule));

    /// <summary>The compiled code as bytes for <see cref="NativeEngine.Deserialize"/>.</summary>
    public unsafe byte[] Serialize()
    {
        ByteVec bytes;
        var error = wasmtime_module_serialize(Handle, &bytes);
        if (TakeError(error) is { } message)
        {
            throw new NativeWasmtimeException(message);
        }
        try
        {
            return new ReadOnlySpan<byte>(bytes.Data, checked((int)bytes.Size)).ToArray();
        }
        finally
        {
            wasm_byte_vec_delete(&bytes);
        }
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            wasmtime_module_delete(_handle);
            _handle = 0;
        }
    }
}

/// <summary>A shared linear memory of a fixed number of 64 KiB pages (initial = maximum), with its host address.</summary>
internal sealed unsafe class NativeSharedMemory : IDisposable
{
    private nint _handle;

    private NativeSharedMemory(nint handle)
    {
        _handle = handle;
        Data = wasmtime_sharedmemory_data(handle);
        Size = (long)wasmtime_sharedmemory_data_size(handle);
    }

    public static NativeSharedMemory Create(NativeEngine engine, long pages)
    {
        var error = wasmtime_memorytype_new((ulong)pages, 1, (ulong)pages, 0, 1, 16, out var type);
        if (TakeError(error) is { } typeMessage)
        {
            throw new NativeWasmtimeException(typeMessage);
        }
        try
        {
            error = wasmtime_sharedmemory_new(engine.Handle, type, out var memory);
            return TakeError(error) is { } message ? throw new NativeWasmtimeException(message) : new NativeSharedMemory(memory);
        }
        finally
        {
            wasm_memorytype_delete(type);
        }
    }

    /// <summary>The host address of byte 0; valid until disposal (a shared memory never moves).</summary>
    public byte* Data { get; }

    public long Size { get; }

    internal nint Handle => _handle != 0 ? _handle : throw new ObjectDisposedException(nameof(NativeSharedMemory));

    /// <summary>The bytes [<paramref name="address"/>, +<paramref name="length"/>), which the caller has checked lie inside.</summary>
    public Span<byte> Slice(long address, int length)
        => address >= 0 && length >= 0 && address + length <= Size
            ? new Span<byte>(Data + address, length)
            : throw new ArgumentOutOfRangeException(nameof(address), address, $"{length} bytes at {address} lie outside the {Size}-byte memory");

    /// <summary>An i32 store with release-acquire ordering (other threads' atomics see it).</summary>
    public void AtomicStore(long address, int value) => Volatile.Write(ref Unsafe.AsRef<int>(Data + address), value);

    public void Dispose()
    {
        if (_handle != 0)
        {
            wasmtime_sharedmemory_delete(_handle);
            _handle = 0;
        }
    }
}

/// <summary>
/// One worker: a store of its own, the module instantiated in it against the shared memory (<c>env.memory</c>), and
/// calls to its exports. Use from one thread at a time. When the engine is interruptible, every call can be stopped:
/// at each epoch tick Wasmtime asks <c>stopReason</c>, and a non-null answer ends the call with that message.
/// </summary>
internal sealed unsafe class NativeWorker : IDisposable
{
    private readonly Dictionary<string, Extern> _functions = new(StringComparer.Ordinal);
    private nint _store;
    private nint _context;
    private GCHandle _stop;
    private Instance _instance;

    private NativeWorker(nint store, GCHandle stop)
    {
        _store = store;
        _context = wasmtime_store_context(store);
        _stop = stop;
    }

    /// <summary>Instantiates <paramref name="module"/> in a new store; instantiation runs the module's start function (data initialisation).</summary>
    public static NativeWorker Create(NativeEngine engine, NativeModule module, NativeSharedMemory memory, Func<string?> stopReason)
    {
        var stop = GCHandle.Alloc(stopReason);
        var worker = new NativeWorker(wasmtime_store_new(engine.Handle, 0, 0), stop);
        try
        {
            if (engine.Interruptible)
            {
                wasmtime_store_epoch_deadline_callback(worker._store, &OnDeadline, GCHandle.ToIntPtr(stop), 0);
                wasmtime_context_set_epoch_deadline(worker._context, 1);
            }
            var linker = wasmtime_linker_new(engine.Handle);
            try
            {
                var item = new Extern { Kind = ExternSharedMemory, Payload = wasmtime_sharedmemory_clone(memory.Handle) };
                var env = "env"u8;
                var name = "memory"u8;
                nint error;
                fixed (byte* m = env)
                fixed (byte* n = name)
                {
                    error = wasmtime_linker_define(linker, worker._context, m, (nuint)env.Length, n, (nuint)name.Length, &item);
                }
                wasmtime_sharedmemory_delete(item.Payload); // the linker keeps its own reference
                if (TakeError(error) is { } defineMessage)
                {
                    throw new NativeWasmtimeException(defineMessage);
                }
                Instance instance;
                error = wasmtime_linker_instantiate(linker, worker._context, module.Handle, &instance, out var trap);
                if ((TakeError(error) ?? TakeTrap(trap)) is { } message)
                {
                    throw new NativeWasmtimeException(message);
                }
                worker._instance = instance;
            }
            finally
            {
                wasmtime_linker_delete(linker);
            }
            return worker;
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    /// <summary>Whether the instance exports a function named <paramref name="name"/>.</summary>
    public bool HasFunction(string name) => TryFunction(name, out _);

    private bool TryFunction(string name, out Extern function)
    {
        if (_functions.TryGetValue(name, out function))
        {
            return true;
        }
        var bytes = Encoding.UTF8.GetBytes(name);
        Extern item;
        fixed (byte* n = bytes)
        fixed (Instance* instance = &_instance)
        {
            if (wasmtime_instance_export_get(Context, instance, n, (nuint)bytes.Length, &item) == 0 || item.Kind != ExternFunc)
            {
                return false;
            }
        }
        _functions[name] = function = item;
        return true;
    }

    private nint Context => _context != 0 ? _context : throw new ObjectDisposedException(nameof(NativeWorker));

    /// <summary>
    /// Calls export <paramref name="name"/> with i32 arguments, expecting one i32 result. Returns the result, or the
    /// failure: a trap, a stop (the message <c>stopReason</c> gave) or a wrong signature, as Wasmtime words it.
    /// </summary>
    public (int Result, string? Failure) Call(string name, params int[] args)
    {
        if (!TryFunction(name, out var function))
        {
            return (0, $"the module exports no function '{name}'");
        }
        var values = stackalloc Val[Math.Max(1, args.Length)];
        for (int i = 0; i < args.Length; i++)
        {
            values[i] = new Val { Kind = ValI32, I32 = args[i] };
        }
        Val result = default;
        wasmtime_context_set_epoch_deadline(Context, 1);
        var error = wasmtime_func_call(Context, (byte*)&function + 8, values, (nuint)args.Length, &result, 1, out var trap);
        var failure = TakeError(error) ?? TakeTrap(trap);
        if (failure is null && result.Kind != ValI32)
        {
            failure = $"'{name}' returned a value of kind {result.Kind}, not i32";
        }
        return (failure is null ? result.I32 : 0, failure);
    }

    /// <summary>Wasmtime's epoch-deadline callback: continue one more tick, or end the call with the stop reason.</summary>
    [UnmanagedCallersOnly]
    private static nint OnDeadline(nint context, nint data, ulong* delta, byte* kind)
    {
        string? reason;
        try
        {
            reason = ((Func<string?>)GCHandle.FromIntPtr(data).Target!)();
        }
        catch (Exception e)
        {
            reason = $"the stop check failed: {e.Message}";
        }
        if (reason is not null)
        {
            return NewError(reason);
        }
        *delta = 1;
        *kind = 0; // WASMTIME_UPDATE_DEADLINE_CONTINUE
        return 0;
    }

    public void Dispose()
    {
        if (_store != 0)
        {
            wasmtime_store_delete(_store);
            _store = 0;
            _context = 0;
        }
        if (_stop.IsAllocated)
        {
            _stop.Free();
        }
    }
}

/// <summary>An error Wasmtime's C API reported (its message, one or more lines).</summary>
internal sealed class NativeWasmtimeException : Exception
{
    public NativeWasmtimeException() { }

    public NativeWasmtimeException(string message) : base(message) { }

    public NativeWasmtimeException(string message, Exception inner) : base(message, inner) { }
}
