using System.Collections.Immutable;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests;

/// <summary>
/// Compiles a tiny ONNX model through the real pipeline (ONNX frontend → LLVM backend → wasm-ld → Wasmtime) and
/// compares every output with ONNX Runtime on the same inputs. Types are compared first, shapes included, so a bounded
/// output (trimmed by the session to the dims the module reports) must match ONNX Runtime's data-dependent shape.
/// </summary>
internal static class OpHarness
{
    /// <summary>Default tolerance: max |wasm − ort| ≤ 1e-4 × max |ort| (float32 reassociation in reductions).</summary>
    public const double DefaultTolerance = 1e-4;

    public static IReadOnlyDictionary<string, TensorData> Run(byte[] onnx, IReadOnlyDictionary<string, TensorData> inputs,
                                                              Func<Graph, Graph>? passes = null, BackendOptions? options = null)
    {
        var graph = WasmPipeline.Import(onnx);
        return WasmPipeline.CompileAndRun(passes?.Invoke(graph) ?? graph, inputs, options);
    }

    public static void AssertMatchesOnnxRuntime(OnnxModelBuilder model, IReadOnlyDictionary<string, TensorData> inputs,
                                                double tolerance = DefaultTolerance, Func<Graph, Graph>? passes = null,
                                                BackendOptions? options = null)
    {
        var bytes = model.ToBytes();
        var expected = OnnxRuntimeOracle.Run(bytes, inputs);
        var actual = Run(bytes, inputs, passes, options);
        foreach (var (name, reference) in expected)
        {
            Assert.True(actual.ContainsKey(name), $"output '{name}' is missing");
            if (reference.Type.ElementType == DataType.Float32)
            {
                TensorAssert.Close(reference, actual[name], tolerance, $"output '{name}'");
            }
            else
            {
                TensorAssert.Exact(reference, actual[name], $"output '{name}'");
            }
        }
    }

    public static ImmutableDictionary<string, TensorData> Inputs(params (string Name, TensorData Data)[] inputs)
        => inputs.ToImmutableDictionary(i => i.Name, i => i.Data);
}
