using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Web.Tests;

/// <summary>
/// Bounded dynamic inputs in web/wasmgraph.js (docs/abi.md; <c>compile --input-shape x=2,1..8</c>): the node:test suite
/// web/test/dynamic-inputs.test.mjs on the hand-written fixture and on a module the CLI compiled from the same graph,
/// and the .npy path of wasmgraph-run at a length below the bound, compared with ONNX Runtime.
/// The module under test comes from one function (<see cref="FixtureModule"/> or <see cref="CompiledModule"/>).
/// </summary>
public sealed class DynamicInputLoaderTests
{
    /// <summary>What compile --help shows once bounded dims exist: a range such as <c>1..128</c> or <c>lo..hi</c>.</summary>
    private const string BoundedDimsHelp = @"(?<!\.)\w\.\.\w(?!\.)";

    private readonly ITestOutputHelper _log;

    public DynamicInputLoaderTests(ITestOutputHelper log) => _log = log;

    /// <summary>
    /// y = Softmax(x, axis 1) · mask with x and mask float32[2, sequence]: attention's softmax over a run-time length,
    /// the function of web/test/fixtures/dynamic-softmax.wat, both inputs sharing the dim_param <c>sequence</c>.
    /// </summary>
    public static byte[] Graph() => new OnnxModelBuilder().Opset(13)
        .SymbolicInput("x", DataType.Float32, "2", "sequence")
        .SymbolicInput("mask", DataType.Float32, "2", "sequence")
        .Node("Softmax", ["x"], ["p"], OnnxAttr.Int("axis", 1))
        .Node("Mul", ["p", "mask"], ["y"])
        .Output("y", DataType.Float32)
        .ToBytes();

    /// <summary>The hand-written module of <see cref="Graph"/>.</summary>
    private static string FixtureModule(TempDirectory dir) => WebTools.Fixture("dynamic-softmax", dir.File("fixture.wasm"));

    /// <summary>The CLI's module of <see cref="Graph"/>, sequence bounded to 1..8; null (and why, in the log) when the CLI cannot yet.</summary>
    private string? CompiledModule(TempDirectory dir)
    {
        if (WebTools.MissingCompileFeature(BoundedDimsHelp, "bounded dynamic dims (--input-shape NAME=2,1..8)") is { } why)
        {
            _log.WriteLine(why);
            return null;
        }
        File.WriteAllBytes(dir.File("m.onnx"), Graph());
        var (exit, stdout, stderr) = WebTools.Cli("compile", dir.File("m.onnx"), "-o", dir.File("m.wasm"), "--input-shape", "x=2,1..8", "--input-shape", "mask=2,1..8");
        Assert.True(exit == 0, $"compile exited {exit}\n{stdout}\n{stderr}");
        return dir.File("m.wasm");
    }

    [Fact]
    public void TheLoaderRunsTheBoundedInputFixtureAtEveryLengthAndRefusesShapesOutsideItsBounds()
    {
        _log.WriteLine(WebTools.NodeTest("dynamic-inputs.test.mjs"));
    }

    [Fact]
    public void AModuleCompiledWithABoundedSequencePassesTheSameLoaderTests()
    {
        using var dir = new TempDirectory();
        if (CompiledModule(dir) is not { } module)
        {
            return;
        }
        _log.WriteLine(WebTools.NodeTest("dynamic-inputs.test.mjs", new Dictionary<string, string> { ["WASMGRAPH_TEST_MODULE"] = module }));
    }

    [Fact]
    public void TheFixtureRunFromNpyAtLengthFiveMatchesOnnxRuntime() => RunsFromNpyLikeOnnxRuntime(dir => FixtureModule(dir));

    [Fact]
    public void TheCompiledModuleRunFromNpyAtLengthFiveMatchesOnnxRuntime() => RunsFromNpyLikeOnnxRuntime(CompiledModule);

    [Fact]
    public void TheFixtureRunsInChromiumAtLengthsOneThreeAndEightAsOnnxRuntimeDoes() => RunsInChromiumLikeOnnxRuntime(dir => FixtureModule(dir));

