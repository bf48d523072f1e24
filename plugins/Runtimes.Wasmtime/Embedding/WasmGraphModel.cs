using System.Collections.Immutable;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.Runtime;

/// <summary>
/// The embedding API of the <c>WasmGraph.Runtime</c> package: one compiled module (<c>model.wasm</c>), loaded into
/// Wasmtime and ready to run, for any .NET application. It is a thin front over the Wasmtime runtime plugin
/// (<see cref="WasmtimeRuntime"/> and <see cref="WasmtimeSession"/>), which does every check and owns the module cache;
/// this class only pairs a runtime with one session so the common case is <c>Load</c>, <c>Run</c>, <c>Dispose</c>.
/// <para>
/// Limits, the cache and cancellation are <see cref="RuntimeOptions"/>: <c>Timeout</c> (per run),
/// <c>MaxMemoryBytes</c>, <c>CacheDirectory</c>/<c>CacheMaxBytes</c> (compiled machine code kept on disk, so the next
/// load of the same module skips Cranelift). A module is untrusted input: every problem with it or with an input is a
/// <see cref="WasmGraphException"/> saying what is wrong.
/// </para>
/// <para>
/// Not thread-safe (one run at a time); load one model per thread for parallel runs. An application that loads many
/// models can share engines by using <see cref="WasmtimeRuntime"/> directly.
/// </para>
/// </summary>
public sealed class WasmGraphModel : IDisposable
{
    private readonly WasmtimeRuntime _runtime;
    private readonly IModelSession _session;
    private readonly LoadReport _loadReport;

    private WasmGraphModel(WasmtimeRuntime runtime, IModelSession session, LoadReport loadReport)
    {
        _runtime = runtime;
        _session = session;
        _loadReport = loadReport;
    }

    /// <summary>Reads and loads the module at <paramref name="path"/> (a regular file of at most 2 GiB).</summary>
    public static WasmGraphModel Load(string path, RuntimeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Load(ReadModule(path), options);
    }

    /// <summary>
    /// Loads a module from its bytes. A threaded module (<c>compile --threads N</c>) runs each inference on
    /// <see cref="RuntimeOptions.Threads"/> workers (1 by default, at most N).
    /// </summary>
    public static WasmGraphModel Load(byte[] module, RuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var runtime = new WasmtimeRuntime();
        try
        {
            var session = ((IRuntime)runtime).Load(module, options ?? new RuntimeOptions());
            return new WasmGraphModel(runtime, session, session switch
            {
                WasmtimeSession plain => plain.LoadReport,
                ThreadedSession threaded => threaded.LoadReport,
                _ => throw new InvalidOperationException($"unexpected session type {session.GetType().Name}"),
            });
        }
        catch
        {
            runtime.Dispose();
            throw;
        }
    }

    /// <summary>The module's metadata: name, producer, inputs and outputs, weight and arena bytes, hints.</summary>
    public ModelMetadata Metadata => _session.Metadata;

    /// <summary>The inputs <c>Run</c> expects, in order: name, dtype and shape.</summary>
    public ImmutableArray<TensorInfo> Inputs => _session.Metadata.Inputs;

    /// <summary>The outputs <c>Run</c> returns, in order.</summary>
    public ImmutableArray<TensorInfo> Outputs => _session.Metadata.Outputs;

    /// <summary>Whether the compiled code came from the cache, and how long compiling and instantiating took.</summary>
    public LoadReport LoadReport => _loadReport;

    /// <summary>
    /// Runs the model. Every input must be given, by name, with exactly its declared dtype and shape; the outputs come
    /// by name (a bounded output trimmed to this run's dims).
    /// </summary>
    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return _session.Run(inputs);
    }

    /// <summary>Runs a model with one input and returns its first output: <c>model.Run(TensorData.FromFloats(shape, values))</c>.</summary>
    public TensorData Run(TensorData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Inputs.Length != 1)
        {
            throw new WasmGraphException(
                $"model '{Metadata.Name}' has {Inputs.Length} inputs ({string.Join(", ", Inputs.Select(i => i.Name))}); pass them by name");
        }
        return Run(new Dictionary<string, TensorData>(StringComparer.Ordinal) { [Inputs[0].Name] = input })[Outputs[0].Name];
    }

    public void Dispose()
    {
        _session.Dispose();
        _runtime.Dispose();
    }

    /// <summary>
    /// Reads a module file without trusting it. A FIFO, a device or a socket reports a size of 0 (and opening a FIFO for
    /// reading would block until a writer comes), and no module is smaller than its 8-byte header, so such a path is
    /// refused before it is opened; then at most the size seen is read, up to the largest array .NET can hold.
    /// </summary>
    private static byte[] ReadModule(string path)
    {
        const int HeaderBytes = 8;
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new WasmGraphException(Directory.Exists(path) ? $"module {path} is a directory, not a file" : $"module {path} does not exist");
        }
        if (info.Length < HeaderBytes)
        {
            throw new WasmGraphException($"module {path} is {info.Length} bytes: not a WebAssembly module, or not a regular file");
        }
        if (info.Length > Array.MaxLength)
        {
            throw new WasmGraphException($"module {path} is {info.Length} bytes; a module can have at most {Array.MaxLength}");
        }
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var bytes = new byte[info.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WasmGraphException($"cannot read module {path}: {e.Message}", e);
        }
    }
}
