using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;

namespace WasmGraph.Web.Tests;

/// <summary>
/// The loader picks the fastest module of a <c>--target all</c> set the engine runs, by validating probe modules
/// (issue 12, item 1). Node 20 refuses relaxed-SIMD unless started with <c>--experimental-wasm-relaxed-simd</c>: without
/// the flag it must run the simd128 module, and get Wasmtime's numbers for that module bit for bit (plain SIMD128 has
/// no implementation-defined results); with the flag it picks the relaxed module, whose fused multiply-add may round
/// differently per engine (1e-4 × max).
/// </summary>
public sealed class TargetSelectionTests
{
    private static string LoadBest => Path.Combine(WebTools.Web, "test", "load-best.mjs");

    /// <summary>Compiles the small conv net for every profile as <c>--target all</c> names them, and writes its input.</summary>
    private static (TensorData Input, Func<TargetProfile, TensorData> Wasmtime) WriteSet(TempDirectory dir, IEnumerable<TargetProfile> profiles)
    {
        var (onnx, shape) = WebTools.SmallConvNet();
        var graph = WasmPipeline.Import(onnx);
        var input = TestTensors.Random(shape, seed: 7);
        NpyFile.Write(dir.File("x.npy"), input);
        var modules = new Dictionary<TargetProfile, byte[]>();
        foreach (var profile in profiles)
        {
            modules[profile] = WasmPipeline.Compile(graph, new BackendOptions { Features = profile.Features }).Bytes;
            File.WriteAllBytes(TargetProfiles.PathFor(dir.File("model.wasm"), profile), modules[profile]);
        }
        return (input, profile =>
        {
            using var session = new WasmtimeRuntime().Load(modules[profile], new RuntimeOptions());
            return session.Run(new Dictionary<string, TensorData> { ["x"] = input })["y"];
        });
    }

    private static (string Target, string[] Supported, TensorData Y) RunInNode(TempDirectory dir, params string[] nodeFlags)
    {
        var stdout = WebTools.Node(120, [.. nodeFlags, LoadBest, dir.File("model.wasm"), dir.File("out"), "x=" + dir.File("x.npy")]);
        using var json = JsonDocument.Parse(stdout);
        return (json.RootElement.GetProperty("target").GetString()!,
                json.RootElement.GetProperty("supported").EnumerateArray().Select(e => e.GetString()!).ToArray(),
                NpyFile.Read(dir.File("out/y.npy")));
    }

    [Fact]
    public void Node20WithoutTheRelaxedSimdFlagRunsTheSimd128ModuleAndGetsWasmtimesNumbers()
    {
        using var dir = new TempDirectory();
        var (_, wasmtime) = WriteSet(dir, TargetProfiles.All);

        var (target, supported, y) = RunInNode(dir);

        Assert.Equal(["simd128", "mvp"], supported);
        Assert.Equal("simd128", target);
        TensorAssert.Exact(wasmtime(TargetProfiles.Simd128), y, "Node (simd128 module) vs Wasmtime (the same module)");
    }

    [Fact]
    public void WithTheRelaxedSimdFlagNodePicksTheRelaxedModule()
    {
        using var dir = new TempDirectory();
        var (_, wasmtime) = WriteSet(dir, TargetProfiles.All);

        var (target, supported, y) = RunInNode(dir, "--experimental-wasm-relaxed-simd");

        Assert.Equal(["relaxed", "simd128", "mvp"], supported);
        Assert.Equal("relaxed", target);
        TensorAssert.Close(wasmtime(TargetProfiles.Relaxed), y, 1e-4, "Node (relaxed module) vs Wasmtime (the same module)");
    }

    [Fact]
    public void AProfileLeftOutOfTheSetIsSkippedForTheNextOneTheEngineRuns()
    {
        using var dir = new TempDirectory();
        var (_, wasmtime) = WriteSet(dir, [TargetProfiles.Relaxed, TargetProfiles.Mvp]);

        var (target, _, y) = RunInNode(dir);

        Assert.Equal("mvp", target);
        TensorAssert.Exact(wasmtime(TargetProfiles.Mvp), y, "Node (mvp module) vs Wasmtime (the same module)");
    }

    [Fact]
    public void AModuleGivenUnderAnotherProfilesNameIsRefused()
    {
        using var dir = new TempDirectory();
        WriteSet(dir, [TargetProfiles.Mvp]);
        File.Move(dir.File("model.mvp.wasm"), dir.File("model.simd128.wasm"));

        var (exit, _, stderr) = WebTools.Run("node", [LoadBest, dir.File("model.wasm"), dir.File("out"), "x=" + dir.File("x.npy")], 60);

        Assert.NotEqual(0, exit);
        Assert.Contains("the module given as 'simd128' was compiled for target 'mvp'", stderr);
    }
}
