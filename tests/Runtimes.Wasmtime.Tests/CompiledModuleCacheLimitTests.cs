using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;

namespace WasmGraph.Runtimes.Wasmtime.Tests;

/// <summary>
/// The compiled-module cache stays within its size bound: writes evict least recently used entries (a hit counts as a
/// use), the entry just written survives even alone over the bound, and temporaries of dead writers go away.
/// </summary>
public sealed class CompiledModuleCacheLimitTests : IDisposable
{
    private const int EntryPayload = 1000;
    private const int EntryBytes = EntryPayload + 48; // the header: magic, SHA-256, length

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Payload(byte fill) => Enumerable.Repeat(fill, EntryPayload).ToArray();

    private static string Key(int i) => CompiledModuleCache.KeyFor([(byte)i], "test");

    /// <summary>Writes entry <paramref name="i"/> and dates its last use <paramref name="minutesAgo"/> back.</summary>
    private static void WriteUsedAgo(CompiledModuleCache cache, int i, int minutesAgo)
    {
        cache.Write(Key(i), Payload((byte)i));
        File.SetLastAccessTimeUtc(cache.PathFor(Key(i)), DateTime.UtcNow.AddMinutes(-minutesAgo));
    }

    private long TotalBytes() => _dir.Files("*" + CompiledModuleCache.Extension).Sum(f => new FileInfo(f).Length);

    [Fact]
    public void WritingPastTheBoundEvictsTheLeastRecentlyUsedEntries()
    {
        var cache = new CompiledModuleCache(_dir.Path, maxBytes: 3 * EntryBytes);
        WriteUsedAgo(cache, 1, minutesAgo: 40);
        WriteUsedAgo(cache, 2, minutesAgo: 30);
        WriteUsedAgo(cache, 3, minutesAgo: 20);

        cache.Write(Key(4), Payload(4));

        Assert.False(File.Exists(cache.PathFor(Key(1))), "the oldest entry should have been evicted");
        Assert.True(File.Exists(cache.PathFor(Key(2))));
        Assert.True(File.Exists(cache.PathFor(Key(4))));
        Assert.True(TotalBytes() <= 3 * EntryBytes, $"{TotalBytes()} bytes left");
    }

    [Fact]
    public void AHitCountsAsAUseSoTheEntryIsKept()
    {
        var cache = new CompiledModuleCache(_dir.Path, maxBytes: 2 * EntryBytes);
        WriteUsedAgo(cache, 1, minutesAgo: 40);
        WriteUsedAgo(cache, 2, minutesAgo: 30);

        Assert.Equal(CompiledModuleCache.ReadResult.Found, cache.TryRead(Key(1), out var payload));
        Assert.Equal(Payload(1), payload.ToArray());
        cache.Write(Key(3), Payload(3));

        Assert.True(File.Exists(cache.PathFor(Key(1))), "entry 1 was just read, so it is the most recently used");
        Assert.False(File.Exists(cache.PathFor(Key(2))));
        Assert.True(File.Exists(cache.PathFor(Key(3))));
    }

    [Fact]
    public void TheEntryJustWrittenStaysEvenWhenItAloneIsOverTheBound()
    {
        var cache = new CompiledModuleCache(_dir.Path, maxBytes: 10);
        WriteUsedAgo(cache, 1, minutesAgo: 5);

        cache.Write(Key(2), Payload(2));

        Assert.Equal(cache.PathFor(Key(2)), Assert.Single(_dir.Files("*" + CompiledModuleCache.Extension)));
    }

    [Fact]
    public void TemporariesOfDeadWritersAreRemovedOnceTheyAreOld()
    {
        var old = Path.Combine(_dir.Path, $"{Key(9)}.{Guid.NewGuid():N}.tmp");
        var fresh = Path.Combine(_dir.Path, $"{Key(8)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(old, "partial");
        File.WriteAllText(fresh, "being written");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-2));

        new CompiledModuleCache(_dir.Path).Write(Key(1), Payload(1));

        Assert.False(File.Exists(old));
        Assert.True(File.Exists(fresh), "a recent temporary may belong to a live writer");
    }

    [Fact]
    public void TheRuntimeAppliesTheBoundFromItsOptions()
    {
        using var runtime = new WasmtimeRuntime();
        var cache = new CompiledModuleCache(_dir.Path);
        WriteUsedAgo(cache, 1, minutesAgo: 60); // an unrelated entry, used long ago

        using (var session = runtime.Load(TestModules.AddOne(), new RuntimeOptions { CacheDirectory = _dir.Path, CacheMaxBytes = 1 }))
        {
            var y = session.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats(new Shape(4), [1, 2, 3, 4]) })["y"];
            Assert.Equal([2f, 3f, 4f, 5f], y.ToFloatArray());
        }

        var left = Assert.Single(_dir.Files("*" + CompiledModuleCache.Extension));
        Assert.NotEqual(cache.PathFor(Key(1)), left);
    }
}
