using System.Diagnostics;
using System.Reflection;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Runs WasmGraph modules (docs/abi.md) in Wasmtime. Loading checks everything it can before compiling, cheapest
/// first: the binary's structure, that it imports nothing, its metadata; then, after compiling (or a cache hit), the
/// ABI exports and their types; then, in a live instance, the ABI version and that every tensor lies inside memory.
/// Each failure is a <see cref="WasmGraphException"/> that says what is wrong with the module.
/// <para>
/// Thread-safe: sessions may be loaded from several threads. Dispose the runtime after its sessions; disposing stops
/// the epoch ticker that enforces time limits.
/// </para>
/// </summary>
public sealed class WasmtimeRuntime : IRuntime, INativeLibraryUser, IDisposable
{
    private readonly WasmtimeEngines _engines = new();

    public string Name => "wasmtime";

    public string Description => "Runs compiled models in Wasmtime (Cranelift), with an on-disk compiled-module cache";

    /// <summary>
    /// Wasmtime's version, for <c>wasmgraph --version</c>: the C API has no version call, and the NuGet package ships the
    /// native library of its own version, so the package assembly's version is the library's.
    /// </summary>
    public IReadOnlyList<NativeLibraryVersion> NativeLibraries =>
    [
        new("Wasmtime", typeof(global::Wasmtime.Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                        ?? typeof(global::Wasmtime.Engine).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            "NuGet package Wasmtime (bundles the native library of the same version)"),
    ];

    IModelSession IRuntime.Load(byte[] module, RuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(options);
        return IsThreaded(WasmBinaryReader.Read(module), options) is { } metadata ? LoadThreaded(module, metadata, options) : Load(module, options);
    }

    /// <summary>
    /// Loads a threaded module (<c>compile --threads</c>) to run on <see cref="RuntimeOptions.Threads"/> workers; see
    /// <see cref="ThreadedSession"/>. Through the compiled-module cache (<see cref="RuntimeOptions.CacheDirectory"/>) like a single-threaded module.
    /// </summary>
    public ThreadedSession LoadThreaded(byte[] module, ModelMetadata metadata, RuntimeOptions options)
    {
        CheckOptions(options);
        var engine = _engines.GetThreaded(TimeLimit.Needed(options));
        options.Cancellation.ThrowIfCancellationRequested();
        return ThreadedSession.Load(engine, module, metadata, options);
    }

    /// <summary>The checked metadata when <paramref name="info"/> is a threaded module (it imports its memory and says <c>threads</c>), else null.</summary>
    private static ModelMetadata? IsThreaded(WasmModuleInfo info, RuntimeOptions options)
    {
        if (info.ImportCount == 0)
        {
            return null;
        }
        var metadata = MetadataSection.Read(info, options.MaxMemoryBytes);
        return metadata.Threads is null ? null : metadata;
    }

    /// <summary>Loads <paramref name="module"/>, returning the concrete session so callers can read its <see cref="LoadReport"/>.</summary>
    public WasmtimeSession Load(byte[] module, RuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);

        var info = WasmBinaryReader.Read(module);
        if (IsThreaded(info, options) is not null)
        {
            throw new WasmGraphException("this is a threaded module (compile --threads): load it through IRuntime.Load or LoadThreaded");
        }
        if (info.ImportCount > 0)
        {
            throw new WasmGraphException(
                $"module imports {info.ImportCount} item{(info.ImportCount == 1 ? "" : "s")}; WasmGraph modules must be self-contained");
        }
        // Before anything is compiled or allocated: every size the metadata declares fits the module's memory and the limit.
        var metadata = MetadataSection.Read(info, options.MaxMemoryBytes);
        if (options.Threads != 1)
        {
            throw new WasmGraphException($"{options.Threads} workers asked for, but the module was compiled without threads (compile --threads N makes a module that can use them)");
        }

        bool interruptible = TimeLimit.Needed(options);
        var engine = _engines.Get(interruptible);
        string name = string.IsNullOrEmpty(metadata.Name) ? "model" : metadata.Name;
        // Compilation cannot be interrupted (it takes seconds only for a large model, once: the result is cached), so
        // cancellation is checked on both sides of it.
        options.Cancellation.ThrowIfCancellationRequested();
        var (compiled, report) = ModuleCompiler.Compile(engine, WasmtimeEngines.Tag(interruptible), module, name, options.CacheDirectory,
            options.CacheMaxBytes ?? CompiledModuleCache.DefaultMaxBytes);
        try
        {
            options.Cancellation.ThrowIfCancellationRequested();
            AbiExports.Validate(compiled);
            AbiExports.CheckMemoryLimit(compiled, options.MaxMemoryBytes);
            var clock = Stopwatch.StartNew();
            var instance = ModelInstance.Create(engine, compiled, metadata, options);
            return new WasmtimeSession(engine, compiled, metadata, options, instance, report with { InstantiateMs = clock.Elapsed.TotalMilliseconds });
        }
        catch
        {
            compiled.Dispose();
            throw;
        }
    }

    public void Dispose() => _engines.Dispose();

    private static void CheckOptions(RuntimeOptions options)
    {
        if (options.Timeout is TimeSpan timeout && timeout <= TimeSpan.Zero)
        {
            throw new WasmGraphException($"the time limit must be positive, got {timeout}");
        }
        if (options.MaxMemoryBytes is long max && max <= 0)
        {
            throw new WasmGraphException($"the memory limit must be positive, got {max} bytes");
        }
    }
}
