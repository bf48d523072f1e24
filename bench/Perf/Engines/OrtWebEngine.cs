using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Bench.Engines;

/// <summary>
/// onnxruntime-web 1.30 (WebAssembly SIMD, 1 thread) under Node: the WebAssembly peer. Runs bench/web/ort-web-bench.mjs
/// with the package installed by scripts/install-ort-web.sh into .cache/node.
/// </summary>
public static class OrtWebEngine
{
    public static string ModulesDirectory(string repoRoot) => Path.Combine(repoRoot, ".cache", "node", "node_modules");

    public static bool Available(string repoRoot) => Directory.Exists(Path.Combine(ModulesDirectory(repoRoot), "onnxruntime-web"));

    /// <summary>Median milliseconds over <paramref name="repeat"/> runs, or null (with a reason) when it cannot run.</summary>
    /// <param name="threads">onnxruntime-web's <c>env.wasm.numThreads</c> (its threaded build, on Node worker_threads).</param>
    public static (double? MedianMs, string? Problem) Time(string repoRoot, string modelPath, IReadOnlyDictionary<string, TensorData> inputs, int repeat, int threads = 1)
    {
        if (!Available(repoRoot))
        {
            return (null, "onnxruntime-web is not installed (scripts/install-ort-web.sh)");
        }
        return NodeScript.Time(Path.Combine(repoRoot, "bench", "web", "ort-web-bench.mjs"), modelPath, inputs, repeat,
                               environment: new Dictionary<string, string>
                               {
                                   ["NODE_PATH"] = ModulesDirectory(repoRoot),
                                   ["ORT_WEB_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                               });
    }
}
