using BenchmarkDotNet.Attributes;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Bench.Engines;
using WasmGraph.Host.Reference;

namespace WasmGraph.Bench;

/// <summary>
/// BenchmarkDotNet: single-image inference of each present benchmark model, WasmGraph in Wasmtime against ONNX
/// Runtime native with one thread. (onnxruntime-web runs out of process, so it is in the `report` comparison.)
/// </summary>
[MemoryDiagnoser]
[MinIterationCount(5)]
[MaxIterationCount(20)]
public sealed class InferenceBenchmarks : IDisposable
{
    private WasmGraphEngine? _wasm;
    private OnnxReferenceSession? _native;
    private Dictionary<string, TensorData> _inputs = new();

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "";

    public static IEnumerable<string> Models()
        => BenchModels.Load(BenchModels.FindRepoRoot()).Where(m => m.Exists).Select(m => m.Name);

    [GlobalSetup]
    public void Setup()
    {
        var root = BenchModels.FindRepoRoot();
        var model = BenchModels.Load(root).Single(m => m.Name == Model);
        _wasm = new WasmGraphEngine();
        _wasm.Compile(model, root);
        _inputs = model.MakeInputs(_wasm.Graph!);
        _native = new OnnxReferenceSession(model.Prepend is null ? [model.Path] : [model.Prepend, model.Path]);
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntimeNative() => _native!.Run(_inputs);

    [Benchmark]
    public void WasmGraphWasmtime() => _wasm!.Run(_inputs);

    [GlobalCleanup]
    public void Dispose()
    {
        _wasm?.Dispose();
        _native?.Dispose();
        _wasm = null;
        _native = null;
    }
}

/// <summary>BenchmarkDotNet: the SIMD128 FMA ceiling the kernel figures are measured against.</summary>
public class SimdPeakBenchmark
{
    [Benchmark]
    public double RelaxedMaddLoop() => SimdPeak.MeasureGflops(iterations: 2_000_000);
}