    [Fact]
    public void TheCompiledModuleRunsInChromiumAtLengthsOneThreeAndEightAsOnnxRuntimeDoes() => RunsInChromiumLikeOnnxRuntime(CompiledModule);

    /// <summary>
    /// web/test/dynamic.html in headless Chromium runs the module at lengths 1, 3 and 8 of its bound 8; each output has
    /// the length's shape and is within 1e-5 × max|ONNX Runtime| (a float32 softmax over at most 8 terms).
    /// </summary>
    private void RunsInChromiumLikeOnnxRuntime(Func<TempDirectory, string?> moduleOf)
    {
        using var dir = new TempDirectory();
        if (moduleOf(dir) is not { } module)
        {
            return;
        }
        var x = TestTensors.Random([2, 8], seed: 31).ToFloatArray();
        var mask = TestTensors.Random([2, 8], seed: 32).ToFloatArray();
        File.WriteAllBytes(dir.File("input.bin"), NodeRunner.Floats([.. x, .. mask]));

        var result = WebTools.RunPage(dir.Path, "/test/dynamic.html?model=/m.wasm&input=/input.bin&lengths=1,3,8",
                                      new Dictionary<string, string> { ["/m.wasm"] = module, ["/input.bin"] = dir.File("input.bin") });

        var runs = result.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([1, 3, 8], runs.Select(r => r.GetProperty("length").GetInt32()));
        foreach (var run in runs)
        {
            int n = run.GetProperty("length").GetInt32();
            var inputs = new Dictionary<string, TensorData>
            {
                ["x"] = TensorData.FromFloats(new Shape(2, n), x.AsSpan(0, 2 * n)),
                ["mask"] = TensorData.FromFloats(new Shape(2, n), mask.AsSpan(0, 2 * n)),
            };
            var expected = OnnxRuntimeOracle.Run(Graph(), inputs);
            var output = run.GetProperty("outputs").GetProperty("y");
            var shape = new Shape(output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
            Assert.Equal(expected["y"].Type.Shape, shape);
            var actual = TensorData.FromFloats(shape, output.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
            TensorAssert.Close(expected["y"], actual, 1e-5, $"y at length {n} of 8: Chromium vs ONNX Runtime");
        }
        _log.WriteLine($"Chromium {result.GetProperty("browser")}: lengths 1, 3, 8 match ONNX Runtime");
    }

    /// <summary>
    /// wasmgraph-run with x and mask of shape [2,5] as .npy files (bound 8): y comes back [2,5], within
    /// 1e-5 × max|ONNX Runtime| (a float32 softmax over 5 terms), and a [2,9] file is refused naming the file and the bounds.
    /// </summary>
    private void RunsFromNpyLikeOnnxRuntime(Func<TempDirectory, string?> moduleOf)
    {
        using var dir = new TempDirectory();
        if (moduleOf(dir) is not { } module)
        {
            return;
        }
        var x = TestTensors.Random([2, 5], seed: 5);
        var mask = TensorData.FromFloats(new Shape(2, 5), [1, 1, 0, 1, 1, 1, 0, 1, 1, 1]);
        NpyFile.Write(dir.File("x.npy"), x);
        NpyFile.Write(dir.File("mask.npy"), mask);
        var run = NodeRunner.Run([module, "--input", "x=" + dir.File("x.npy"), "--input", "mask=" + dir.File("mask.npy"), "--output-dir", dir.File("out")]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var expected = OnnxRuntimeOracle.Run(Graph(), new Dictionary<string, TensorData> { ["x"] = x, ["mask"] = mask });
        var y = NpyFile.Read(dir.File(Path.Combine("out", "y.npy")));
        Assert.Equal(expected["y"].Type.Shape, y.Type.Shape);
        TensorAssert.Close(expected["y"], y, 1e-5, "y at length 5 of 8: wasmgraph-run vs ONNX Runtime");

        NpyFile.Write(dir.File("long.npy"), TestTensors.Random([2, 9], seed: 6));
        var refused = NodeRunner.Run([module, "--input", "x=" + dir.File("long.npy"), "--input", "mask=" + dir.File("mask.npy")]);
        NodeRunner.AssertUserError(refused, $"{dir.File("long.npy")}: shape [2,9] is outside [2,1..8]");
    }
}
