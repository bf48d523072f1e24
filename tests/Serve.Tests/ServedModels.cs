using System.Diagnostics;
using WasmGraph.Abstractions.Ir;

namespace WasmGraph.Serve.Tests;

/// <summary>
/// Compiles two models through the CLI, as a user would, and serves both from one server with two instances each:
/// "tiny" (an FP32 [2,3] input through MatMul + Add + Relu, and an INT64 [2] input gathering rows of a table) and the
/// real ResNet18 featurizer (<c>.cache/data/resnet18/ResNet18.onnx</c>).
/// </summary>
public sealed class ServedModels : IDisposable
{
    public ServedModels()
    {
        Assert.True(File.Exists(ResNet18Onnx), $"{ResNet18Onnx} is missing: run ./wasmgraph fetch");
        File.WriteAllBytes(TinyOnnx, TinyModel());
        Compile(TinyOnnx, Directory.File("tiny.wasm"));
        Compile(ResNet18Onnx, Directory.File("resnet18.wasm"));
        Server = ServerProcess.Start([Directory.File("tiny.wasm"), Directory.File("resnet18.wasm"), "--instances", "2"]);
    }

    public static string ResNet18Onnx => Path.Combine(TestFiles.RepoRoot, ".cache", "data", "resnet18", "ResNet18.onnx");

    public TempDirectory Directory { get; } = new();

    public string TinyOnnx => Directory.File("tiny.onnx");

    public ServerProcess Server { get; }

    public void Dispose()
    {
        Server.Dispose();
        Directory.Dispose();
    }

    private static byte[] TinyModel()
    {
        var random = new Random(7);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        return new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3)
            .Input("ids", DataType.Int64, 2)
            .Initializer("w", TensorData.FromFloats(new Shape(3, 4), Values(12)))
            .Initializer("b", TensorData.FromFloats(new Shape(4), Values(4)))
            .Initializer("table", TensorData.FromFloats(new Shape(5, 3), Values(15)))
            .Node("MatMul", ["x", "w"], ["xw"])
            .Node("Add", ["xw", "b"], ["xwb"])
            .Node("Relu", ["xwb"], ["y"])
            .Node("Gather", ["table", "ids"], ["rows"])
            .Output("y", DataType.Float32, 2, 4)
            .Output("rows", DataType.Float32, 2, 3)
            .ToBytes();
    }

    private static void Compile(string model, string output)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { ServerProcess.HostDll, "compile", model, "-o", output })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"compiling {model} took over 5 minutes");
        Assert.True(process.ExitCode == 0, $"compiling {model} failed:\n{stdout.Result}\n{stderr.Result}");
    }
}
