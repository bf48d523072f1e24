using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.Host.Tests;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>The zoo ResNet50 written once; each test compiles it with its own settings.</summary>
public sealed class ResNet50Onnx : IDisposable
{
    private readonly TempDirectory _directory = TestPaths.NewTempDirectory();

    public ResNet50Onnx()
    {
        Path = _directory.File("resnet50.onnx");
        var result = HostProcess.Run(["zoo", "resnet50", "-o", Path], null, timeoutSeconds: 120);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public string Path { get; }

    /// <summary>A <c>--config</c> file forcing <paramref name="algorithm"/> (Pipeline:Backend:ConvAlgorithm).</summary>
    public string ConfigFor(string algorithm)
    {
        var file = _directory.File(algorithm + ".json");
        File.WriteAllText(file, $$"""{ "Pipeline": { "Backend": { "ConvAlgorithm": "{{algorithm}}" } } }""");
        return file;
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>
/// Every Winograd variant forced on every convolution it fits (all 3×3 stride-1 layers), through the CLI, against
/// ONNX Runtime at the models' stated tolerance: max |wasm − ORT| ≤ 1e-3 × max |ORT|. The log carries the measured
/// errors (docs/performance.md, "Winograd convolution").
/// </summary>
public sealed class WinogradModelTests(ResNet50Onnx resnet50, ITestOutputHelper log) : IClassFixture<ResNet50Onnx>
{
    private static string ResNet18 => Path.Combine(CliModel.Data, "resnet18", "ResNet18.onnx");
    private static string ResNet18Preprocess => Path.Combine(CliModel.Data, "resnet18", "ResNetPreprocess.onnx");

    /// <summary>ONNX Runtime on the preprocessing model and the featurizer in sequence, as the module chains them.</summary>
    private static TensorData ResNet18Reference(TensorData input)
    {
        var pre = OnnxRuntimeOracle.Run(File.ReadAllBytes(ResNet18Preprocess), new Dictionary<string, TensorData> { ["OriginalInput"] = input });
        return OnnxRuntimeOracle.Run(File.ReadAllBytes(ResNet18), new Dictionary<string, TensorData> { ["Input247"] = pre.Values.Single() }).Values.Single();
    }

    [Theory]
    [InlineData("winograd2")]
    [InlineData("winograd4")]
    [InlineData("winograd6")]
    public void ResNet50WithWinogradMatchesOnnxRuntimeAndAgreesOnTheTop5(string algorithm)
    {
        using var model = new CliModel(resnet50.Path, "resnet50-" + algorithm, "--config", resnet50.ConfigFor(algorithm));
        var (expected, actual) = ZooParity.OnChelsea(model, resnet50.Path, $"ResNet50 ({algorithm})", log);
        Assert.Equal(Parity.TopK(expected, 5), Parity.TopK(actual, 5));
    }

    [Theory]
    [InlineData("winograd2")]
    [InlineData("winograd4")]
    [InlineData("winograd6")]
    public void TheResNet18FeaturizerWithWinogradMatchesOnnxRuntime(string algorithm)
    {
        using var model = new CliModel(ResNet18, "resnet18-" + algorithm, "--prepend", ResNet18Preprocess,
                                       "--hint", "layout=NCHW", "--hint", "scale=1", "--hint", "mean=0,0,0", "--hint", "std=1,1,1",
                                       "--config", resnet50.ConfigFor(algorithm));
        var photo = ZooParity.Chelsea;
        var actual = model.Run("--image", photo);
        var input = model.Metadata.Inputs[0];
        var tensor = ImageLoader.Load(photo, input, ImagePreprocessing.FromHints(model.Metadata.Hints, input.Shape));
        var expected = new Dictionary<string, TensorData> { [actual.Keys.Single()] = ResNet18Reference(tensor) };
        Parity.AssertClose(expected, actual, ZooParity.Tolerance, $"ResNet18 featurizer ({algorithm}) on chelsea.png", log);
    }
}
