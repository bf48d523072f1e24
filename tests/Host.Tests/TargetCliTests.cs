using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>compile --target relaxed|simd128|mvp|all</c> (issue 12, item 1): one module per profile, named by the documented
/// scheme, each recording its profile in the metadata, shown by <c>inspect</c>; a configured Features that disagrees
/// with --target and an unknown profile are user errors that write nothing.
/// </summary>
public sealed class TargetCliTests
{
    private static readonly OnnxModelBuilder Model = new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 1, 4, 8, 8)
        .Initializer("w", TestTensors.Random([8, 4, 3, 3], seed: 2))
        .Initializer("g", TestTensors.Random([128, 5], seed: 3))
        .Node("Conv", ["x", "w"], ["c"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .Node("MaxPool", ["c"], ["p"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
        .Node("Flatten", ["p"], ["f"])
        .Node("MatMul", ["f", "g"], ["y"])
        .Output("y", DataType.Float32);

    [Fact]
    public void TargetAllWritesOneModulePerProfileNextToTheOutputAndEachRunsAndMatchesOnnxRuntime()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), Model.ToBytes());

        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("out/m.wasm"), "--target", "all");

        Assert.True(compile.ExitCode == 0, compile.ToString());
        var x = TestTensors.Random([1, 4, 8, 8], seed: 1);
        NpyFile.Write(dir.File("x.npy"), x);
        var expected = OnnxRuntimeOracle.Run(Model.ToBytes(), new Dictionary<string, TensorData> { ["x"] = x })["y"];
        foreach (var (profile, file) in new[] { ("relaxed", "m.wasm"), ("simd128", "m.simd128.wasm"), ("mvp", "m.mvp.wasm") })
        {
            var module = dir.File("out/" + file);
            var bytes = File.ReadAllBytes(module);
            Assert.Equal(profile, WasmModuleReader.ReadMetadata(bytes, module).Target);
            TargetInstructionSet.AssertWithin(bytes, TargetProfiles.All.Single(p => p.Name == profile), file);

            var run = HostProcess.Run("run", module, "--input", "x=" + dir.File("x.npy"), "--output-dir", dir.File("out-" + profile));
            Assert.True(run.ExitCode == 0, run.ToString());
            TensorAssert.Close(expected, NpyFile.Read(dir.File($"out-{profile}/y.npy")), 1e-4, $"the {profile} module");
        }
        Assert.Equal(3, Directory.GetFiles(dir.File("out")).Length); // no temporaries left behind
    }

    [Fact]
    public void OneTargetWritesExactlyTheOutputAndInspectShowsItsProfile()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), Model.ToBytes());

        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--target", "mvp");
        var inspect = HostProcess.Run("inspect", dir.File("m.wasm"));

        Assert.True(compile.ExitCode == 0, compile.ToString());
        Assert.Equal(["m.onnx", "m.wasm"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("│ target", inspect.StdOut);
        Assert.Contains("mvp (-simd128,-relaxed-simd", inspect.StdOut);
    }

    [Theory]
    [InlineData("simd", "--target 'simd' is not a target profile; did you mean 'simd128'? (known: relaxed, simd128, mvp, all)")]
    [InlineData(" ", "--target is empty; give a profile: relaxed, simd128, mvp, all")]
    public void AnUnknownTargetIsRefusedBeforeTheModelIsRead(string target, string message)
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(dir.File("m.onnx"), "not a model");

        var result = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--target", target);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.StdErr);
        Assert.False(File.Exists(dir.File("m.wasm")));
    }

    [Theory]
    [InlineData("simd128", "+simd128")]
    [InlineData("all", "+simd128,-relaxed-simd,+bulk-memory,+nontrapping-fptoint,+sign-ext")]
    public void AConfiguredFeatureSetThatContradictsTheTargetIsRefusedNamingBoth(string target, string features)
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), Model.ToBytes());
        File.WriteAllText(dir.File("c.json"), $$"""{ "Pipeline": { "Backend": { "Features": "{{features}}" } } }""");

        var result = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--target", target, "--config", dir.File("c.json"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"--target {target} selects Pipeline:Backend:Features", result.StdErr);
        Assert.Contains($"but the configuration sets it to '{features}'", result.StdErr);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.wasm"));
    }

    [Fact]
    public void AConfiguredFeatureSetThatIsTheTargetsOwnIsAccepted()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), Model.ToBytes());
        File.WriteAllText(dir.File("c.json"), $$"""{ "Pipeline": { "Backend": { "Features": "{{TargetProfiles.Simd128.Features}}" } } }""");

        var result = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--target", "simd128", "--config", dir.File("c.json"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("simd128", WasmModuleReader.ReadMetadata(File.ReadAllBytes(dir.File("m.wasm")), "m.wasm").Target);
    }
}
