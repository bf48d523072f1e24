using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

public sealed class CompiledModuleCacheTests : IDisposable
{
    private readonly TempDirectory _cache = new();
    private readonly WasmtimeRuntime _runtime = new();

    public void Dispose()
    {
        _runtime.Dispose();
        _cache.Dispose();
    }

    private RuntimeOptions Options => new() { CacheDirectory = _cache.Path };

    /// <summary>Loads the add-one model, checks it still computes, and says where its code came from.</summary>
    private LoadReport LoadAndRun(WasmtimeRuntime runtime, RuntimeOptions options)
    {
        using var session = runtime.Load(TestModules.AddOne(), options);
        var y = session.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats(new Shape(4), [1, 2, 3, 4]) })["y"];
        Assert.Equal([2f, 3f, 4f, 5f], y.ToFloatArray());
        return session.LoadReport;
    }

    private string SingleEntry() => Assert.Single(_cache.Files("*" + CompiledModuleCache.Extension));

    [Fact]
    public void TheSecondLoadIsACacheHit()
    {
        var first = LoadAndRun(_runtime, Options);
        using var otherRuntime = new WasmtimeRuntime();
        var second = LoadAndRun(otherRuntime, Options);

        Assert.Equal(CacheOutcome.Miss, first.Cache);
        Assert.Equal(CacheOutcome.Hit, second.Cache);
        Assert.Equal(SingleEntry(), second.CacheFile);
        Assert.Null(second.CacheProblem);
    }

    [Fact]
    public void ACorruptedEntryIsDetectedAndRebuilt()
    {
        LoadAndRun(_runtime, Options);
        var entry = File.ReadAllBytes(SingleEntry());
        entry[^100] ^= 0x5A;
        File.WriteAllBytes(SingleEntry(), entry);

        Assert.Equal(CacheOutcome.Rebuilt, LoadAndRun(_runtime, Options).Cache);
        Assert.Equal(CacheOutcome.Hit, LoadAndRun(_runtime, Options).Cache);
    }

    [Fact]
    public void ATruncatedEntryIsDetectedAndRebuilt()
    {
        LoadAndRun(_runtime, Options);
        var path = SingleEntry();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);

        Assert.Equal(CacheOutcome.Rebuilt, LoadAndRun(_runtime, Options).Cache);
    }

    [Fact]
    public void AnIntactEntryThatWasmtimeRefusesIsRebuilt()
    {
        LoadAndRun(_runtime, Options);
        var path = SingleEntry();
        var key = Path.GetFileNameWithoutExtension(path);
        new CompiledModuleCache(_cache.Path).Write(key, "not an ELF file"u8);

        Assert.Equal(CacheOutcome.Rebuilt, LoadAndRun(_runtime, Options).Cache);
        Assert.Equal(CacheOutcome.Hit, LoadAndRun(_runtime, Options).Cache);
    }

    [Fact]
    public void ConcurrentLoadsIntoOneDirectoryAllSucceed()
    {
        var runtimes = Enumerable.Range(0, 6).Select(_ => new WasmtimeRuntime()).ToArray();
        try
        {
            // Dedicated threads released together, so the loads really overlap (the thread pool would trickle them in).
            using var start = new Barrier(runtimes.Length);
            var reports = new LoadReport[runtimes.Length];
            var threads = runtimes.Select((runtime, i) => new Thread(() =>
            {
                start.SignalAndWait();
                reports[i] = LoadAndRun(runtime, Options);
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }
            foreach (var thread in threads)
            {
                thread.Join();
            }

            Assert.All(reports, r => Assert.Null(r.CacheProblem));
            SingleEntry();
            Assert.Empty(_cache.Files("*.tmp"));
            Assert.Equal(CacheOutcome.Hit, LoadAndRun(_runtime, Options).Cache);
        }
        finally
        {
            foreach (var runtime in runtimes)
            {
                runtime.Dispose();
            }
        }
    }

    [Fact]
    public void CodeWithAndWithoutTimeLimitChecksIsCachedSeparately()
    {
        var withLimit = Options with { Timeout = TimeSpan.FromSeconds(5) };

        Assert.Equal(CacheOutcome.Miss, LoadAndRun(_runtime, Options).Cache);
        Assert.Equal(CacheOutcome.Miss, LoadAndRun(_runtime, withLimit).Cache);
        Assert.Equal(CacheOutcome.Hit, LoadAndRun(_runtime, withLimit).Cache);
        Assert.Equal(2, _cache.Files("*" + CompiledModuleCache.Extension).Length);
    }

    [Fact]
    public void AnUnwritableCacheIsReportedButDoesNotFailTheLoad()
    {
        var blocked = Path.Combine(_cache.Path, "a-file");
        File.WriteAllText(blocked, "");

        var report = LoadAndRun(_runtime, new RuntimeOptions { CacheDirectory = blocked });

        Assert.Equal(CacheOutcome.Miss, report.Cache);
        Assert.Contains("could not write the cache entry", report.CacheProblem);
    }

    [Fact]
    public void TheKeyDependsOnTheModuleAndTheEngine()
    {
        byte[] a = [1, 2, 3];
        byte[] b = [1, 2, 4];

        Assert.Equal(64, CompiledModuleCache.KeyFor(a, "e").Length);
        Assert.NotEqual(CompiledModuleCache.KeyFor(a, "e"), CompiledModuleCache.KeyFor(b, "e"));
        Assert.NotEqual(CompiledModuleCache.KeyFor(a, "e"), CompiledModuleCache.KeyFor(a, "f"));
    }
}
