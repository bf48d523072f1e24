using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Web.Tests;

/// <summary>
/// Threaded modules in web/wasmgraph.js (docs/abi.md; <c>compile --threads N</c>): the node:test suite
/// web/test/threads.test.mjs on Node worker_threads, and web/test/threads.html in headless Chromium served with
/// COOP/COEP (workers share the memory; the result must equal one thread's, bit for bit) and without them (the
/// loader warns, the page shows the warning, and one thread gives the same result). Each test takes its module from
/// one function: <see cref="FixtureModule"/> (web/test/fixtures/threaded-centre.wat) or <see cref="CompiledModule"/>.
/// </summary>
public sealed class ThreadedLoaderTests
{
    private const int Length = 4096;

    private readonly ITestOutputHelper _log;

    public ThreadedLoaderTests(ITestOutputHelper log) => _log = log;

    /// <summary>m = ReduceMean(x), y = x − m over x float32[4096]: the function of the threaded fixture.</summary>
    public static byte[] Graph() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, Length)
        .Node("ReduceMean", ["x"], ["m"], OnnxAttr.Int("keepdims", 0))
        .Node("Sub", ["x", "m"], ["y"])
        .Output("y", DataType.Float32)
        .Output("m", DataType.Float32)
        .ToBytes();

    /// <summary>The hand-written threaded module of <see cref="Graph"/> (at most 4 workers).</summary>
    private static string FixtureModule(TempDirectory dir) => WebTools.Fixture("threaded-centre", dir.File("fixture.wasm"));

    /// <summary>The CLI's module of <see cref="Graph"/> for up to 4 workers, deterministic; null (and why, in the log) when the CLI cannot yet.</summary>
    private string? CompiledModule(TempDirectory dir)
    {
        if (WebTools.MissingCompileFeature("--threads", "--threads") is { } why)
        {
            _log.WriteLine(why);
            return null;
        }
        File.WriteAllBytes(dir.File("m.onnx"), Graph());
        var (exit, stdout, stderr) = WebTools.Cli("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--threads", "4", "--deterministic");
        Assert.True(exit == 0, $"compile exited {exit}\n{stdout}\n{stderr}");
        return dir.File("m.wasm");
    }

    [Fact]
    public void TheThreadedFixtureRunsOnWorkerThreadsInNodeAndSurvivesATrappingAndAHangingWorker()
    {
        _log.WriteLine(WebTools.NodeTest("threads.test.mjs"));
    }

    [Fact]
    public void AModuleCompiledWithThreadsPassesTheSameNodeTests()
    {
        using var dir = new TempDirectory();
        if (CompiledModule(dir) is not { } module)
        {
            return;
        }
        _log.WriteLine(WebTools.NodeTest("threads.test.mjs", new Dictionary<string, string> { ["WASMGRAPH_TEST_MODULE"] = module }));
    }

    [Fact]
    public void InACrossOriginIsolatedPageTheFixtureRunsOnTwoWorkersAndEqualsOneThread()
    {
        using var dir = new TempDirectory();
        var result = RunThreadsPage(dir, FixtureModule(dir), crossOriginIsolated: true);
        AssertRanOnWorkers(result);
        AssertSameOutputs(result.GetProperty("single"), result.GetProperty("outputs"), "Chromium: 2 workers vs 1 thread");
        AssertCloseToReference(result.GetProperty("outputs"));
    }

    [Fact]
    public void WithoutIsolationThePageShowsTheFallbackWarningAndOneThreadGivesTheSameResult()
    {
        using var dir = new TempDirectory();
        var isolated = RunThreadsPage(dir, FixtureModule(dir), crossOriginIsolated: true);
        var plain = RunThreadsPage(dir, FixtureModule(dir), crossOriginIsolated: false);

        Assert.False(plain.GetProperty("crossOriginIsolated").GetBoolean());
        Assert.Equal(1, plain.GetProperty("threads").GetInt32());
        var warning = plain.GetProperty("warning").GetString()!;
        Assert.StartsWith("this module can use 2 threads, but this page has no SharedArrayBuffer (it is not cross-origin isolated); running on 1 thread.", warning);
        Assert.Contains("Cross-Origin-Embedder-Policy: require-corp", warning);
        Assert.Equal(warning, plain.GetProperty("shownWarning").GetString());
        Assert.Contains(plain.GetProperty("console").EnumerateArray(), line => line.GetString() == $"warning: wasmgraph: {warning}");
        AssertSameOutputs(isolated.GetProperty("outputs"), plain.GetProperty("outputs"), "Chromium without isolation (1 thread) vs with it (2 workers)");
        _log.WriteLine($"fallback warning: {warning}");
    }

    [Fact]
    public void InACrossOriginIsolatedPageACompiledThreadedModuleMatchesWasmtime()
    {
        using var dir = new TempDirectory();
        if (CompiledModule(dir) is not { } module)
        {
            return;
        }
        var result = RunThreadsPage(dir, module, crossOriginIsolated: true);
        AssertRanOnWorkers(result);
        AssertSameOutputs(result.GetProperty("single"), result.GetProperty("outputs"), "Chromium: 2 workers vs 1 thread");
        using var session = ((IRuntime)new WasmtimeRuntime()).Load(File.ReadAllBytes(module), new RuntimeOptions()); // a threaded module, on one worker
        var wasmtime = session.Run(new Dictionary<string, TensorData> { ["x"] = Input() });
        foreach (var name in new[] { "y", "m" })
        {
            var actual = Floats(result.GetProperty("outputs").GetProperty(name));
            Assert.Equal(wasmtime[name].ToFloatArray(), actual);
        }
    }

    /// <summary>The input every page run uses: seeded, so Wasmtime and ONNX Runtime get the same.</summary>
    private static TensorData Input() => TestTensors.Random([Length], seed: 21);

    private JsonElement RunThreadsPage(TempDirectory dir, string module, bool crossOriginIsolated)
    {
        File.WriteAllBytes(dir.File("x.bin"), Input().Bytes.ToArray());
        var result = WebTools.RunPage(dir.Path, "/test/threads.html?model=/m.wasm&input=/x.bin&threads=2",
                                      new Dictionary<string, string> { ["/m.wasm"] = module, ["/x.bin"] = dir.File("x.bin") },
                                      crossOriginIsolated: crossOriginIsolated);
        _log.WriteLine($"Chromium {result.GetProperty("browser")}, isolated {crossOriginIsolated}: {result.GetProperty("threads")} thread(s)");
        return result;
    }

    private static void AssertRanOnWorkers(JsonElement result)
    {
        Assert.True(result.GetProperty("crossOriginIsolated").GetBoolean());
        Assert.Equal(2, result.GetProperty("threads").GetInt32());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("warning").ValueKind);
    }

    private static void AssertSameOutputs(JsonElement expected, JsonElement actual, string because)
    {
        foreach (var name in new[] { "y", "m" })
        {
            Assert.True(Floats(expected.GetProperty(name)).SequenceEqual(Floats(actual.GetProperty(name))), $"{name}: {because}");
        }
    }

    /// <summary>
    /// ONNX Runtime on the same graph and input: y within 1e-5 × max|y|; m (a mean of 4096 float32s near 0, so its own
    /// magnitude is no scale) within 1e-5 × max|x|, the size of the terms whose rounding it carries.
    /// </summary>
    private static void AssertCloseToReference(JsonElement outputs)
    {
        var expected = OnnxRuntimeOracle.Run(Graph(), new Dictionary<string, TensorData> { ["x"] = Input() });
        var y = TensorData.FromFloats(expected["y"].Type.Shape, Floats(outputs.GetProperty("y")));
        TensorAssert.Close(expected["y"], y, 1e-5, "y: Chromium on workers vs ONNX Runtime");
        var m = Floats(outputs.GetProperty("m")).Single();
        var tolerance = 1e-5 * Input().ToFloatArray().Max(Math.Abs);
        Assert.True(Math.Abs(m - expected["m"].ToFloatArray().Single()) <= tolerance,
                    $"m: Chromium {m} vs ONNX Runtime {expected["m"].ToFloatArray().Single()}, tolerance {tolerance}");
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
}
