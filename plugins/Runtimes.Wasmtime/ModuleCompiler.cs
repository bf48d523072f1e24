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
    {
        var clock = Stopwatch.StartNew();
        if (cacheDirectory is null)
        {
            return (FromBytes(engine, wasm, name), new LoadReport(CacheOutcome.Disabled, clock.Elapsed.TotalMilliseconds, 0));
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
                    try
                    {
                        var cached = Module.Deserialize(engine, name, payload.Span);
                        return (cached, new LoadReport(CacheOutcome.Hit, clock.Elapsed.TotalMilliseconds, 0, path));
                    }
                    catch (WasmtimeException)
                    {
                        // Intact bytes that this Wasmtime refuses: another version, or another CPU's feature set.
                        cache.Delete(key);
                        outcome = CacheOutcome.Rebuilt;
                    }
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

        var module = FromBytes(engine, wasm, name);
        try
        {
            cache.Write(key, module.Serialize());
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
