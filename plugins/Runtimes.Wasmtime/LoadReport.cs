namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>How a module's compiled code was obtained.</summary>
public enum CacheOutcome
{
    /// <summary>No cache directory was configured; the module was compiled.</summary>
    Disabled,

    /// <summary>A valid cache entry was deserialized; nothing was compiled.</summary>
    Hit,

    /// <summary>There was no entry; the module was compiled and the entry written.</summary>
    Miss,

    /// <summary>An entry existed but was damaged or built by another Wasmtime; it was deleted, recompiled and rewritten.</summary>
    Rebuilt,
}

/// <summary>
/// Where a session's load time went, for <c>--verbose</c> and benchmarks: a cache hit should make
/// <see cref="CompileMs"/> a fraction of a millisecond.
/// </summary>
/// <param name="Cache">Whether the compiled code came from the cache.</param>
/// <param name="CompileMs">Time to compile with Cranelift, or to deserialize on a hit.</param>
/// <param name="InstantiateMs">Time to instantiate (memory and data-segment set-up) and query the ABI addresses.</param>
/// <param name="CacheFile">The cache entry used or written, if caching is on.</param>
/// <param name="CacheProblem">Why the cache could not be written, if it could not; the load itself still succeeded.</param>
public sealed record LoadReport(
    CacheOutcome Cache,
    double CompileMs,
    double InstantiateMs,
    string? CacheFile = null,
    string? CacheProblem = null);
