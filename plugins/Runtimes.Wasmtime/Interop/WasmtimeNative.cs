using System.Runtime.InteropServices;

namespace WasmGraph.Runtimes.Wasmtime.Interop;

/// <summary>
/// Raw bindings to the parts of Wasmtime's C API that Wasmtime.Dotnet 50 does not wrap, for threaded modules: an
/// engine with wasm threads and shared memory, a shared memory, stores, a linker that defines <c>env.memory</c>,
/// instances, function calls and epoch-deadline callbacks. The library is the native <c>libwasmtime</c> the Wasmtime
/// NuGet package ships (the same one Wasmtime.Dotnet loads). Handles are <c>nint</c>; C <c>bool</c> is a byte.
/// Nothing outside this folder calls these: <see cref="NativeEngine"/> and its companions (NativeThreads.cs) wrap them.
/// (Recipe and layouts: /work/shared/docs/TOOLCHAIN.md, "Wasm threads in Wasmtime from .NET".)
/// </summary>
internal static unsafe partial class WasmtimeNative
{
    private const string Lib = "wasmtime";

    /// <summary>WASMTIME_OPT_LEVEL_SPEED.</summary>
    public const byte OptLevelSpeed = 1;

    /// <summary>WASMTIME_EXTERN_FUNC.</summary>
    public const byte ExternFunc = 0;

    /// <summary>WASMTIME_EXTERN_SHAREDMEMORY.</summary>
    public const byte ExternSharedMemory = 4;

    /// <summary>WASMTIME_I32.</summary>
    public const byte ValI32 = 0;

    // ---- configuration and engine ----
    [LibraryImport(Lib)] internal static partial nint wasm_config_new();
    [LibraryImport(Lib)] internal static partial void wasmtime_config_wasm_threads_set(nint config, byte enable);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_profiler_set(nint config, byte strategy);

    /// <summary><c>WASMTIME_PROFILING_STRATEGY_PERFMAP</c> (wasmtime/config.h: none, jitdump, vtune, perfmap).</summary>
    internal const byte ProfilingStrategyPerfMap = 3;
    [LibraryImport(Lib)] internal static partial void wasmtime_config_shared_memory_set(nint config, byte enable);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_epoch_interruption_set(nint config, byte enable);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_cranelift_opt_level_set(nint config, byte level);
    [LibraryImport(Lib)] internal static partial nint wasm_engine_new_with_config(nint config);
    [LibraryImport(Lib)] internal static partial void wasm_engine_delete(nint engine);
    [LibraryImport(Lib)] internal static partial void wasmtime_engine_increment_epoch(nint engine);

    // ---- modules ----
    [LibraryImport(Lib)] internal static partial nint wasmtime_module_new(nint engine, byte* wasm, nuint length, out nint module);
    [LibraryImport(Lib)] internal static partial void wasmtime_module_delete(nint module);
    [LibraryImport(Lib)] internal static partial nint wasmtime_module_serialize(nint module, ByteVec* serialized);
    [LibraryImport(Lib)] internal static partial nint wasmtime_module_deserialize(nint engine, byte* bytes, nuint length, out nint module);

    // ---- shared memory ----
    [LibraryImport(Lib)] internal static partial nint wasmtime_memorytype_new(ulong minimum, byte maximumPresent, ulong maximum, byte is64, byte shared, byte pageSizeLog2, out nint memoryType);
    [LibraryImport(Lib)] internal static partial void wasm_memorytype_delete(nint memoryType);
    [LibraryImport(Lib)] internal static partial nint wasmtime_sharedmemory_new(nint engine, nint memoryType, out nint sharedMemory);
    [LibraryImport(Lib)] internal static partial nint wasmtime_sharedmemory_clone(nint sharedMemory);
    [LibraryImport(Lib)] internal static partial void wasmtime_sharedmemory_delete(nint sharedMemory);
    [LibraryImport(Lib)] internal static partial byte* wasmtime_sharedmemory_data(nint sharedMemory);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_sharedmemory_data_size(nint sharedMemory);

