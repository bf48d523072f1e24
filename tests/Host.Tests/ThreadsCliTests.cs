using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Issue 15: <c>compile --threads N|max</c> and <c>run --threads K</c> through the public CLI. A threaded module runs
/// with 1 and 2 workers and matches ONNX Runtime; asking for more workers than the module was compiled for, or any for
/// a module without threads, and a bad --threads value are exit 2 with one line naming the file and the limit.
/// </summary>
public sealed class ThreadsCliTests
{
    private static OnnxModelBuilder Model() => new OnnxModelBuilder().Opset(13)
        .Input("x", DataType.Float32, 1, 4, 12, 12)
        .Initializer("w", TestTensors.Random([8, 4, 3, 3], seed: 2))
        .Node("Conv", ["x", "w"], ["c"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1))
        .Node("Relu", ["c"], ["y"])
        .Output("y", DataType.Float32);

    [Fact]
    public void AThreadedModuleRunsOnOneAndTwoWorkersAndRefusesMore()
    {
        using var dir = TestPaths.NewTempDirectory();
        var bytes = Model().ToBytes();
        File.WriteAllBytes(dir.File("m.onnx"), bytes);
        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--threads", "2");
        Assert.True(compile.ExitCode == 0, compile.ToString());
        var x = TestTensors.Random([1, 4, 12, 12], seed: 1);
        NpyFile.Write(dir.File("x.npy"), x);
        var expected = OnnxRuntimeOracle.Run(bytes, new Dictionary<string, TensorData> { ["x"] = x });
        foreach (var workers in new[] { "1", "2" })
        {
            var run = HostProcess.Run("run", dir.File("m.wasm"), "--input", "x=" + dir.File("x.npy"), "--threads", workers, "--output-dir", dir.File("out" + workers));
            Assert.True(run.ExitCode == 0, run.ToString());
            TensorAssert.Close(expected["y"], NpyFile.Read(dir.File($"out{workers}/y.npy")), 1e-4, $"{workers} workers");
        }

        var inspect = HostProcess.Run("inspect", dir.File("m.wasm"));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("up to 2 workers; 1 of 1 kernels split", inspect.StdOut);

        var over = HostProcess.Run("run", dir.File("m.wasm"), "--input", "x=" + dir.File("x.npy"), "--threads", "3");
        Assert.True(over.ExitCode == 2, over.ToString());
        Assert.Contains("run --threads 3, but the module was compiled for at most 2 workers (compile --threads)", over.StdErr);
        Assert.Contains("m.wasm", over.StdErr);
    }

    [Fact]
    public void WorkersForAModuleWithoutThreadsAreRefused()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), Model().ToBytes());
        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"));
        Assert.True(compile.ExitCode == 0, compile.ToString());
        NpyFile.Write(dir.File("x.npy"), TestTensors.Random([1, 4, 12, 12], seed: 1));
        var run = HostProcess.Run("run", dir.File("m.wasm"), "--input", "x=" + dir.File("x.npy"), "--threads", "2");
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("run --threads 2, but the module was compiled without threads", run.StdErr);
    }

    [Fact]
    public void ThreadsWithARunTimeRangeAreRefused()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = new OnnxModelBuilder().Opset(13).SymbolicInput("x", DataType.Float32, "1", "seq", "8")
            .Node("Relu", ["x"], ["y"]).Output("y", DataType.Float32);
        File.WriteAllBytes(dir.File("m.onnx"), model.ToBytes());
        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--input-shape", "x=1,1..16,8", "--threads", "2");
        Assert.True(compile.ExitCode == 2, compile.ToString());
        Assert.Contains("--threads cannot be combined with a run-time range", compile.StdErr);
        Assert.Contains("m.onnx", compile.StdErr);
        Assert.False(File.Exists(dir.File("m.wasm")));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("many")]
    public void ABadCompileThreadsValueIsRefused(string value)
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(dir.File("m.onnx"), "not a model"); // refused before the model is read
        var result = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--threads", value);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"--threads '{value}': expected a worker count from 1 to 64, or 'max' (16)", result.StdErr);
        Assert.False(File.Exists(dir.File("m.wasm")));
    }
}
