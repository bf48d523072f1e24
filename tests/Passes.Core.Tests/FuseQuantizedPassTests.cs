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

    private static int FloatOutputOps(Graph graph) => graph.Nodes.Count(n => n.Op == QuantizedOps.MatMulToFloat);

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

        // With a float op between the product and the QuantizeLinear the product keeps a float output (QuantizedMatMulToFloat).
        Assert.Equal(floatOpAfter ? 0 : 1, integerOps);
        Assert.Equal(floatOpAfter ? 1 : 0, FloatOutputOps(graph));
        AssertWithinOneStep(model, graph, [2, 7, 64], OutputStep(graph, "y_scale"));
    }

    /// <summary>
    /// DequantizeLinear(x_q) → MatMul(DequantizeLinear(w_q int8 per column)) → Add(float bias) with no QuantizeLinear after,
    /// as MiniLM's quantized file has it, on a float input quantized by a QuantizeLinear first.
    /// </summary>
    private static OnnxModelBuilder QdqMatMulToFloat(long[] x, long columns, DataType activation, bool biasFirst, int seed)
    {
        long k = x[^1];
        long zero = activation == DataType.UInt8 ? 131 : 3;
        var bias = Enumerable.Range(0, (int)columns).Select(c => 0.5f * MathF.Sin(c + seed)).ToArray();
        return new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, x)
            .Initializer("x_scale", Floats(0.02f)).Initializer("x_zero", Scalar(activation, zero))
            .Initializer("w_q", Integers(DataType.Int8, [k, columns], -127, 127, seed + 1))
            .Initializer("w_scale", TensorData.FromFloats(new Shape(columns), WeightScales(columns, perChannel: true, seed)))
            .Initializer("w_zero", ConstantMath.FromLongs(DataType.Int8, new Shape(columns), new long[columns]))
            .Initializer("b", TensorData.FromFloats(new Shape(columns), bias))
            .Node("QuantizeLinear", ["x", "x_scale", "x_zero"], ["x_q"]).Node("DequantizeLinear", ["x_q", "x_scale", "x_zero"], ["x_dq"])
            .Node("DequantizeLinear", ["w_q", "w_scale", "w_zero"], ["w"], OnnxAttr.Int("axis", 1))
            .Node("MatMul", ["x_dq", "w"], ["mm"]).Node("Add", biasFirst ? ["b", "mm"] : ["mm", "b"], ["y"])
            .Output("y", DataType.Float32);
    }

    /// <summary>
    /// The float-output product against ONNX Runtime on the same QDQ file. The int32 sums are exact on both sides, so
    /// what may differ is the float rounding after them (a multiply and an add, or ONNX Runtime's fused multiply-add):
    /// stated tolerance 1e-6 × max |y|, about 8–10 float32 ulps of the largest output (measured on every path: 4 ulps,
    /// 1.9e-6 at max |y| = 4.75 on this shape; 2 ulps on [2, 9, 96]), far below what one input quantization step changes.
    /// </summary>
    [Theory]
    [InlineData(DataType.UInt8, false, "default")]
    [InlineData(DataType.Int8, true, "deterministic")]
    [InlineData(DataType.UInt8, true, "simd128")]
    [InlineData(DataType.UInt8, false, "mvp")]
    public void AQdqMatMulWithAFloatOutputRunsAsQuantizedMatMulToFloatAndMatchesOnnxRuntime(DataType activation, bool biasFirst, string path)
    {
        var model = QdqMatMulToFloat([3, 7, 97], 40, activation, biasFirst, seed: 11); // 2037 inputs: the vector QuantizeLinear leaves a tail
        var graph = Fused(model, out _);
        Assert.Equal(1, FloatOutputOps(graph));
        Assert.DoesNotContain(graph.Nodes, n => n.Op is "MatMul" or "DequantizeLinear");

        var inputs = new Dictionary<string, TensorData> { ["x"] = TestTensors.Random([3, 7, 97], seed: 12) };
        var expected = OnnxRuntimeOracle.Run(model.ToBytes(), inputs)["y"].ToFloatArray();
        var actual = WasmPipeline.CompileAndRun(graph, inputs, Options(path))["y"].ToFloatArray();
        float largest = expected.Max(Math.Abs);
        float worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-6f * largest, $"largest difference {worst} exceeds 1e-6 × max |y| = {1e-6f * largest}");
    }

    /// <summary>
    /// Gather from a constant uint8 table quantized per tensor (MiniLM's embeddings): the pass gathers the 8-bit rows and
    /// dequantizes them, which is exact, so the output equals ONNX Runtime's (DequantizeLinear of the table, then Gather).
    /// </summary>
    [Fact]
    public void AGatherFromAQuantizedTableEqualsOnnxRuntimeExactlyAndKeepsTheTableEightBit()
    {
        var model = new OnnxModelBuilder().Opset(13).Input("ids", DataType.Int64, 2, 5)
            .Initializer("t_q", Bytes(DataType.UInt8, [50, 24], seed: 13)).Initializer("t_scale", Floats(0.0061f)).Initializer("t_zero", Scalar(DataType.UInt8, 83))
            .Node("DequantizeLinear", ["t_q", "t_scale", "t_zero"], ["t"]).Node("Gather", ["t", "ids"], ["y"], OnnxAttr.Int("axis", 0))
            .Output("y", DataType.Float32);
        var graph = Fused(model, out _);
        Assert.Contains(graph.Nodes, n => n.Op == "Gather" && graph.TypeOf(n.Inputs[0]).ElementType == DataType.UInt8);
        Assert.DoesNotContain(graph.Constants.Values, c => c.Type.ElementType == DataType.Float32 && c.Type.ElementCount == 50 * 24);

        var ids = ConstantMath.FromLongs(DataType.Int64, new Shape(2, 5), [0, 49, 7, 7, 23, 1, 2, 3, 48, 30]);
        var inputs = new Dictionary<string, TensorData> { ["ids"] = ids };
        var expected = OnnxRuntimeOracle.Run(model.ToBytes(), inputs)["y"].ToFloatArray();
        var actual = WasmPipeline.CompileAndRun(graph, inputs)["y"].ToFloatArray();
        Assert.Equal(expected, actual);
    }

    private static BackendOptions Options(string path) => path switch
    {
        "deterministic" => new BackendOptions { Deterministic = true },
        "default" => new BackendOptions(),
        _ => new BackendOptions { Features = TargetProfiles.All.Single(p => p.Name == path).Features },
    };
}
