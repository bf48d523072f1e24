using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Bounded dynamic inputs through the CLI (<c>compile --input-shape x=1,1..16</c>, docs/abi.md): one module runs every
/// length of a small attention block with each rule of the analysis on its path (Softmax and MatMul along the
/// run-time axis, a LayerNormalization and a ReduceMean beside it, an exporter's Shape → Gather → Concat → Reshape, a
/// Transpose, a position table Slice'd to the length, a Gather of token 0), against ONNX Runtime at each length; what
/// cannot follow the length is refused at compile time, and a shape outside the range at run time.
/// </summary>
public sealed class RunTimeExtentCliTests(ITestOutputHelper log)
{
    private const int Bound = 16;
    private const int Width = 8;

    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-4 × max |ORT| per output.</summary>
    private const double Tolerance = 1e-4;

    private static TensorData Weights(int seed, params long[] dims)
    {
        var random = new Random(seed);
        var shape = new Shape(dims);
        return TensorData.FromFloats(shape, Enumerable.Range(0, (int)shape.ElementCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
    }

    /// <summary>x [1, seq, 8] and mask [1, seq] (one dim_param) through a one-head attention block and its companions.</summary>
    private static OnnxModelBuilder Attention()
        => new OnnxModelBuilder().Opset(17)
            .SymbolicInput("x", DataType.Float32, "1", "seq", $"{Width}")
            .SymbolicInput("mask", DataType.Float32, "1", "seq")
            .Initializer("wq", Weights(1, Width, Width)).Initializer("wk", Weights(2, Width, Width)).Initializer("wv", Weights(3, Width, Width))
            .Initializer("positions", Weights(4, 64, Width))
            .Initializer("zero", TensorData.FromInt64s(new Shape(1), [0]))
            .Initializer("one", TensorData.FromInt64s(new Shape(1), [1]))
            .Initializer("two", TensorData.FromInt64s(new Shape(1), [2]))
            .Initializer("heads", TensorData.FromInt64s(new Shape(2), [2, Width / 2]))
            .Initializer("unit", TensorData.FromFloats(Shape.Scalar, [1f]))
            .Initializer("big", TensorData.FromFloats(Shape.Scalar, [-10000f]))
            .Initializer("scale", Weights(5, Width)).Initializer("bias", Weights(6, Width))
            .Initializer("first", TensorData.FromInt64s(Shape.Scalar, [0]))
            // Position embeddings: the table cut to the length read from Shape(x), as BERT exports do.
            .Node("Shape", ["x"], ["shape_x"])
            .Node("Gather", ["shape_x", "one"], ["length"], OnnxAttr.Int("axis", 0))
            .Node("Slice", ["positions", "zero", "length", "zero"], ["position_rows"])
            .Node("Add", ["x", "position_rows"], ["xp"])
            .Node("MatMul", ["xp", "wq"], ["q"]).Node("MatMul", ["xp", "wk"], ["k"]).Node("MatMul", ["xp", "wv"], ["v"])
            .Node("Transpose", ["k"], ["kt"], OnnxAttr.Ints("perm", 0, 2, 1))
            .Node("MatMul", ["q", "kt"], ["scores"])
            .Node("Unsqueeze", ["mask", "one"], ["mask3"])
            .Node("Sub", ["unit", "mask3"], ["masked"]).Node("Mul", ["masked", "big"], ["penalty"])
            .Node("Add", ["scores", "penalty"], ["biased"])
            .Node("Softmax", ["biased"], ["probabilities"], OnnxAttr.Int("axis", -1))
            .Node("MatMul", ["probabilities", "v"], ["context"])
            // Heads: [1, S, 8] → [1, S, 2, 4] with a shape computed from Shape(context), then [1, 2, S, 4].
            .Node("Shape", ["context"], ["shape_c"])
            .Node("Slice", ["shape_c", "zero", "two", "zero"], ["batch_seq"])
            .Node("Concat", ["batch_seq", "heads"], ["split"], OnnxAttr.Int("axis", 0))
            .Node("Reshape", ["context", "split"], ["split_context"])
            .Node("Transpose", ["split_context"], ["per_head"], OnnxAttr.Ints("perm", 0, 2, 1, 3))
            .Node("LayerNormalization", ["context", "scale", "bias"], ["normed"], OnnxAttr.Int("axis", -1))
            .Node("ReduceMean", ["context"], ["row_mean"], OnnxAttr.Ints("axes", 2), OnnxAttr.Int("keepdims", 1))
            .Node("Gather", ["normed", "first"], ["pooled"], OnnxAttr.Int("axis", 1))
            .Output("per_head", DataType.Float32).Output("normed", DataType.Float32).Output("row_mean", DataType.Float32).Output("pooled", DataType.Float32);

    private static Dictionary<string, TensorData> InputsAt(int length)
    {
        var mask = Enumerable.Range(0, length).Select(i => i == length - 1 && length > 2 ? 0f : 1f).ToArray(); // one masked key
        return new Dictionary<string, TensorData>
        {
            ["x"] = Weights(100 + length, 1, length, Width),
            ["mask"] = TensorData.FromFloats(new Shape(1, length), mask),
        };
    }

    private static HostResult Run(TempDirectory dir, string module, IReadOnlyDictionary<string, TensorData> inputs, string outputs)
    {
        var args = new List<string> { "run", module, "--output-dir", dir.File(outputs) };
        foreach (var (name, tensor) in inputs)
        {
            var file = dir.File($"{outputs}-{name}.npy");
            NpyFile.Write(file, tensor);
            args.AddRange(["--input", $"{name}={file}"]);
        }
        return HostProcess.Run([.. args]);
    }

    [Fact]
    public void OneModuleRunsEveryLengthLikeOnnxRuntimeAndRefusesShapesOutsideItsRange()
    {
        using var dir = TestPaths.NewTempDirectory();
        var onnx = Attention().ToBytes();
        File.WriteAllBytes(dir.File("attention.onnx"), onnx);
        var compile = HostProcess.Run("compile", dir.File("attention.onnx"), "-o", dir.File("attention.wasm"), "--input-shape", $"x=1,1..{Bound},{Width}");
        Assert.True(compile.ExitCode == 0, compile.ToString());

        var inspect = HostProcess.Run("inspect", dir.File("attention.wasm"));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains($"[1,1..{Bound},{Width}]", inspect.StdOut); // x
        Assert.Contains($"[1,1..{Bound}]", inspect.StdOut);          // mask, through the shared dim_param

        foreach (int length in new[] { 1, 5, Bound })
        {
            var inputs = InputsAt(length);
            var run = Run(dir, dir.File("attention.wasm"), inputs, $"out{length}");
            Assert.True(run.ExitCode == 0, run.ToString());
            var expected = OnnxRuntimeOracle.Run(onnx, inputs);
            foreach (var (name, reference) in expected)
            {
                var actual = NpyFile.Read(dir.File($"out{length}/{name}.npy"));
                Assert.Equal(reference.Type, actual.Type);
                var (want, got) = (reference.ToFloatArray(), actual.ToFloatArray());
                double scale = Math.Max(want.Max(v => Math.Abs((double)v)), 1e-6);
                double worst = want.Zip(got, (a, b) => Math.Abs((double)a - b)).DefaultIfEmpty(0).Max();
                log.WriteLine($"length {length}, {name} {actual.Type}: max |diff| {worst:E2}, max |ref| {scale:E2}");
                Assert.True(worst <= Tolerance * scale, $"length {length}, output {name}: max |diff| {worst} > {Tolerance} × {scale}");
            }
        }

        var tooLong = Run(dir, dir.File("attention.wasm"), InputsAt(Bound + 1), "long");
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains($"input 'x': shape [1,{Bound + 1},{Width}] is outside [1,1..{Bound},{Width}]", tooLong.StdErr);

        var disagree = new Dictionary<string, TensorData> { ["x"] = InputsAt(5)["x"], ["mask"] = InputsAt(4)["mask"] };
        var mismatch = Run(dir, dir.File("attention.wasm"), disagree, "mismatch");
        Assert.Equal(2, mismatch.ExitCode);
        Assert.Contains("share one run-time length, but have 5 and 4", mismatch.StdErr);
    }

    /// <summary>What cannot follow the run-time length is refused at compile time, naming the node and op and the flag that pins it.</summary>
    [Theory]
    [InlineData("ReduceSum", "reduced axis")]
    [InlineData("Merge", "is not the length itself")]
    [InlineData("LengthAsValue", "computed from the length")]
    [InlineData("LayerNormAlong", "normalised axis")]
    public void AnOpThatCannotFollowTheLengthIsRefusedAtCompileTime(string pattern, string reason)
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = new OnnxModelBuilder().Opset(17).SymbolicInput("x", DataType.Float32, "1", "seq", $"{Width}")
            .Initializer("axes", TensorData.FromInt64s(new Shape(1), [1]))
            .Initializer("flat", TensorData.FromInt64s(new Shape(2), [1, -1]))
            .Initializer("one", TensorData.FromInt64s(Shape.Scalar, [1]));
        model = pattern switch
        {
            "ReduceSum" => model.NamedNode("total", "ReduceSum", ["x", "axes"], ["y"]),
            "Merge" => model.NamedNode("flatten", "Reshape", ["x", "flat"], ["y"]),
            "LengthAsValue" => model.Node("Shape", ["x"], ["shape"]).Node("Gather", ["shape", "one"], ["n"], OnnxAttr.Int("axis", 0))
                                    .Node("Cast", ["n"], ["nf"], OnnxAttr.Int("to", 1)).NamedNode("average", "Div", ["x", "nf"], ["y"]),
            _ => model.Initializer("gamma", Weights(7, 1))
                      .NamedNode("norm", "LayerNormalization", ["x", "gamma"], ["y"], OnnxAttr.Int("axis", 1)),
        };
        File.WriteAllBytes(dir.File("m.onnx"), model.Output("y", DataType.Float32).ToBytes());
        var compile = HostProcess.Run("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--input-shape", $"x=1,1..{Bound},{Width}");
        Assert.True(compile.ExitCode == 2, compile.ToString());
        Assert.Contains(reason, compile.StdErr);
        Assert.Contains($"--input-shape x=1,{Bound},{Width}", compile.StdErr);
        Assert.False(File.Exists(dir.File("m.wasm")));
    }

    [Fact]
    public void InspectOfAnOnnxModelNamesItsDynamicAxesAndCompileSaysWhichFlagToUse()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllBytes(dir.File("attention.onnx"), Attention().ToBytes());
        var inspect = HostProcess.Run("inspect", dir.File("attention.onnx"));
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Contains("seq (x[1], mask[1])", inspect.StdOut);

        var compile = HostProcess.Run("compile", dir.File("attention.onnx"), "-o", dir.File("a.wasm"));
        Assert.Equal(2, compile.ExitCode);
        Assert.Contains("--input-shape x=1,1..N,8", compile.StdErr);
    }

    [Fact]
    public void TwoDifferentRangesAreRefused()
    {
        using var dir = TestPaths.NewTempDirectory();
        var model = new OnnxModelBuilder().Opset(13)
            .SymbolicInput("x", DataType.Float32, "1", "a").SymbolicInput("y", DataType.Float32, "b", "3")
            .Node("Relu", ["x"], ["rx"]).Node("Relu", ["y"], ["ry"])
            .Output("rx", DataType.Float32).Output("ry", DataType.Float32);
        File.WriteAllBytes(dir.File("two.onnx"), model.ToBytes());
        var compile = HostProcess.Run("compile", dir.File("two.onnx"), "-o", dir.File("two.wasm"), "--input-shape", "x=1,1..16", "--input-shape", "y=1..4,3");
        Assert.Equal(2, compile.ExitCode);
        Assert.Contains("two run-time ranges (1..16 and 1..4", compile.StdErr);
    }
}
