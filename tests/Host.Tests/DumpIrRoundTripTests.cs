using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// What <c>compile --dump-ir all</c> prints is the IR text format: every stage's graph parses back and prints to the
/// same text. The model is a residual block small enough (no tensor over 16 elements) that nothing is elided, and it
/// gives each pass something to do: BatchNorm to fold, a residual Add and a Relu to fuse, channels to block (the
/// pipeline names convert-conv-layout, which the default one leaves out), an elementwise chain to fuse, a plan to make.
/// </summary>
public sealed class DumpIrRoundTripTests
{
    [Fact]
    public void EveryStageOfDumpIrAllParsesBackToTheSameText()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = dir.File("block.onnx");
        var channel = TensorData.FromFloats(new Shape(4), [1, 2, 3, 4]);
        new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 2, 2)
            .Initializer("w", TensorData.FromFloats(new Shape(4, 4, 1, 1), Enumerable.Range(0, 16).Select(i => i / 8f).ToArray()))
            .Initializer("gamma", channel).Initializer("beta", channel).Initializer("mean", channel).Initializer("var", channel)
            .Initializer("half", TensorData.FromFloats(Shape.Scalar, [0.5f]))
            .Node("Conv", ["x", "w"], ["c"])
            .Node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"])
            .Node("Add", ["n", "x"], ["r"])
            .Node("Relu", ["r"], ["a"])
            .Node("Mul", ["a", "half"], ["m"])
            .Node("Tanh", ["m"], ["y"])
            .Output("y", DataType.Float32, 1, 4, 2, 2)
            .Save(model);

        const string passes = "fold-constants,fold-batchnorm,fuse-residual,fuse-activation,convert-conv-layout,fuse-elementwise,eliminate-dead-code,plan-memory";

        var result = HostProcess.Run("compile", model, "-o", dir.File("block.wasm"), "--passes", passes, "--dump-ir", "all");

        Assert.True(result.ExitCode == 0, result.ToString());
        var stages = Stages(result.StdOut);
        Assert.Equal(["frontend", .. passes.Split(',')], stages.Keys);
        foreach (var (stage, text) in stages)
        {
            var graph = GraphText.Parse(text);
            Assert.True(text == graph.Print(), $"after {stage}, the dump and the print of its parse differ:\n{text}\n---\n{graph.Print()}");
        }
        Assert.Contains("FusedConv(", stages["fuse-residual"]);
        Assert.Contains("ConvBlocked(", stages["convert-conv-layout"]);
        Assert.Contains("FusedElementwise(", stages["fuse-elementwise"]);
        Assert.Contains("memory: arena", stages["plan-memory"]);
    }

    /// <summary>The graph text after each "// IR after STAGE: …" line, up to its closing brace.</summary>
    private static Dictionary<string, string> Stages(string stdout)
    {
        var stages = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = stdout.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("// IR after ", StringComparison.Ordinal))
            {
                continue;
            }
            var stage = lines[i]["// IR after ".Length..lines[i].IndexOf(':', StringComparison.Ordinal)];
            int end = Array.IndexOf(lines, "}", i);
            stages[stage] = string.Join('\n', lines[(i + 1)..(end + 1)]) + "\n";
        }
        return stages;
    }
}
