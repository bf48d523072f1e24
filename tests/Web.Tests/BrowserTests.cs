using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Apps.Demo;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Web.Tests;

/// <summary>
/// End to end in headless Debian Chromium: the demo page (web/demo) loads a module with web/wasmgraph.js and runs it;
/// its numbers must match Wasmtime's on the same module. Face detection runs when BlazeFace has been fetched.
/// </summary>
public sealed class BrowserTests
{
    private readonly ITestOutputHelper _log;

    public BrowserTests(ITestOutputHelper log) => _log = log;

    [Fact]
    public void ThePageRunsAModuleOnARawInputAndMatchesWasmtime()
    {
        using var dir = new TempDirectory();
        var (onnx, shape) = WebTools.SmallConvNet();
        var module = WasmPipeline.Compile(WasmPipeline.Import(onnx)).Bytes;
        var input = TestTensors.Random(shape, seed: 11);
        File.WriteAllBytes(dir.File("model.wasm"), module);
        File.WriteAllBytes(dir.File("input.bin"), input.Bytes.ToArray());
        using var session = new WasmtimeRuntime().Load(module, new RuntimeOptions());
        var expected = session.Run(new Dictionary<string, TensorData> { ["x"] = input })["y"];

        var result = WebTools.RunPage(dir.Path, "/demo/index.html?model=/model.wasm&input=/input.bin",
                                      new Dictionary<string, string> { ["/model.wasm"] = dir.File("model.wasm"), ["/input.bin"] = dir.File("input.bin") });

        var actual = Floats(result.GetProperty("outputs").GetProperty("y"));
        TensorAssert.Close(expected, TensorData.FromFloats(expected.Type.Shape, actual), 1e-3, "Chromium vs Wasmtime, same module, same input");
        _log.WriteLine($"Chromium {result.GetProperty("browser")}: max |browser − Wasmtime| = {MaxDiff(expected.ToFloatArray(), actual)}");
    }

    [Fact]
    public void ThePageFindsTheSameFaceAsTheDemoWhenBlazeFaceIsFetched()
    {
        var data = new DemoData(Path.Combine(WebTools.RepoRoot, ".cache", "data"));
        if (data.BlazeFace is not { } model)
        {
            _log.WriteLine("BlazeFace is not fetched (./wasmgraph fetch); nothing to detect with");
            return;
        }
        using var dir = new TempDirectory();
        var module = WasmPipeline.Compile(WasmPipeline.Import(File.ReadAllBytes(model), model) with
        {
            Metadata = WasmPipeline.Import(File.ReadAllBytes(model), model).Metadata
                .SetItems(FaceDetectionDemo.Request(model).Hints.Select(h => KeyValuePair.Create("hint." + h.Key, h.Value))),
        }).Bytes;
        File.WriteAllBytes(dir.File("blazeface.wasm"), module);
        var photo = data.Image("astronaut.png");
        using var session = new WasmtimeRuntime().Load(module, new RuntimeOptions());
        var info = session.Metadata.Inputs[0];
        var (input, box) = FaceDetectionDemo.Input(photo, info, session.Metadata.Hints);
        var wasmtime = session.Run(new Dictionary<string, TensorData> { [info.Name] = input });
        var expectedFaces = FaceDetectionDemo.Detect(session.Metadata.Outputs.Select(o => wasmtime[o.Name]).ToList(), box);
        File.WriteAllBytes(dir.File("input.bin"), input.Bytes.ToArray());
        var files = new Dictionary<string, string> { ["/m.wasm"] = dir.File("blazeface.wasm"), ["/p.png"] = photo, ["/input.bin"] = dir.File("input.bin") };

        // Same tensor: raw outputs must match Wasmtime's.
        var raw = WebTools.RunPage(dir.Path, "/demo/index.html?model=/m.wasm&image=/p.png&input=/input.bin", files);
        foreach (var output in session.Metadata.Outputs)
        {
            var expected = wasmtime[output.Name];
            var actual = Floats(raw.GetProperty("outputs").GetProperty(output.Name));
            TensorAssert.Close(expected, TensorData.FromFloats(expected.Type.Shape, actual), 1e-3, $"{output.Name}: Chromium vs Wasmtime");
            _log.WriteLine($"{output.Name}: max |browser − Wasmtime| = {MaxDiff(expected.ToFloatArray(), actual)}");
        }
        // The picked photo, resized by the browser's canvas instead of SkiaSharp: the same face within a few pixels.
        var picked = WebTools.RunPage(dir.Path, "/demo/index.html?model=/m.wasm&image=/p.png", files);
        var faces = picked.GetProperty("faces").EnumerateArray().ToList();
        Assert.Equal(expectedFaces.Count, faces.Count);
        for (int i = 0; i < faces.Count; i++)
        {
            var e = expectedFaces[i];
            var f = faces[i];
            Assert.InRange(f.GetProperty("score").GetDouble(), e.Score - 0.02, e.Score + 0.02);
            foreach (var (name, value) in new[] { ("xMin", e.XMin), ("yMin", e.YMin), ("xMax", e.XMax), ("yMax", e.YMax) })
            {
                Assert.InRange(f.GetProperty(name).GetDouble(), value - 3, value + 3);
            }
            _log.WriteLine($"face {i + 1}: browser {f}, Wasmtime+SkiaSharp {e.XMin},{e.YMin} – {e.XMax},{e.YMax} score {e.Score}");
        }
    }

    [Fact]
    public void AnOutputNameHoldingMarkupIsShownAsTextNotInjectedIntoThePage()
    {
        using var dir = new TempDirectory();
        var name = "<img src=x onerror=alert(1)><b>bold</b>";
        File.WriteAllBytes(dir.File("m.wasm"), NodeRunner.Module(NodeRunner.AddOneWat(), NodeRunner.AddOneMetadata.Replace("\"name\":\"y\"", $"\"name\":\"{name}\"")));
        File.WriteAllBytes(dir.File("input.bin"), NodeRunner.Floats(1, 2, 3, 4));

        var result = WebTools.RunPage(dir.Path, "/demo/index.html?model=/m.wasm&input=/input.bin",
                                      new Dictionary<string, string> { ["/m.wasm"] = dir.File("m.wasm"), ["/input.bin"] = dir.File("input.bin") });

        var panel = result.GetProperty("panel");
        Assert.Equal(0, panel.GetProperty("foreignElements").GetInt32());
        Assert.Contains(name, panel.GetProperty("text").GetString());
        Assert.Equal([2f, 3f, 4f, 5f], Floats(result.GetProperty("outputs").GetProperty(name)));
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    private static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
