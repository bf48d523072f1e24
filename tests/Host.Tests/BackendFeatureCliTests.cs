using System.Diagnostics;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Issue 17, item 4: LLVM aborted the process (exit 134, no error line) on a Backend:Features set without
/// relaxed-simd, on "" and on "-simd128", and on a model whose memory cannot fit wasm32 (after 9 GB and 27 s). Now
/// every accepted feature set compiles and runs, a bad one is refused before the model is read, and a model past
/// the 2 GiB of data wasm-ld can lay out is refused before codegen with its byte counts.
/// </summary>
public sealed class BackendFeatureCliTests
{
    [Theory]
    [InlineData("+simd128")]
    [InlineData("")]
    [InlineData("-simd128")]
    [InlineData("-simd128,-bulk-memory,-nontrapping-fptoint,-sign-ext")]
    public void ModulesCompiledWithoutRelaxedSimdRunAndMatchOnnxRuntime(string features)
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 8, 8)
            .Initializer("w", TestTensors.Random([8, 4, 3, 3], seed: 2))
            .Initializer("g", TestTensors.Random([128, 5], seed: 3))
            .Node("Conv", ["x", "w"], ["c"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("MaxPool", ["c"], ["p"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Node("Flatten", ["p"], ["f"])
            .Node("MatMul", ["f", "g"], ["y"])
            .Output("y", DataType.Float32);
        var bytes = model.ToBytes();
        File.WriteAllBytes(dir.File("m.onnx"), bytes);
        var config = WriteFeatures(dir, features);
        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--config", config);
        Assert.True(compile.ExitCode == 0, compile.ToString());

        var x = TestTensors.Random([1, 4, 8, 8], seed: 1);
        NpyFile.Write(dir.File("x.npy"), x);
        var run = HostProcess.Run("run", dir.File("m.wasm"), "--input", "x=" + dir.File("x.npy"), "--output-dir", dir.File("out"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = OnnxRuntimeOracle.Run(bytes, new Dictionary<string, TensorData> { ["x"] = x });
        TensorAssert.Close(expected["y"], NpyFile.Read(dir.File("out/y.npy")), 1e-4, $"features '{features}'");
    }

    [Theory]
    [InlineData("+simd12", "'simd12' is not a WebAssembly feature LLVM knows; did you mean '+simd128'?")]
    [InlineData("+simd128,+relaxed-simd,-simd128", "'simd128' is listed twice")]
    [InlineData("+relaxed-simd,-simd128", "relaxed-simd is enabled but simd128, which it extends, is disabled")]
    [InlineData("simd128", "must start with '+' or '-'")]
    public void ABadFeatureStringIsRefusedBeforeTheModelIsRead(string features, string message)
    {
        using var dir = TestPaths.NewTempDirectory();
        // Not an ONNX file at all: the options are refused first, so the model is never opened.
        File.WriteAllText(dir.File("m.onnx"), "not a model");
        var result = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--config", WriteFeatures(dir, features));
        Assert.True(result.ExitCode == 2, result.ToString());
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("Pipeline:Backend:Features", error);
        Assert.Contains(message, error);
        Assert.DoesNotContain("LLVM ERROR", result.All);
        Assert.False(File.Exists(dir.File("m.wasm")));
    }

    [Fact]
    public void AModelWhoseValuesTogetherPassWasm32MemoryIsRefusedBeforeCodegen()
    {
        // 1 GiB in, 1 GiB out: each value fits, the two live at once and the stack do not.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 256, 1024, 1024)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float32);
        AssertRefusedQuickly(model, "needs 2 GiB (2,147,549,184 B) of linear memory (weights 0 B + arena 2 GiB (2,147,483,648 B) + stack 64 KiB (65,536 B))");
    }

    [Fact]
    public void AModelWithOneValuePastWasm32MemoryIsRefusedBeforeMemoryPlanning()
    {
        // 2^31 elements, the frontend's limit per value, are 8 GiB of float32: the input alone cannot fit, whatever the plan.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 1024, 1024, 1024)
            .Node("Relu", ["x"], ["y"])
            .Output("y", DataType.Float32);
        AssertRefusedQuickly(model, "value 'x' (float32[2,1024,1024,1024]) alone needs 8 GiB (8,589,934,592 B)");
    }

    private static void AssertRefusedQuickly(OnnxModelBuilder model, string need)
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("big.onnx"), model.ToBytes());
        var clock = Stopwatch.StartNew();
        var result = HostProcess.Run("compile", dir.File("big.onnx"), "-o", dir.File("big.wasm"));
        Assert.True(result.ExitCode == 2, result.ToString());
        var expected = $"error: {dir.File("big.onnx")}: {need} but a wasm32 module's data is limited to 2 GiB "
                     + "(object files address it with signed 32-bit offsets); use a smaller --input-shape";
        Assert.True(result.StdErr.Contains(expected, StringComparison.Ordinal), result.ToString());
        Assert.DoesNotContain("LLVM ERROR", result.All);
        // Before: LLVM wrote the zeroed arena into the object file (9 GB for MiniLM at 160×512) and then aborted.
        Assert.True(result.PeakRssMiB < 400, $"peak RSS {result.PeakRssMiB:F0} MiB\n{result}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.False(File.Exists(dir.File("big.wasm")));
    }

    private static string WriteFeatures(TempDirectory dir, string features)
    {
        var path = dir.File("features.json");
        File.WriteAllText(path, $$"""{ "Pipeline": { "Backend": { "Features": "{{features}}" } } }""");
        return path;
    }
}
