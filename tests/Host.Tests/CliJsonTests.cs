using System.Text.Json;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.Cli;
using WasmGraph.Host.IO;

namespace WasmGraph.Host.Tests;

/// <summary>
/// <c>--json</c> on inspect, run and plugins (docs/cli.md), read back with System.Text.Json as a script would: stdout is
/// exactly one document, and its fields hold the known values of a model built here (Conv → Relu → GlobalAveragePool,
/// compiled once for the class) and, for run, ONNX Runtime's numbers on the same input.
/// </summary>
public sealed class CliJsonTests : IClassFixture<CliJsonTests.Compiled>
{
    private readonly Compiled _compiled;

    public CliJsonTests(Compiled compiled) => _compiled = compiled;

    /// <summary>x float32[1,2,6,6] → Conv(3 filters, 3×3, pad 1) → Relu → GlobalAveragePool → y float32[1,3,1,1].</summary>
    public sealed class Compiled : IDisposable
    {
        public Compiled()
        {
            Onnx = new OnnxModelBuilder().Opset(13)
                .Input("x", DataType.Float32, 1, 2, 6, 6)
                .Initializer("w", TestTensors.Random([3, 2, 3, 3], seed: 11))
                .Initializer("b", TestTensors.Random([3], seed: 12))
                .Node("Conv", ["x", "w", "b"], ["c"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
                .Node("Relu", ["c"], ["r"])
                .Node("GlobalAveragePool", ["r"], ["y"])
                .Output("y", DataType.Float32)
                .ToBytes();
            Model = Directory.File("net.onnx");
            File.WriteAllBytes(Model, Onnx);
            Module = Directory.File("net.wasm");
            var compile = HostProcess.Run("compile", Model, "-o", Module, "--quiet");
            Assert.True(compile.ExitCode == 0, compile.ToString());
            Assert.Equal("", compile.StdOut); // --quiet: the module is the result
            Input = TestTensors.Random([1, 2, 6, 6], seed: 13);
            InputFile = Directory.File("x.npy");
            NpyFile.Write(InputFile, Input);
        }

        public TempDirectory Directory { get; } = TestPaths.NewTempDirectory();
        public byte[] Onnx { get; }
        public string Model { get; }
        public string Module { get; }
        public TensorData Input { get; }
        public string InputFile { get; }

        public void Dispose() => Directory.Dispose();
    }

    /// <summary>Parses the whole of stdout as one JSON document: anything else on stdout fails the parse.</summary>
    private static JsonElement Document(HostResult result, string command)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.StdOut);
        var root = document.RootElement.Clone();
        Assert.Equal(CliJson.SchemaVersion, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(command, root.GetProperty("command").GetString());
        return root;
    }

    private static long[] Longs(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt64()).ToArray();

    [Fact]
    public void InspectJsonOfAnOnnxModelListsItsInputsOutputsAndOps()
    {
        var root = Document(HostProcess.Run("inspect", _compiled.Model, "--json"), "inspect");

        Assert.Equal("onnx", root.GetProperty("kind").GetString());
        Assert.Equal(_compiled.Onnx.LongLength, root.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(3, root.GetProperty("nodes").GetInt32());
        Assert.Equal(3 * 2 * 3 * 3 + 3, root.GetProperty("parameters").GetInt64());
        Assert.Equal(13, root.GetProperty("opsets").GetProperty("ai.onnx").GetInt64());
        var input = Assert.Single(root.GetProperty("inputs").EnumerateArray());
        Assert.Equal("x", input.GetProperty("name").GetString());
        Assert.Equal("float32", input.GetProperty("dtype").GetString());
        Assert.Equal([1L, 2, 6, 6], Longs(input.GetProperty("shape")));
        Assert.Equal("y", Assert.Single(root.GetProperty("outputs").EnumerateArray()).GetProperty("name").GetString());
        var ops = root.GetProperty("ops").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["Conv"] = 1, ["Relu"] = 1, ["GlobalAveragePool"] = 1 }, ops);
        // The frontend plugin knows every intermediate shape: conv and relu outputs, 3×6×6 floats each, are live together.
        Assert.True(root.GetProperty("peakActivationBytes").GetInt64() >= 2 * 3 * 6 * 6 * 4, root.ToString());
    }

