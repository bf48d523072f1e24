using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// A model ending in NonMaxSuppression through the CLI: <c>inspect</c> shows the output's bound with the dynamic
/// axis marked, and <c>run</c> writes the selection trimmed to the rows the module reports (docs/abi.md).
/// </summary>
public sealed class BoundedOutputCliTests
{
    [Fact]
    public void InspectShowsTheBoundAndRunWritesTheTrimmedSelection()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = new OnnxModelBuilder().Opset(11)
            .Input("boxes", DataType.Float32, 1, 3, 4)
            .Input("scores", DataType.Float32, 1, 2, 3)
            .Initializer("max", TensorData.FromInt64s(new Shape(1), [3]))
            .Initializer("iou", TensorData.FromFloats(new Shape(1), [0.5f]))
            .Node("NonMaxSuppression", ["boxes", "scores", "max", "iou"], ["selected"])
            .Output("selected", DataType.Int64);
        File.WriteAllBytes(dir.File("nms.onnx"), model.ToBytes());
        var compile = HostProcess.Run("compile", dir.File("nms.onnx"), "-o", dir.File("nms.wasm"));
        Assert.True(compile.ExitCode == 0, compile.ToString());

        var inspect = HostProcess.Run("inspect", dir.File("nms.wasm"));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("[≤6,3]", inspect.StdOut);

        // Boxes 0 and 1 overlap (IoU 0.82): class 0 keeps box 0 (higher score) and box 2; class 1 ranks box 2, then box 1,
        // and drops box 0 for its overlap with box 1. Rows are (batch, class, box), 4 of the bound 6.
        NpyFile.Write(dir.File("boxes.npy"), TensorData.FromFloats(new Shape(1, 3, 4), [0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 5, 5, 6, 6]));
        NpyFile.Write(dir.File("scores.npy"), TensorData.FromFloats(new Shape(1, 2, 3), [0.9f, 0.8f, 0.1f, 0.2f, 0.3f, 0.4f]));
        var run = HostProcess.Run("run", dir.File("nms.wasm"), "--input", "boxes=" + dir.File("boxes.npy"),
                                  "--input", "scores=" + dir.File("scores.npy"), "--output-dir", dir.File("out"));
        Assert.True(run.ExitCode == 0, run.ToString());

        var selected = NpyFile.Read(dir.File("out/selected.npy"));
        Assert.Equal(new TensorType(DataType.Int64, new Shape(4, 3)), selected.Type);
        Assert.Equal([0L, 0, 0, 0, 0, 2, 0, 1, 2, 0, 1, 1], selected.ToInt64Array());
    }
}
