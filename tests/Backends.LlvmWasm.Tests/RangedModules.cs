using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests;

/// <summary>
/// Modules with a run-time extent for the kernel tests: the graph annotated as <c>compile --input-shape
/// NAME=min..bound</c> annotates it (CompilePipeline: an import at the bound and one at the probe length), and one
/// instance run over a sequence of extents against ONNX Runtime, so stale data from an earlier run shows up.
/// </summary>
internal static class RangedModules
{
    /// <param name="importAt">The model imported with the ranged axis pinned to a length.</param>
    public static Graph Annotate(Func<long, Graph> importAt, long min, long bound, string source)
    {
        long probe = RunTimeExtentAnalysis.ProbeFor(min, bound);
        return RunTimeExtentAnalysis.Annotate(importAt(bound), importAt(probe), min, bound, probe, source, "--input-shape");
    }

    /// <summary>Runs each input set in order on one instance of <paramref name="module"/>; every output within <paramref name="tolerance"/> × max |ORT|.</summary>
    public static void AssertEachRunMatchesOnnxRuntime(byte[] module, byte[] onnx, IEnumerable<(string Label, IReadOnlyDictionary<string, TensorData> Inputs)> runs,
                                                       double tolerance)
    {
        using var runtime = new WasmtimeRuntime();
        using var session = runtime.Load(module, new RuntimeOptions());
        foreach (var (label, inputs) in runs)
        {
            var actual = session.Run(inputs);
            foreach (var (name, reference) in OnnxRuntimeOracle.Run(onnx, inputs))
            {
                TensorAssert.Close(reference, actual[name], tolerance, $"{label}, output {name}");
            }
        }
    }
}
