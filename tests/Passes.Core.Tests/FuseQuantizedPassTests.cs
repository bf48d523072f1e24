using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;
using static WasmGraph.TestSupport.QuantizedModels;

namespace WasmGraph.Passes.Core.Tests;

/// <summary>
/// fuse-qdq on QDQ models as ONNX Runtime's quantizer writes them, end to end against ONNX Runtime running the same
/// file: every output within one quantization step of the last QuantizeLinear (the integer op rounds x·w·scale where
/// the QDQ graph rounds a float sum; the two can straddle a half step), and most outputs equal. Each block really is
/// fused (the test counts the integer ops), on every inner-loop path.
/// </summary>
public class FuseQuantizedPassTests
{
    private static Graph Fused(OnnxModelBuilder model, out int integerOps)
    {
        var (after, _) = PassHarness.Apply(new FuseQuantizedPass(), WasmPipeline.Import(model.ToBytes()),
                                           new BackendCapabilities(new Backends.LlvmWasm.LlvmWasmBackend()));
        integerOps = after.Nodes.Count(n => n.Op is QuantizedOps.Conv or QuantizedOps.MatMul);
        return after;
    }

    /// <summary>|ours − ORT| ≤ one step everywhere (a step is <paramref name="step"/> in the dequantized output), and at least 90 % equal.</summary>
    private static void AssertWithinOneStep(OnnxModelBuilder model, Graph graph, long[] inputShape, float step, BackendOptions? options = null)
    {
        var inputs = new Dictionary<string, TensorData> { ["x"] = TestTensors.Random(inputShape, seed: 3) };
        var expected = OnnxRuntimeOracle.Run(model.ToBytes(), inputs)["y"].ToFloatArray();
        var actual = WasmPipeline.CompileAndRun(graph, inputs, options)["y"].ToFloatArray();
        Assert.Equal(expected.Length, actual.Length);
        var differences = expected.Zip(actual, (e, a) => Math.Abs(e - a)).ToArray();
        Assert.True(differences.Max() <= step * 1.001f, $"largest difference {differences.Max()} exceeds one step {step}");
        double equal = differences.Count(d => d == 0) / (double)differences.Length;
        Assert.True(equal >= 0.9, $"only {equal:P1} of the outputs equal ONNX Runtime's");
    }

    private static float OutputStep(Graph graph, string scale) => graph.Constants[scale].ToFloatArray()[0];

    [Theory]
    [InlineData(DataType.UInt8, 1L, "default")]
    [InlineData(DataType.Int8, 1L, "deterministic")]
    [InlineData(DataType.UInt8, 4L, "simd128")]
    [InlineData(DataType.UInt8, 8L, "mvp")]
    public void AQdqConvReluLayerIsFusedAndMatchesOnnxRuntimeWithinOneStep(DataType activation, long group, string path)
    {
        var model = QdqConv([1, 8, 9, 7], 16, 3, group, relu: true, residual: false, activation, seed: 4);
        var graph = Fused(model, out int integerOps);

        Assert.Equal(1, integerOps);
        AssertWithinOneStep(model, graph, [1, 8, 9, 7], OutputStep(graph, "l0_y_scale"), Options(path));
    }

    [Fact]
    public void AQdqResidualBlockFusesBothConvsAndMatchesOnnxRuntimeWithinOneStep()
    {
        var model = QdqConv([1, 16, 8, 8], 16, 3, 1, relu: true, residual: true, DataType.UInt8, seed: 5);
        var graph = Fused(model, out int integerOps);

        Assert.Equal(2, integerOps);
        AssertWithinOneStep(model, graph, [1, 16, 8, 8], OutputStep(graph, "sum_scale"));
    }

    [Theory]
    [InlineData(DataType.UInt8, false)]
    [InlineData(DataType.Int8, true)]
    public void AQdqMatMulWithBiasIsFusedAndMatchesOnnxRuntimeWithinOneStep(DataType activation, bool floatOpAfter)
    {
        var model = QdqMatMul([2, 7, 64], 24, activation, floatOpAfter, seed: 6);
        var graph = Fused(model, out int integerOps);

        // With a float op between the product and the QuantizeLinear the pattern does not match: float semantics stay.
        Assert.Equal(floatOpAfter ? 0 : 1, integerOps);
        AssertWithinOneStep(model, graph, [2, 7, 64], OutputStep(graph, "y_scale"));
    }

    private static BackendOptions Options(string path) => path switch
    {
        "deterministic" => new BackendOptions { Deterministic = true },
        "default" => new BackendOptions(),
        _ => new BackendOptions { Features = TargetProfiles.All.Single(p => p.Name == path).Features },
    };
}
