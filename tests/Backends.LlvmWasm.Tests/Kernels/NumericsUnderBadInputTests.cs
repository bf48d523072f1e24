using WasmGraph.Abstractions.Ir;
using WasmGraph.Onnx.Proto;
using WasmGraph.TestSupport;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// NaN, ±Inf, ±1e38 and denormals run through every kernel family without trapping and come out where ONNX Runtime
/// puts them: NaN exactly where it gives NaN, the same infinities, and close finite values elsewhere. Fast-math
/// shortcuts (a max that drops NaN, a softmax that overflows, a clamp that swallows NaN) show up here first.
/// </summary>
public sealed class NumericsUnderBadInputTests
{
    private static readonly float[] Specials =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e38f, -1e38f, 1e-40f, -1e-40f, 0f, -0f, 3e38f, -3e38f,
        float.Epsilon, 1f, -1f, 0.5f, -2.5f,
    ];

    /// <summary>A [1,2,4,4] tensor: the special values in channel 0, ordinary random values in channel 1.</summary>
    private static TensorData BadInput()
    {
        var values = new float[32];
        Specials.CopyTo(values, 0);
        var random = new Random(7);
        for (int i = 16; i < 32; i++)
        {
            values[i] = random.NextSingle() * 4 - 2;
        }
        return TensorData.FromFloats(new Shape(1, 2, 4, 4), values);
    }

    private static OnnxModelBuilder Model(int opset = 13) => new OnnxModelBuilder().Opset(opset).Input("x", DataType.Float32, 1, 2, 4, 4);

    public static TheoryData<string> Ops() =>
    [
        "Relu", "Sigmoid", "Softmax", "MaxPool", "AveragePool", "Add", "AddConstant", "Clip", "ClipNoBounds",
    ];

    private static OnnxModelBuilder Build(string op) => op switch
    {
        "Relu" or "Sigmoid" => Model().Node(op, ["x"], ["y"]).Output("y", DataType.Float32),
        "Softmax" => Model().Node("Softmax", ["x"], ["y"], OnnxAttr.Int("axis", -1)).Output("y", DataType.Float32),
        "MaxPool" or "AveragePool" => Model()
            .Node(op, ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 1, 1), OnnxAttr.Ints("pads", 1, 1, 0, 0))
            .Output("y", DataType.Float32),
        "Add" => Model().Node("Add", ["x", "x"], ["y"]).Output("y", DataType.Float32),
        "AddConstant" => Model().Initializer("c", TensorData.FromFloats(new Shape(4), [1f, float.NegativeInfinity, -1e38f, float.NaN]))
            .Node("Add", ["x", "c"], ["y"]).Output("y", DataType.Float32),
        "Clip" => Model().Initializer("lo", TensorData.FromFloats(Shape.Scalar, [-1f])).Initializer("hi", TensorData.FromFloats(Shape.Scalar, [2f]))
            .Node("Clip", ["x", "lo", "hi"], ["y"]).Output("y", DataType.Float32),
        "ClipNoBounds" => Model().Node("Clip", ["x"], ["y"]).Output("y", DataType.Float32),
        "Conv" => Model().Initializer("w", TestTensors.Random([3, 2, 3, 3], seed: 5))
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("pads", 1, 1, 1, 1)).Output("y", DataType.Float32),
        "Gemm" => new OnnxModelBuilder().Opset(13).Input("x", DataType.Float32, 2, 16)
            .Initializer("w", TestTensors.Random([16, 3], seed: 6)).Node("Gemm", ["x", "w"], ["y"]).Output("y", DataType.Float32),
        _ => throw new ArgumentException(op, nameof(op)),
    };

    [Theory]
    [MemberData(nameof(Ops))]
    public void SpecialValuesComeOutWhereOnnxRuntimePutsThem(string op)
    {
        var model = Build(op).ToBytes();
        var inputs = OpHarness.Inputs(("x", BadInput()));

        var expected = OnnxRuntimeOracle.Run(model, inputs)["y"].ToFloatArray();
        var actual = OpHarness.Run(model, inputs)["y"].ToFloatArray();

        Assert.Equal(expected.Length, actual.Length);
        // A window holding 3e38, −3e38 and small values sums to anything from −0.5 to 0 depending on order, so for
        // AveragePool finite values are compared relative to the largest output, as reductions are elsewhere.
        double scale = op == "AveragePool" ? expected.Where(float.IsFinite).Max(v => Math.Abs((double)v)) : 0;
        var problems = Disagreements(expected, actual, scale);
        Assert.True(problems.Count == 0, $"{op}: {problems.Count} of {expected.Length} elements differ from ONNX Runtime:\n  {string.Join("\n  ", problems.Take(12))}");
    }

    [Theory]
    [InlineData("Conv")]
    [InlineData("Gemm")]
    public void ConvAndGemmRunThroughBadInputWithoutTrapping(string op)
    {
        var model = Build(op).ToBytes();
        var x = op == "Gemm" ? TensorData.FromFloats(new Shape(2, 16), [.. Specials, .. Specials.Select(v => -v)]) : BadInput();
        var inputs = OpHarness.Inputs(("x", x));

        var expected = OnnxRuntimeOracle.Run(model, inputs)["y"].ToFloatArray();
        var actual = OpHarness.Run(model, inputs)["y"].ToFloatArray();

        // NaN propagates through sums identically whatever the summation order; finite results may differ when
        // ±Inf and 1e38 products meet in a different order (Inf − Inf), so only NaN positions are compared here.
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!float.IsNaN(expected[i]) && !float.IsInfinity(expected[i]))
            {
                Assert.False(float.IsNaN(actual[i]), $"{op}[{i}]: ONNX Runtime gives {expected[i]}, we give NaN");
            }
            if (float.IsNaN(expected[i]))
            {
                Assert.True(float.IsNaN(actual[i]) || float.IsInfinity(actual[i]), $"{op}[{i}]: ONNX Runtime gives NaN, we give {actual[i]}");
            }
        }
    }

    /// <summary>
    /// NaN must match NaN and infinities must match exactly; finite values agree within 1e-5 of max(|expected|,
    /// <paramref name="scale"/>), plus 1e-37 absolutely so a flushed denormal still counts as equal.
    /// </summary>
    private static List<string> Disagreements(float[] expected, float[] actual, double scale)
    {
        var problems = new List<string>();
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool same = float.IsNaN(e) ? float.IsNaN(a)
                : float.IsInfinity(e) ? e == a
                : !float.IsNaN(a) && !float.IsInfinity(a) && Math.Abs((double)a - e) <= 1e-5 * Math.Max(Math.Abs((double)e), scale) + 1e-37;
            if (!same)
            {
                problems.Add($"[{i}] ONNX Runtime {e:R}, ours {a:R}");
            }
        }
        return problems;
    }
}
