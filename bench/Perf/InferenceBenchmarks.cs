using BenchmarkDotNet.Attributes;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Bench.Engines;
using WasmGraph.Apps.Reference;

namespace WasmGraph.Bench;

/// <summary>
/// BenchmarkDotNet: single-image inference of each present benchmark model, WasmGraph in Wasmtime against ONNX
/// Runtime native with one thread. (onnxruntime-web runs out of process, so it is in the `report` comparison.)
/// Not sealed: BenchmarkDotNet derives from a benchmark class and refuses sealed ones (it ran nothing while sealed).
/// </summary>
[MemoryDiagnoser]
[MinIterationCount(5)]
[MaxIterationCount(20)]
public class InferenceBenchmarks : IDisposable
{
    private WasmGraphEngine? _wasm;
    private IModelSession? _wasmWithTimeLimit;
    private OnnxReferenceSession? _native;
    private Dictionary<string, TensorData> _inputs = new();

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "";

    public static IEnumerable<string> Models()
        => BenchModels.Load(BenchModels.FindRepoRoot()).Where(m => m.Exists && !m.IsRanged).Select(m => m.Name); // a ranged module has its own rows in `report`

    [GlobalSetup]
    public void Setup()
    {
        var root = BenchModels.FindRepoRoot();
        var model = BenchModels.Load(root).Single(m => m.Name == Model);
        _wasm = new WasmGraphEngine();
        _wasm.Compile(model, root);
        _inputs = model.MakeInputs(_wasm.Graph!);
        _wasmWithTimeLimit = _wasm.LoadWithTimeLimit(TimeSpan.FromSeconds(600));
        _native = new OnnxReferenceSession(model.Prepend is null ? [model.Path] : [model.Prepend, model.Path]);
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntimeNative() => _native!.Run(_inputs);

    [Benchmark]
    public void WasmGraphWasmtime() => _wasm!.Run(_inputs);

    /// <summary>As <c>wasmgraph run</c> runs it: with a time limit, so with epoch-interruption checks in the code.</summary>
    [Benchmark]
    public void WasmGraphWasmtimeWithTimeLimit() => _wasmWithTimeLimit!.Run(_inputs);

    [GlobalCleanup]
    public void Dispose()
    {
        _wasmWithTimeLimit?.Dispose();
        _wasm?.Dispose();
        _native?.Dispose();
        _wasm = null;
        _wasmWithTimeLimit = null;
        GC.SuppressFinalize(this);
        _native = null;
    }
}

/// <summary>BenchmarkDotNet: the SIMD128 FMA ceiling the kernel figures are measured against.</summary>
public class SimdPeakBenchmark
{
    [Benchmark]
    public double RelaxedMaddLoop() => SimdPeak.MeasureGflops(iterations: 2_000_000);
}
