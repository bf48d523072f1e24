using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm;
using WasmGraph.Bench.Engines;
using WasmGraph.Runtimes.Wasmtime;

namespace WasmGraph.Bench;

/// <summary>
/// One target profile's latency on one model: in Wasmtime (which runs every profile) and in Node through
/// web/wasmgraph.js. Node 20 runs relaxed-SIMD only with <see cref="TargetProfileComparison.RelaxedSimdFlag"/>, which
/// the relaxed row passes (and names); the simd128 and mvp rows run Node as a user starts it, with no flag.
/// </summary>
public sealed record ProfileTime(TargetProfile Profile, long ModuleBytes, double WasmtimeMs, double? NodeMs, string? NodeProblem, string NodeFlags);

/// <summary>
/// The cost of each target profile (docs/targets.md), measured on the models bench/models.json marks with
/// <c>"profiles": true</c> from the graph the main comparison already compiled: one backend run per profile, with the
/// features <c>compile --target</c> selects, so the modules are those a user gets. All profiles of a model are timed
/// one after another in one process, so their ratios are comparable even on a noisy machine.
/// </summary>
public static class TargetProfileComparison
{
    public const string RelaxedSimdFlag = "--experimental-wasm-relaxed-simd";

    /// <summary>Runs per profile: half the main comparison's, at least 3 (the mvp rows take a few times longer each).</summary>
    public static int Runs(int repeat) => Math.Max(3, repeat / 2);

    public static IReadOnlyList<ProfileTime> Measure(string repoRoot, Graph graph, IReadOnlyDictionary<string, TensorData> inputs, int repeat)
    {
        var results = new List<ProfileTime>();
        var dir = Directory.CreateTempSubdirectory("wasmgraph-profiles-");
        try
        {
            using var runtime = new WasmtimeRuntime();
            foreach (var profile in TargetProfiles.All)
            {
                var module = new LlvmWasmBackend().Compile(graph, new BackendOptions { Features = profile.Features }).Bytes;
                double wasmtimeMs;
                using (var session = runtime.Load(module, new RuntimeOptions()))
                {
                    wasmtimeMs = PeerComparison.Median(repeat, () => session.Run(inputs));
                }
                var path = Path.Combine(dir.FullName, TargetProfiles.PathFor("model.wasm", profile));
                File.WriteAllBytes(path, module);
                string[] flags = profile == TargetProfiles.Relaxed ? [RelaxedSimdFlag] : [];
                var (nodeMs, problem) = NodeScript.Time(Path.Combine(repoRoot, "bench", "web", "wasmgraph-bench.mjs"), path, inputs, repeat, flags);
                results.Add(new ProfileTime(profile, module.LongLength, wasmtimeMs, nodeMs, problem, string.Join(" ", flags)));
                Console.WriteLine($"  {profile.Name}: Wasmtime {wasmtimeMs:F1} ms, Node {nodeMs?.ToString("F1") ?? problem} ms");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        return results;
    }
}
