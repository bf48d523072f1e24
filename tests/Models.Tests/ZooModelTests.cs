using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.Host.Tests;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>A topology written by <c>wasmgraph zoo NAME -o …</c> (default seed) and compiled once through the CLI.</summary>
public abstract class ZooModule : IDisposable
{
    private readonly TempDirectory _directory = TestPaths.NewTempDirectory();

    protected ZooModule(string name)
    {
        Onnx = _directory.File(name + ".onnx");
        var result = HostProcess.Run(["zoo", name, "-o", Onnx], null, timeoutSeconds: 120);
        Assert.True(result.ExitCode == 0, result.ToString());
        Compiled = new CliModel(Onnx, name);
    }

    public string Onnx { get; }

    public CliModel Compiled { get; }

    public void Dispose()
    {
        Compiled.Dispose();
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class ResNet50Module() : ZooModule("resnet50");

public sealed class MobileNetV2Module() : ZooModule("mobilenetv2");

public sealed class SqueezeNetModule() : ZooModule("squeezenet1.1");

public sealed class LeNet5Module() : ZooModule("lenet5");

/// <summary>
/// Generated standard topologies through the CLI path against ONNX Runtime. Stated tolerance for every one:
/// max |wasm − ORT| ≤ 1e-3 × max |ORT| over the logits. The ImageNet models run on chelsea.png with the CLI's default
/// preprocessing (RGB, NCHW, ImageNet mean/std), rebuilt here for ONNX Runtime from the module's metadata.
/// </summary>
public static class ZooParity
{
    public const double Tolerance = 1e-3;

    public static string Chelsea => Path.Combine(CliModel.Data, "images", "chelsea.png");

    /// <summary>Runs the module on chelsea.png through the CLI and ONNX Runtime on the same tensor; asserts parity.</summary>
    public static (TensorData Expected, TensorData Actual) OnChelsea(ZooModule module, string what, ITestOutputHelper log)
        => OnChelsea(module.Compiled, module.Onnx, what, log);

    /// <summary>As above, for a module compiled from <paramref name="onnx"/> with other settings.</summary>
    public static (TensorData Expected, TensorData Actual) OnChelsea(CliModel model, string onnx, string what, ITestOutputHelper log)
    {
        var actual = model.Run("--image", Chelsea);
        var metadata = model.Metadata;
        var input = metadata.Inputs.Single();
        var tensor = ImageLoader.Load(Chelsea, input, ImagePreprocessing.FromHints(metadata.Hints, input.Shape));
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(onnx), new Dictionary<string, TensorData> { [input.Name] = tensor });

        log.WriteLine($"{what} compile {model.CompileSeconds:F1} s");
        Parity.AssertClose(expected, actual, Tolerance, $"{what} on chelsea.png", log);
        var output = metadata.Outputs.Single().Name;
        return (expected[output], actual[output]);
    }
}

public sealed class ResNet50Tests(ResNet50Module module, ITestOutputHelper log) : IClassFixture<ResNet50Module>
{
    [Fact]
    public void ResNet50MatchesOnnxRuntimeAndAgreesOnTheTop5ClassesOfChelsea()
    {
        var (expected, actual) = ZooParity.OnChelsea(module, "ResNet50", log);
        var (want, got) = (Parity.TopK(expected, 5), Parity.TopK(actual, 5));
        log.WriteLine($"ResNet50 top-5 on chelsea.png: ORT [{string.Join(",", want)}], wasm [{string.Join(",", got)}]");
        Assert.Equal(want, got);
    }

    [Fact]
    public void TheGeneratedResNet50HasTheModelZooInterfaceAndParameterCount()
    {
        var metadata = module.Compiled.Metadata;
        Assert.Equal("data", metadata.Inputs.Single().Name);
        Assert.Equal<long>([1, 3, 224, 224], metadata.Inputs.Single().Shape.ToArray());
        Assert.Equal("resnetv17_dense0_fwd", metadata.Outputs.Single().Name);
        Assert.Equal<long>([1, 1000], metadata.Outputs.Single().Shape.ToArray());
        // ResNet-50 has 25.56 M trainable parameters; BN running statistics add 53 k: 25.61 M floats of weights.
        Assert.InRange(new FileInfo(module.Onnx).Length, 25_500_000L * 4, 25_700_000L * 4);
    }
}

public sealed class MobileNetV2Tests(MobileNetV2Module module, ITestOutputHelper log) : IClassFixture<MobileNetV2Module>
{
    [Fact]
    public void MobileNetV2MatchesOnnxRuntimeAndAgreesOnTheTop5ClassesOfChelsea()
    {
        var (expected, actual) = ZooParity.OnChelsea(module, "MobileNetV2", log);
        Assert.Equal(Parity.TopK(expected, 5), Parity.TopK(actual, 5));
    }
}

public sealed class SqueezeNetTests(SqueezeNetModule module, ITestOutputHelper log) : IClassFixture<SqueezeNetModule>
{
    [Fact]
    public void SqueezeNet11MatchesOnnxRuntimeOnChelsea()
    {
        var (expected, actual) = ZooParity.OnChelsea(module, "SqueezeNet1.1", log);
        Assert.Equal(Parity.TopK(expected, 5), Parity.TopK(actual, 5));
    }
}

public sealed class LeNet5Tests(LeNet5Module module, ITestOutputHelper log) : IClassFixture<LeNet5Module>
{
    [Fact]
    public void LeNet5MatchesOnnxRuntimeOnSeededDigits()
    {
        var random = new Random(7);
        var image = TensorData.FromFloats(new Shape(1, 1, 28, 28), Enumerable.Range(0, 28 * 28).Select(_ => random.NextSingle()).ToArray());
        var inputs = new Dictionary<string, TensorData> { ["image"] = image };
        var actual = module.Compiled.Run(inputs);
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(module.Onnx), inputs);
        log.WriteLine($"LeNet5 compile {module.Compiled.CompileSeconds:F1} s");
        Parity.AssertClose(expected, actual, ZooParity.Tolerance, "LeNet5 on seeded noise", log);
    }

    [Fact]
    public void TheSameSeedWritesTheSameBytesAndAnotherSeedDifferentWeights()
    {
        using var dir = TestPaths.NewTempDirectory();
        foreach (var (file, seed) in new[] { ("a.onnx", "1"), ("b.onnx", "1"), ("c.onnx", "2") })
        {
            var result = HostProcess.Run("zoo", "lenet5", "-o", dir.File(file), "--seed", seed);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        Assert.Equal(File.ReadAllBytes(module.Onnx), File.ReadAllBytes(dir.File("a.onnx")));
        Assert.Equal(File.ReadAllBytes(dir.File("a.onnx")), File.ReadAllBytes(dir.File("b.onnx")));
        Assert.NotEqual(File.ReadAllBytes(dir.File("a.onnx")), File.ReadAllBytes(dir.File("c.onnx")));
    }
}

public sealed class ZooCliTests
{
    [Fact]
    public void AnUnknownTopologyExitsWithTwoListingTheKnownOnes()
    {
        using var dir = TestPaths.NewTempDirectory();
        var result = HostProcess.Run("zoo", "alexnet", "-o", dir.File("x.onnx"));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown zoo model 'alexnet'", result.StdErr);
        Assert.Contains("resnet50, mobilenetv2, squeezenet1.1, lenet5", result.StdErr);
        Assert.False(File.Exists(dir.File("x.onnx")));
    }

    [Fact]
    public void AMissingOutputExitsWithTwo()
    {
        var result = HostProcess.Run("zoo", "lenet5");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--output", result.StdErr);
    }
}
