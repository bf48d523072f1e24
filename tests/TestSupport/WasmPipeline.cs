using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Frontends.Onnx;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.TestSupport;

/// <summary>The real pipeline in-process, for tests: ONNX frontend → graph → LLVM backend → Wasmtime.</summary>
public static class WasmPipeline
{
    private static readonly WasmtimeRuntime Runtime = new();

    public static Graph Import(byte[] onnx, string sourceName = "test.onnx")
        => new OnnxFrontend().Load(new MemoryStream(onnx), new FrontendOptions { SourceName = sourceName });

    public static Artifact Compile(Graph graph, BackendOptions? options = null)
        => new LlvmWasmBackend().Compile(graph, options ?? new BackendOptions());

    public static IReadOnlyDictionary<string, TensorData> CompileAndRun(Graph graph, IReadOnlyDictionary<string, TensorData> inputs, BackendOptions? options = null)
    {
        using var session = Runtime.Load(Compile(graph, options).Bytes, new RuntimeOptions());
        return session.Run(inputs);
    }
}
