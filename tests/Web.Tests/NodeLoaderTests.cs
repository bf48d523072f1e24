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

    [Fact]
    public void TheNodeExampleMatchesWasmtimeOnTheSameModuleAndInput()
    {
        using var dir = new TempDirectory();
        var (onnx, shape) = WebTools.SmallConvNet();
        var module = WasmPipeline.Compile(WasmPipeline.Import(onnx)).Bytes;
        var input = TestTensors.Random(shape, seed: 7);
        File.WriteAllBytes(dir.File("model.wasm"), module);
        NpyFile.Write(dir.File("x.npy"), input);

        using var session = new WasmtimeRuntime().Load(module, new RuntimeOptions());
        var expected = session.Run(new Dictionary<string, TensorData> { ["x"] = input })["y"];
        var stdout = WebTools.Node(120, Path.Combine(WebTools.Web, "examples", "node-run.mjs"), dir.File("model.wasm"),
                                   "--input", "x=" + dir.File("x.npy"), "--output-dir", dir.File("out"));
        _log.WriteLine(stdout);

        var actual = NpyFile.Read(dir.File("out/y.npy"));
        Assert.Equal(expected.Type, actual.Type);
        TensorAssert.Close(expected, actual, 1e-3, "Node vs Wasmtime, same module, same input");
        Assert.Contains("y\tfloat32\t[1,4,32,32]", stdout);
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
        Assert.Contains("is int64, input 'x' is float32", stderr);
    }
}
