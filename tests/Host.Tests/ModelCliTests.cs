using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;

namespace WasmGraph.Host.Tests;

/// <summary>
/// Compiles the real ResNet18 featurizer, with its preprocessing model folded in, once through the CLI, as a user
/// would (<c>compile --prepend</c>). Shared by the model tests below.
/// </summary>
public sealed class ResNet18Module : IDisposable
{
    public ResNet18Module()
    {
        Assert.True(File.Exists(Model), $"{Model} is missing: run ./wasmgraph fetch");
        var result = HostProcess.Run("compile", Model, "--prepend", Preprocess, "-o", Path,
                                     "--hint", "layout=NCHW", "--hint", "scale=1", "--hint", "mean=0,0,0", "--hint", "std=1,1,1");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public static string Data => System.IO.Path.Combine(TestPaths.RepoRoot, ".cache", "data");
    public static string Model => System.IO.Path.Combine(Data, "resnet18", "ResNet18.onnx");
    public static string Preprocess => System.IO.Path.Combine(Data, "resnet18", "ResNetPreprocess.onnx");

    public TempDirectory Directory { get; } = TestPaths.NewTempDirectory();

    public string Path => Directory.File("resnet18.wasm");

    /// <summary>ONNX Runtime on the two original models in sequence: the reference for the folded module.</summary>
    public static TensorData Reference(TensorData input)
    {
        var pre = OnnxRuntimeOracle.Run(File.ReadAllBytes(Preprocess), new Dictionary<string, TensorData> { ["OriginalInput"] = input });
        return OnnxRuntimeOracle.Run(File.ReadAllBytes(Model), new Dictionary<string, TensorData> { ["Input247"] = pre.Values.Single() }).Values.Single();
    }

    public void Dispose() => Directory.Dispose();
}

/// <summary>The real ResNet18 through the CLI path, against ONNX Runtime on the same input.</summary>
public sealed class ModelCliTests : IClassFixture<ResNet18Module>
{
    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-3 × max |ORT| over the 512-dimensional embedding.</summary>
    private const double Tolerance = 1e-3;

    private readonly ResNet18Module _module;

    public ModelCliTests(ResNet18Module module) => _module = module;

    [Fact]
    public void TheChelseaPhotoEmbeddingMatchesOnnxRuntime()
    {
        using var output = TestPaths.NewTempDirectory();
        var photo = Path.Combine(ResNet18Module.Data, "images", "chelsea.png");
        var result = HostProcess.Run("run", _module.Path, "--image", photo, "--output-dir", output.Path);
        Assert.True(result.ExitCode == 0, result.ToString());

        // The same preprocessing the CLI applied (from the module's hints): RGB, NCHW, 0..255.
        var metadata = WasmModuleReader.ReadMetadata(File.ReadAllBytes(_module.Path), _module.Path);
        var input = metadata.Inputs[0];
        var tensor = ImageLoader.Load(photo, input, ImagePreprocessing.FromHints(metadata.Hints, input.Shape));
        var actual = NpyFile.Read(output.File("Pooling395_Output_0.npy"));
        TensorAssert.Close(ResNet18Module.Reference(tensor), actual, Tolerance, "ResNet18 embedding of chelsea.png");
    }

    [Fact]
    public void ASeededRandomInputMatchesOnnxRuntime()
    {
        using var output = TestPaths.NewTempDirectory();
        var random = new Random(42);
        var pixels = Enumerable.Range(0, 3 * 224 * 224).Select(_ => random.NextSingle() * 255f).ToArray();
        var input = TensorData.FromFloats(new Shape(1, 3, 224, 224), pixels);
        NpyFile.Write(output.File("x.npy"), input);

        var result = HostProcess.Run("run", _module.Path, "--input", "OriginalInput=" + output.File("x.npy"), "--output-dir", output.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        TensorAssert.Close(ResNet18Module.Reference(input), NpyFile.Read(output.File("Pooling395_Output_0.npy")), Tolerance, "ResNet18 on seeded noise");
    }

    [Fact]
    public void AnInputFileOfTheWrongShapeExitsWithTwoAndWritesNothing()
    {
        using var output = TestPaths.NewTempDirectory();
        NpyFile.Write(output.File("x.npy"), TensorData.FromFloats(new Shape(1, 3, 200, 224), new float[3 * 200 * 224]));
        var outDir = output.File("out");

        var result = HostProcess.Run("run", _module.Path, "--input", "OriginalInput=" + output.File("x.npy"), "--output-dir", outDir);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("OriginalInput", result.StdErr);
        Assert.Contains("[1,3,224,224]", result.StdErr);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "no output may be written");
    }

    [Fact]
    public void TheModuleIsSelfContainedAndDescribesItself()
    {
        var bytes = File.ReadAllBytes(_module.Path);
        var metadata = WasmModuleReader.ReadMetadata(bytes, _module.Path);
        Assert.Equal("OriginalInput", metadata.Inputs.Single().Name);
        Assert.Equal<long>([1, 512, 1, 1], metadata.Outputs.Single().Shape.ToArray());
        Assert.Equal(ModuleAbi.Version, metadata.Abi);
        Assert.Equal("NCHW", metadata.Hints["layout"]);
        // Size budget from issue 6: weights plus at most 1 MiB of code and metadata.
        Assert.True(bytes.LongLength <= metadata.WeightBytes + (1 << 20), $"module is {bytes.LongLength} B for {metadata.WeightBytes} B of weights");
    }
}

/// <summary>Bad models: a clear message, exit code 2, and no output file left behind.</summary>
public sealed class BadModelCliTests
{
    [Fact]
    public void ATruncatedModelExitsWithTwoAndLeavesNoOutput()
    {
        using var dir = TestPaths.NewTempDirectory();
        var bytes = File.ReadAllBytes(ResNet18Module.Preprocess);
        File.WriteAllBytes(dir.File("truncated.onnx"), bytes[..(bytes.Length / 3)]);

        var result = HostProcess.Run("compile", dir.File("truncated.onnx"), "-o", dir.File("out.wasm"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("truncated.onnx", result.StdErr);
        Assert.Contains("not a valid ONNX model", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.Equal<string>([dir.File("truncated.onnx")], Directory.EnumerateFileSystemEntries(dir.Path).ToArray());
    }

    [Fact]
    public void AnUnsupportedOpExitsWithTwoNamingTheOpAndNode()
    {
        using var dir = TestPaths.NewTempDirectory();
        new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4)
            .NamedNode("mystery_node", "Frobnicate", ["x"], ["y"])
            .Output("y", DataType.Float32)
            .Save(dir.File("model.onnx"));

        var result = HostProcess.Run("compile", dir.File("model.onnx"), "-o", dir.File("out.wasm"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unsupported: Frobnicate (opset 13) at node mystery_node", result.StdErr);
        Assert.False(File.Exists(dir.File("out.wasm")));
    }
}