    [Fact]
    public void InspectJsonOfAModuleCarriesItsMetadataAndKernels()
    {
        var root = Document(HostProcess.Run("inspect", _compiled.Module, "--json"), "inspect");

        Assert.Equal("wasm", root.GetProperty("kind").GetString());
        Assert.Equal(new FileInfo(_compiled.Module).Length, root.GetProperty("sizeBytes").GetInt64());
        var metadata = root.GetProperty("metadata");
        var input = Assert.Single(metadata.GetProperty("inputs").EnumerateArray());
        Assert.Equal([1L, 2, 6, 6], Longs(input.GetProperty("shape")));
        Assert.Equal(1 * 2 * 6 * 6 * 4, input.GetProperty("bytes").GetInt64());
        var output = Assert.Single(metadata.GetProperty("outputs").EnumerateArray());
        Assert.Equal([1L, 3, 1, 1], Longs(output.GetProperty("shape")));
        // The kernels run after fusion: the conv (with its relu) does 2·(3·6·6)·(2·3·3) multiply-adds' worth at least.
        var kernels = metadata.GetProperty("kernels").EnumerateArray().ToList();
        Assert.NotEmpty(kernels);
        Assert.Equal(kernels.Sum(k => k.GetProperty("flops").GetDouble()), root.GetProperty("flopsPerRun").GetDouble());
        Assert.True(root.GetProperty("flopsPerRun").GetDouble() >= 2.0 * 3 * 6 * 6 * 2 * 3 * 3, root.ToString());
        Assert.Equal(1.0, root.GetProperty("ops").EnumerateArray().Sum(o => o.GetProperty("share").GetDouble()), 6);
        var sections = root.GetProperty("sections").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("code", sections);
        Assert.Contains("custom \"wasmgraph.meta\"", sections);
    }

    [Fact]
    public void RunJsonGivesEachOutputsStatisticsAsOnnxRuntimeComputesThem()
    {
        using var dir = TestPaths.NewTempDirectory();
        var result = HostProcess.Run("run", _compiled.Module, "--input", "x=" + _compiled.InputFile, "--json", "--repeat", "3",
                                     "--reference", _compiled.Model, "--output-dir", dir.Path);
        var root = Document(result, "run");
        var expected = OnnxRuntimeOracle.Run(_compiled.Onnx, new Dictionary<string, TensorData> { ["x"] = _compiled.Input })["y"].ToFloatArray();

        Assert.Equal("wasmtime", root.GetProperty("runtime").GetString());
        var output = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal("y", output.GetProperty("name").GetString());
        Assert.Equal("float32", output.GetProperty("dtype").GetString());
        Assert.Equal([1L, 3, 1, 1], Longs(output.GetProperty("shape")));
        // Tolerance: 1e-4 absolute; the values are averages of ReLU'd 18-term dot products of numbers in [-1, 1].
        Assert.Equal(expected.Min(), output.GetProperty("min").GetDouble(), 1e-4);
        Assert.Equal(expected.Max(), output.GetProperty("max").GetDouble(), 1e-4);
        Assert.Equal(expected.Average(), output.GetProperty("mean").GetDouble(), 1e-4);
        // The written file is named, and holds what the statistics describe.
        var file = output.GetProperty("file").GetString()!;
        TensorAssert.Close(TensorData.FromFloats(new Shape(1, 3, 1, 1), expected), NpyFile.Read(file), 1e-4, "run --json --output-dir file vs ONNX Runtime");
        var timings = root.GetProperty("timings");
        Assert.Equal(3, timings.GetProperty("runs").GetInt32());
        Assert.True(timings.GetProperty("medianMs").GetDouble() > 0);
        var reference = root.GetProperty("reference");
        var compared = Assert.Single(reference.GetProperty("outputs").EnumerateArray());
        Assert.InRange(compared.GetProperty("maxAbsDiff").GetDouble(), 0, 1e-4);
        Assert.Equal(expected.Max(v => Math.Abs(v)), compared.GetProperty("maxAbsRef").GetDouble(), 1e-6);
        Assert.False(root.TryGetProperty("topK", out _)); // absent when not asked for, not null
    }

    [Fact]
    public void PluginsJsonListsEveryBuiltInComponentWithItsCapabilities()
    {
        var root = Document(HostProcess.Run("plugins", "--json"), "plugins");

        var plugins = root.GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["Backends.LlvmWasm", "Frontends.Onnx", "Passes.Core", "Runtimes.Wasmtime"], plugins.Order(StringComparer.Ordinal));
        var components = root.GetProperty("components").EnumerateArray().ToList();
        var frontend = components.Single(c => c.GetProperty("kind").GetString() == "frontend");
        Assert.Contains(".onnx", frontend.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
        var backend = components.Single(c => c.GetProperty("kind").GetString() == "backend");
        Assert.Equal("llvm-wasm", backend.GetProperty("name").GetString());
        var ops = backend.GetProperty("supportedOps").EnumerateArray().Select(o => o.GetString()!).ToList();
        Assert.Contains("Conv", ops);
        Assert.Equal(ops.Order(StringComparer.Ordinal), ops);
        Assert.False(backend.TryGetProperty("extensions", out _));
        var fold = components.Single(c => c.GetProperty("name").GetString() == "fold-batchnorm");
        Assert.Equal("pass", fold.GetProperty("kind").GetString());
        Assert.Equal("Passes.Core", fold.GetProperty("plugin").GetString());
        Assert.Empty(root.GetProperty("failures").EnumerateArray());
    }

    [Fact]
    public void AnErrorWithJsonLeavesStdoutEmptyAndExitsTwoWithTheMessageOnStderr()
    {
        using var dir = TestPaths.NewTempDirectory();
        File.WriteAllText(dir.File("bad.wasm"), "not a module");

        var result = HostProcess.Run("inspect", dir.File("bad.wasm"), "--json");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.StdOut);
        Assert.Contains("error:", result.StdErr);
        Assert.Contains("bad.wasm", result.StdErr);
    }
}