    // ---- stores ----
    [LibraryImport(Lib)] internal static partial nint wasmtime_store_new(nint engine, nint data, nint finalizer);
    [LibraryImport(Lib)] internal static partial nint wasmtime_store_context(nint store);
    [LibraryImport(Lib)] internal static partial void wasmtime_store_delete(nint store);
    [LibraryImport(Lib)] internal static partial void wasmtime_context_set_epoch_deadline(nint context, ulong ticksBeyondCurrent);
    [LibraryImport(Lib)] internal static partial void wasmtime_store_epoch_deadline_callback(
        nint store, delegate* unmanaged<nint, nint, ulong*, byte*, nint> callback, nint data, nint finalizer);

    // ---- linking, instances, calls ----
    [LibraryImport(Lib)] internal static partial nint wasmtime_linker_new(nint engine);
    [LibraryImport(Lib)] internal static partial void wasmtime_linker_delete(nint linker);
    [LibraryImport(Lib)] internal static partial nint wasmtime_linker_define(nint linker, nint context, byte* module, nuint moduleLength, byte* name, nuint nameLength, Extern* item);
    [LibraryImport(Lib)] internal static partial nint wasmtime_linker_instantiate(nint linker, nint context, nint module, Instance* instance, out nint trap);
    [LibraryImport(Lib)] internal static partial byte wasmtime_instance_export_get(nint context, Instance* instance, byte* name, nuint nameLength, Extern* item);
    [LibraryImport(Lib)] internal static partial nint wasmtime_func_call(nint context, byte* func, Val* args, nuint argCount, Val* results, nuint resultCount, out nint trap);

    // ---- errors and traps ----
    [LibraryImport(Lib)] internal static partial void wasmtime_error_message(nint error, ByteVec* message);
    [LibraryImport(Lib)] internal static partial void wasmtime_error_delete(nint error);
    [LibraryImport(Lib)] internal static partial nint wasmtime_error_new(byte* message);
    [LibraryImport(Lib)] internal static partial void wasm_trap_message(nint trap, ByteVec* message);
    [LibraryImport(Lib)] internal static partial void wasm_trap_delete(nint trap);
    [LibraryImport(Lib)] internal static partial void wasm_byte_vec_delete(ByteVec* vector);

    /// <summary><c>wasm_byte_vec_t</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ByteVec
    {
        public nuint Size;
        public byte* Data;
    }

    /// <summary>
    /// <c>wasmtime_extern_t</c>: a kind byte and, at offset 8, a union padded to 32 bytes (a func is its first 16
    /// bytes; a shared memory a pointer); 40 bytes in Wasmtime 50's headers.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct Extern
    {
        [FieldOffset(0)] public byte Kind;
        [FieldOffset(8)] public nint Payload; // for a shared memory: the wasmtime_sharedmemory_t*
    }

    /// <summary><c>wasmtime_instance_t</c> (a store id and an index), with room to spare.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 32)]
    internal struct Instance
    {
        public ulong StoreId;
        public nuint Index;
    }

    /// <summary>
    /// <c>wasmtime_val_t</c>: a kind byte and, at offset 8, a union whose largest member (an anyref or externref:
    /// store id, two u32s, a pointer) is 24 bytes; 32 bytes, the stride of argument arrays.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct Val
    {
        [FieldOffset(0)] public byte Kind;
        [FieldOffset(8)] public int I32;
    }

    /// <summary>The text of <paramref name="error"/>, which is deleted; null for no error.</summary>
    public static string? TakeError(nint error)
    {
        if (error == 0)
        {
            return null;
        }
        ByteVec message;
        wasmtime_error_message(error, &message);
        var text = Text(message);
        wasm_byte_vec_delete(&message);
        wasmtime_error_delete(error);
        return text;
    }

    /// <summary>The text of <paramref name="trap"/>, which is deleted; null for no trap.</summary>
    public static string? TakeTrap(nint trap)
    {
        if (trap == 0)
        {
            return null;
        }
        ByteVec message;
        wasm_trap_message(trap, &message);
        var text = Text(message);
        wasm_byte_vec_delete(&message);
        wasm_trap_delete(trap);
        return text;
    }

    private static string Text(ByteVec vector)
        => vector.Data == null ? "" : System.Text.Encoding.UTF8.GetString(vector.Data, (int)Math.Min(vector.Size, int.MaxValue)).TrimEnd('\0');

    /// <summary>A new error with <paramref name="message"/>, owned by the caller (or by Wasmtime once returned from a callback).</summary>
    public static nint NewError(string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* p = bytes)
        {
            return wasmtime_error_new(p);
        }
    }
}
