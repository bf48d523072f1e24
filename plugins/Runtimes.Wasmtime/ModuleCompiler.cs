using System.Diagnostics;
using Wasmtime;
using WasmGraph.Abstractions;

namespace WasmGraph.Runtimes.Wasmtime;

/// <summary>
/// Gets a compiled <see cref="Module"/> for wasm bytes: from the cache when an intact entry exists, else by compiling
/// with Cranelift and writing the entry. The cache is an optimisation, so a cache directory that cannot be written
/// is reported in the <see cref="LoadReport"/> but never fails the load.
/// </summary>
internal static class ModuleCompiler
{
    public static (Module Module, LoadReport Report) Compile(Engine engine, string engineTag, byte[] wasm, string name, string? cacheDirectory,
                                                              long cacheMaxBytes = CompiledModuleCache.DefaultMaxBytes)
        => Cached(wasm, engineTag, cacheDirectory, cacheMaxBytes,
                  () => FromBytes(engine, wasm, name),
                  payload =>
                  {
                      try
                      {
                          return Module.Deserialize(engine, name, payload.Span);
                      }
                      catch (WasmtimeException)
                      {
                          return null;
                      }
                  },
                  module => module.Serialize());

    /// <summary>
    /// The cache flow for any kind of compiled module (Wasmtime.Dotnet's <see cref="Module"/>, or the C-API module of a
    /// threaded session): the entry when it is intact and <paramref name="tryDeserialize"/> accepts it (null: intact
    /// bytes that this engine refuses, e.g. another Wasmtime or CPU; the entry is then deleted and rebuilt), else
    /// <paramref name="compile"/> and write the entry.
    /// </summary>
    public static (T Module, LoadReport Report) Cached<T>(byte[] wasm, string engineTag, string? cacheDirectory, long cacheMaxBytes,
                                                          Func<T> compile, Func<ReadOnlyMemory<byte>, T?> tryDeserialize, Func<T, byte[]> serialize)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        if (cacheDirectory is null)
        {
            return (compile(), new LoadReport(CacheOutcome.Disabled, clock.Elapsed.TotalMilliseconds, 0));
        }

        var cache = new CompiledModuleCache(cacheDirectory, cacheMaxBytes);
        string key = CompiledModuleCache.KeyFor(wasm, engineTag);
        string path = cache.PathFor(key);
        var outcome = CacheOutcome.Miss;
        string? problem = null;
        try
        {
            switch (cache.TryRead(key, out var payload))
            {
                case CompiledModuleCache.ReadResult.Found:
                    if (tryDeserialize(payload) is { } cached)
                    {
                        return (cached, new LoadReport(CacheOutcome.Hit, clock.Elapsed.TotalMilliseconds, 0, path));
                    }
                    cache.Delete(key);
                    outcome = CacheOutcome.Rebuilt;
                    break;
                case CompiledModuleCache.ReadResult.Corrupt:
                    outcome = CacheOutcome.Rebuilt;
                    break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"could not read the cache entry {path}: {e.Message}";
        }

        var module = compile();
        try
        {
            cache.Write(key, serialize(module));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"could not write the cache entry {path}: {e.Message}";
        }
        return (module, new LoadReport(outcome, clock.Elapsed.TotalMilliseconds, 0, path, problem));
    }

    private static Module FromBytes(Engine engine, byte[] wasm, string name)
    {
        try
        {
            return Module.FromBytes(engine, name, wasm);
        }
        catch (WasmtimeException e)
        {
            string why = WasmtimeErrors.Summarize(e);
            string prefix = $"WebAssembly module '{name}' is not valid: ";
            throw new WasmGraphException($"not a valid WebAssembly module: {(why.StartsWith(prefix, StringComparison.Ordinal) ? why[prefix.Length..] : why)}", e);
        }
    }
}
