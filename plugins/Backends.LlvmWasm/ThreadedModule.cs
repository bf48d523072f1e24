using System.Text.RegularExpressions;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Interop;

namespace WasmGraph.Backends.LlvmWasm;

/// <summary>
/// What <c>compile --threads N</c> changes in a compile (docs/abi.md "Threaded modules"): LLVM gets
/// <c>+atomics,+bulk-memory</c>, the emitter the threaded runtime (<see cref="Threading"/>), and wasm-ld
/// <c>--shared-memory --import-memory</c> with a fixed size, which becomes the metadata's <c>shared_memory</c>.
/// </summary>
internal sealed partial class ThreadedModule
{
    private const long PageBytes = 64 * 1024;

    private readonly WasmFeatures _features;

    private ThreadedModule(int maxWorkers, WasmFeatures features)
    {
        MaxWorkers = maxWorkers;
        _features = features;
    }

    /// <summary>The compiled maximum worker count.</summary>
    public int MaxWorkers { get; }

    /// <summary>The shared memory's limits, known once <see cref="Link"/> ran.</summary>
    public SharedMemoryInfo? Memory { get; private set; }

    /// <summary>Worker stacks and barrier state in linear memory (bytes).</summary>
    public long StaticBytes => Threading.StaticBytesFor(MaxWorkers);

    /// <summary>The feature string for LLVM: the target's, plus the two the threads proposal needs.</summary>
    public string LlvmFeatures
        => string.Join(",", new[] { _features.ForLlvm }.Where(f => f.Length > 0)
                                  .Concat(new[] { "atomics", "bulk-memory" }.Where(f => !_features.Settings.ContainsKey(f)).Select(f => "+" + f)));

    /// <summary>Null for the single-threaded module (1); refuses a count outside 1..64 or features that switch off what threads need.</summary>
    public static ThreadedModule? For(BackendOptions options, WasmFeatures features)
    {
        Check(options);
        if (options.Threads == 1)
        {
            return null;
        }
        foreach (var needed in new[] { "atomics", "bulk-memory" })
        {
            if (features.Settings.TryGetValue(needed, out var on) && !on)
            {
                throw new WasmGraphException($"{WasmFeatures.Setting} '{features.ForLlvm}' disables {needed}, which a threaded module (--threads {options.Threads}) needs");
            }
        }
        return new ThreadedModule(options.Threads, features);
    }

    /// <summary>Refuses a worker count outside 1..<see cref="ModuleAbi.MaxThreads"/>.</summary>
    public static void Check(BackendOptions options)
    {
        if (options.Threads < 1 || options.Threads > ModuleAbi.MaxThreads)
        {
            throw new WasmGraphException($"--threads {options.Threads}: a module runs with 1 (the default, single-threaded) to {ModuleAbi.MaxThreads} workers, or 'max' ({ModuleAbi.DefaultMaxThreads})");
        }
    }

    public Threading CreateRuntime(Emitter emitter) => new(emitter, MaxWorkers);

    /// <summary>
    /// Links with a shared memory of fixed size: first the size estimated from the graph (weights, kernel state,
    /// arena, stacks and room for alignment and tables), and if wasm-ld reports it needs more, once more with that.
    /// </summary>
    public byte[] Link(LinkDirectory directory, Graph graph, ArenaLayout layout, long kernelState, CancellationToken cancellation)
    {
        long weights = graph.Constants.Values.Sum(c => (long)c.Bytes.Length + 16);
        long estimate = weights + kernelState + layout.ArenaBytes + LinearMemory.StackBytes + 64L * graph.Nodes.Length + (1 << 20);
        try
        {
            return LinkWith(directory, graph, estimate, cancellation);
        }
        catch (InvalidOperationException e) when (TooSmall().Match(e.Message) is { Success: true } match && long.TryParse(match.Groups[1].Value, out var needed))
        {
            return LinkWith(directory, graph, needed, cancellation);
        }
    }

    private byte[] LinkWith(LinkDirectory directory, Graph graph, long bytes, CancellationToken cancellation)
    {
        long pages = Math.Max(1, (bytes + PageBytes - 1) / PageBytes);
        if (pages * PageBytes > 1L << 32)
        {
            throw new LinkerMemoryException($"a threaded module's shared memory would need {pages} pages");
        }
        var linked = WasmLinker.Link(directory, ModuleGenerator.ThreadedExports(graph), LinearMemory.StackBytes, cancellation, sharedMemoryBytes: pages * PageBytes);
        Memory = new SharedMemoryInfo(pages, pages);
        return linked;
    }

    [GeneratedRegex(@"initial memory too small, (\d+) bytes needed")]
    private static partial Regex TooSmall();
}
