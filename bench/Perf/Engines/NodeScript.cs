using System.Diagnostics;
using System.Text.Json;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Bench.Engines;

/// <summary>
/// Runs one of bench/web's timing scripts under Node: the inputs go to raw files listed in an inputs.json
/// (<c>[{ name, dtype, shape, file }]</c>), the script prints one JSON line with <c>median_ms</c>.
/// </summary>
public static class NodeScript
{
    /// <summary>Median milliseconds, or null with the reason when the script failed.</summary>
    public static (double? MedianMs, string? Problem) Time(string script, string model, IReadOnlyDictionary<string, TensorData> inputs, int repeat,
                                                          IEnumerable<string>? nodeFlags = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dir = Directory.CreateTempSubdirectory("wasmgraph-node-bench-");
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
            foreach (var arg in (nodeFlags ?? []).Concat([script, model, inputsJson, repeat.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                start.ArgumentList.Add(arg);
            }
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[key] = value;
            }
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
