using System.Diagnostics;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Apps.Reference;

namespace WasmGraph.Apps.Demo;

/// <summary>
/// One demo model, loaded twice: the compiled module in the configured runtime (Wasmtime), and the source ONNX
/// model(s) in ONNX Runtime with one thread. Each call runs both on the same inputs, so every number a demo shows can be
/// compared with the reference; the first input's runs are also timed.
/// </summary>
public sealed class DemoModel : IDisposable
{
    private readonly List<double> _wasmMs = new();
    private readonly List<double> _ortMs = new();

    internal DemoModel(string name, string modulePath, long moduleBytes, bool cached, double compileMs, double loadMs,
                       IModelSession session, OnnxReferenceSession reference)
    {
        Name = name;
        ModulePath = modulePath;
        ModuleBytes = moduleBytes;
        Cached = cached;
        CompileMs = compileMs;
        LoadMs = loadMs;
        Session = session;
        Reference = reference;
    }

    public string Name { get; }
    public string ModulePath { get; }
    public long ModuleBytes { get; }
    public bool Cached { get; }
    public double CompileMs { get; }
    public double LoadMs { get; }
    public IModelSession Session { get; }
    public OnnxReferenceSession Reference { get; }

    public ModelMetadata Metadata => Session.Metadata;

    /// <summary>Median of the timed module runs, or NaN before the first timed run.</summary>
    public double WasmMedianMs => Median(_wasmMs);

    /// <summary>Median of the timed ONNX Runtime runs.</summary>
    public double OrtMedianMs => Median(_ortMs);

    /// <summary>Runs the module and ONNX Runtime on the same inputs; with <paramref name="timedRepeats"/> &gt; 0 also times both.</summary>
    public (IReadOnlyDictionary<string, TensorData> Wasm, IReadOnlyDictionary<string, TensorData> Ort) Run(
        IReadOnlyDictionary<string, TensorData> inputs, int timedRepeats = 0)
    {
        var wasm = Session.Run(inputs);
        var ort = Reference.Run(inputs);
        for (int i = 0; i < timedRepeats; i++)
        {
            _wasmMs.Add(Time(() => Session.Run(inputs)));
            _ortMs.Add(Time(() => Reference.Run(inputs)));
        }
        return (wasm, ort);
    }

    /// <summary>The reference output for a module output: by name, else by position (a compiler may rename outputs).</summary>
    public TensorData ReferenceOutput(IReadOnlyDictionary<string, TensorData> ort, int index)
        => ort.TryGetValue(Metadata.Outputs[index].Name, out var byName) ? byName : ort.Values.ElementAt(index);

    public void Dispose()
    {
        Session.Dispose();
        Reference.Dispose();
    }

    private static double Time(Action work)
    {
        var clock = Stopwatch.StartNew();
        work();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> times)
    {
        if (times.Count == 0)
        {
            return double.NaN;
        }
        var sorted = times.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
