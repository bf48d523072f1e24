using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Web.Tests;

/// <summary>web/wasmgraph.js in Node runs the very module Wasmtime runs and gets the same numbers.</summary>
public sealed class NodeLoaderTests
{
    private readonly ITestOutputHelper _log;

    public NodeLoaderTests(ITestOutputHelper log) => _log = log;

    /// <summary>
    /// Compiles <paramref name="onnx"/> (input x, output y), runs it on <paramref name="input"/> in Wasmtime and through
    /// the Node example, and returns both results with the example's stdout.
    /// </summary>
    private (TensorData Expected, TensorData Actual, string StdOut) RunInWasmtimeAndNode(byte[] onnx, TensorData input)
    {
        using var dir = new TempDirectory();
        var module = WasmPipeline.Compile(WasmPipeline.Import(onnx)).Bytes;
        File.WriteAllBytes(dir.File("model.wasm"), module);
        NpyFile.Write(dir.File("x.npy"), input);

        using var session = new WasmtimeRuntime().Load(module, new RuntimeOptions());
        var expected = session.Run(new Dictionary<string, TensorData> { ["x"] = input })["y"];
        var stdout = WebTools.Node(120, Path.Combine(WebTools.Web, "examples", "node-run.mjs"), dir.File("model.wasm"),
                                   "--input", "x=" + dir.File("x.npy"), "--output-dir", dir.File("out"));
        _log.WriteLine(stdout);
        return (expected, NpyFile.Read(dir.File("out/y.npy")), stdout);
    }

    [Fact]
    public void TheNodeExampleMatchesWasmtimeOnTheSameModuleAndInput()
    {
        var (onnx, shape) = WebTools.SmallConvNet();

        var (expected, actual, stdout) = RunInWasmtimeAndNode(onnx, TestTensors.Random(shape, seed: 7));

        Assert.Equal(expected.Type, actual.Type);
        TensorAssert.Close(expected, actual, 1e-3, "Node vs Wasmtime, same module, same input");
        Assert.Contains("y\tfloat32\t[1,4,32,32]", stdout);
    }

    /// <summary>
    /// NonZero's output is bounded by [2, 6] with axis 1 dynamic (docs/abi.md): the loader trims it to the dims the
    /// module reports, a strided slice since the axis is not the first, and an empty result comes out as [2, 0].
    /// </summary>
    [Theory]
    [InlineData(new float[] { 0, 1.5f, 0, -2, 0, 3 }, "[2,3]")]
    [InlineData(new float[] { 0, 0, 0, 0, 0, 0 }, "[2,0]")]
    public void TheNodeExampleTrimsABoundedOutputAsWasmtimeDoes(float[] values, string shape)
    {
        var onnx = new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, 2, 3).Node("NonZero", ["x"], ["y"]).Output("y", DataType.Int64).ToBytes();

        var (expected, actual, stdout) = RunInWasmtimeAndNode(onnx, TensorData.FromFloats(new Shape(2, 3), values));

        Assert.Equal(expected.Type, actual.Type);
        TensorAssert.Exact(expected, actual, "Node vs Wasmtime, trimmed NonZero coordinates");
        Assert.Contains($"y\tint64\t{shape}", stdout);
    }

    [Fact]
    public void TheLoaderReadsTheMetadataSectionFromTheBytes()
    {
        using var dir = new TempDirectory();
        var (onnx, _) = WebTools.SmallConvNet();
        File.WriteAllBytes(dir.File("model.wasm"), WasmPipeline.Compile(WasmPipeline.Import(onnx)).Bytes);
        var script = dir.File("meta.mjs");
        File.WriteAllText(script, $$"""
            import { readFile } from 'node:fs/promises';
            import { readMetadata, customSections } from '{{new Uri(Path.Combine(WebTools.Web, "wasmgraph.js")).AbsoluteUri}}';
            const bytes = await readFile(process.argv[2]);
            const meta = readMetadata(bytes);
            console.log(JSON.stringify({ sections: [...customSections(bytes).keys()], inputs: meta.inputs, outputs: meta.outputs }));
            """);
        var stdout = WebTools.Node(60, script, dir.File("model.wasm"));
        Assert.Contains("\"wasmgraph.meta\"", stdout);
        Assert.Contains("{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[1,3,32,32],\"bytes\":12288}", stdout);
        Assert.Contains("\"name\":\"y\"", stdout);
    }

    [Fact]
    public void TheNodeExampleRejectsAnInputOfTheWrongType()
    {
        using var dir = new TempDirectory();
        var (onnx, _) = WebTools.SmallConvNet();
        File.WriteAllBytes(dir.File("model.wasm"), WasmPipeline.Compile(WasmPipeline.Import(onnx)).Bytes);
        NpyFile.Write(dir.File("x.npy"), TensorData.FromInt64s(new Shape(2), [1, 2]));

        var (exit, _, stderr) = WebTools.Run("node", [Path.Combine(WebTools.Web, "examples", "node-run.mjs"), dir.File("model.wasm"), "--input", "x=" + dir.File("x.npy")], 60);

        Assert.Equal(2, exit);
        Assert.Contains("x.npy: holds int64[2], but input 'x' is float32[1,3,32,32]", stderr);
    }
}
