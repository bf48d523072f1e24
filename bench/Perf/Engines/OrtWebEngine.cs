using System.Diagnostics;
using System.Text.Json;
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
    public static (double? MedianMs, string? Problem) Time(string repoRoot, string modelPath, IReadOnlyDictionary<string, TensorData> inputs, int repeat)
    {
        if (!Available(repoRoot))
        {
            return (null, "onnxruntime-web is not installed (scripts/install-ort-web.sh)");
        }
        var dir = Directory.CreateTempSubdirectory("wasmgraph-ortweb-");
        try
        {
            var specs = inputs.Select((kv, i) =>
            {
                var file = Path.Combine(dir.FullName, $"input{i}.bin");
                File.WriteAllBytes(file, kv.Value.Bytes.ToArray());
                return new { name = kv.Key, dtype = kv.Value.Type.ElementType.Name(), shape = kv.Value.Type.Shape.Dims.ToArray(), file };
            }).ToList();
            var inputsJson = Path.Combine(dir.FullName, "inputs.json");
            File.WriteAllText(inputsJson, JsonSerializer.Serialize(specs));
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { Path.Combine(repoRoot, "bench", "web", "ort-web-bench.mjs"), modelPath, inputsJson, repeat.ToString() })
            {
                start.ArgumentList.Add(arg);
            }
            start.Environment["NODE_PATH"] = ModulesDirectory(repoRoot);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                return (null, $"node exited {process.ExitCode}: {stderr.Result.Split('\n').FirstOrDefault()}");
            }
            using var result = JsonDocument.Parse(stdout.Result.Trim().Split('\n').Last());
            return (result.RootElement.GetProperty("median_ms").GetDouble(), null);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
