using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Codegen;
using WasmGraph.Backends.LlvmWasm.Kernels;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// Every op of the elementwise table (<see cref="ElementwiseLowering"/>) on edge values: its scalar path (the op's own
/// kernel) and its f32x4 path (a test kernel over four elements at a time) give the same bits, and both match ONNX
/// Runtime. The vector path of most ops is reached by no model, which is why a substitute kernel reaches it here.
/// </summary>
public sealed class ElementwiseLoweringTests
{
    private static readonly WasmtimeRuntime Runtime = new();

    /// <summary>NaN, ±∞, ±0, subnormals, ordinary values, the ends of exp's range, and large magnitudes.</summary>
    internal static readonly float[] EdgeValues =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.Epsilon, -1e-39f, 1e-20f,
        0.5f, -0.5f, 1f, -1f, 2.5f, -3f, 7f, -20.5f, 88f, -88f, 1e4f, -1e4f, 1e30f, -1e30f, float.MaxValue, -float.MaxValue,
    ];

    private static int Opset(string op) => op switch
    {
        "Clip" => 6, // min and max as attributes
        "Gelu" => 20,
        _ => 18,
    };

    /// <summary>The op's node, with attributes away from their defaults where it has any (to catch a misread one).</summary>
    private static OnnxModelBuilder AddNode(OnnxModelBuilder model, string op, string[] inputs) => op switch
    {
        "Clip" => model.Node(op, inputs, ["y"], OnnxAttr.Float("min", -2.5f), OnnxAttr.Float("max", 3f)),
        "LeakyRelu" or "ThresholdedRelu" => model.Node(op, inputs, ["y"], OnnxAttr.Float("alpha", 0.3f)),
        "HardSigmoid" => model.Node(op, inputs, ["y"], OnnxAttr.Float("alpha", 0.25f), OnnxAttr.Float("beta", 0.4f)),
        "Elu" => model.Node(op, inputs, ["y"], OnnxAttr.Float("alpha", 0.5f)),
        "Celu" => model.Node(op, inputs, ["y"], OnnxAttr.Float("alpha", 1.5f)),
        "Shrink" => model.Node(op, inputs, ["y"], OnnxAttr.Float("lambd", 0.5f), OnnxAttr.Float("bias", 0.25f)),
        "Mod" => model.Node(op, inputs, ["y"], OnnxAttr.Int("fmod", 1)),
        _ => model.Node(op, inputs, ["y"]),
    };

    /// <summary>
    /// Inputs on which a lowering knowingly differs from ONNX Runtime (unchanged by the table, which moved the maths
    /// without changing it): the comparison with ONNX Runtime skips them, the scalar/vector comparison does not.
    /// </summary>
    private static bool KnownDeviation(string op, float[] x) => op switch
    {
        // Cody–Waite reduction by π/2 in float32: the argument's low bits are gone beyond this.
        "Sin" or "Cos" or "Tan" => Math.Abs(x[0]) > 1e4,
        // x² overflows; for Acosh of a large negative x, x + √(x² − 1) cancels to 0 (−∞ where ONNX Runtime gives NaN).
        "Asinh" => Math.Abs(x[0]) > 1.8e19,
        "Acosh" => x[0] < -4096 || x[0] > 1.8e19,
        // The exponent is read from the bits as if the input were normal.
        "Log" => float.IsSubnormal(x[0]),
        // Both compares are false for NaN, so the lowering picks 0 (ONNX Runtime: NaN).
        "Celu" => float.IsNaN(x[0]),
        // a − trunc(a / b)·b: exact only while the quotient is (below 2^24), and NaN for an infinite divisor.
        "Mod" => float.IsInfinity(x[1]) || x[1] != 0 && Math.Abs((double)x[0] / x[1]) >= 1 << 24,
        // e^(b·ln|a|) with IEEE special cases only for a = ±0 (unsigned) and b = 0: not for NaN or infinite operands,
        // a base of ±1 with a non-finite exponent, −0 with a negative odd exponent, subnormal bases, results near float.MaxValue.
        "Pow" => float.IsNaN(x[1]) || float.IsInfinity(x[0]) || float.IsInfinity(x[1]) || x[0] == 0 && float.IsNegative(x[0])
                 || float.IsSubnormal(x[0]) || Math.Abs(x[0]) > 1e38,
        _ => false,
    };

    public static TheoryData<string> Ops() => new(ElementwiseLowering.Ops.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Ops))]
    public void ItsVectorPathGivesTheScalarPathsBitsAndBothMatchOnnxRuntime(string op)
    {
        int arity = ElementwiseLowering.Get(op).Arity;
        int n = EdgeValues.Length;
        var operands = Enumerable.Range(0, arity)
            .Select(j => Enumerable.Range(0, (int)Math.Pow(n, arity)).Select(i => EdgeValues[j == 0 ? i % n : i / n]).ToArray()).ToArray();
        long count = operands[0].Length; // 24 or 576: whole vectors of four
        var names = new[] { "a", "b" }[..arity];
        var model = new OnnxModelBuilder().Opset(Opset(op));
        foreach (var name in names)
        {
            model.Input(name, DataType.Float32, count);
        }
        AddNode(model, op, names).Output("y", DataType.Float32);
        var bytes = model.ToBytes();
        var inputs = names.Select((name, j) => (name, TensorData.FromFloats(new Shape(count), operands[j]))).ToDictionary(p => p.name, p => p.Item2);

        var scalar = Run(bytes, inputs)["y"].ToFloatArray();
        var vector = RunWith(new LlvmWasmBackend(OpRegistry.Default, [new VectorPathKernel(op)]), WasmPipeline.Import(bytes), inputs)["y"].ToFloatArray();
        var reference = OnnxRuntimeOracle.Run(bytes, inputs)["y"].ToFloatArray();

        var problems = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var x = operands.Select(o => o[i]).ToArray();
            string at = $"{op}({string.Join(", ", x.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))})";
            if (!SameBits(scalar[i], vector[i]))
            {
                problems.Add($"{at}: scalar {scalar[i]:R} but vector {vector[i]:R}");
            }
            if (!KnownDeviation(op, x) && !Matches(reference[i], scalar[i]))
            {
                problems.Add($"{at}: {scalar[i]:R} but ONNX Runtime {reference[i]:R}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheFusableActivationsHaveLaneWiseVectorPaths()
    {
        // A lane-by-lane activation would turn a SIMD epilogue into four scalar evaluations per vector.
        Assert.Equal(["Relu", "Sigmoid", "Clip"], ElementwiseLowering.Activations);
        Assert.All(ElementwiseLowering.Activations, op => Assert.True(ElementwiseLowering.Get(op).LaneWise, op));
    }

    /// <summary>The same bits, except that any NaN equals any NaN (wasm leaves NaN payloads to the engine).</summary>
    internal static bool SameBits(float a, float b)
        => float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);

    /// <summary>NaN for NaN, the same infinity, else within float32 maths' error (±0 alike: ONNX Runtime's signs of zero vary by kernel).</summary>
    private static bool Matches(float expected, float actual)
        => float.IsNaN(expected) ? float.IsNaN(actual)
         : float.IsInfinity(expected) ? actual == expected
         : Math.Abs((double)actual - expected) <= 1e-6 + 1e-4 * Math.Abs((double)expected);

    internal static IReadOnlyDictionary<string, TensorData> RunWith(LlvmWasmBackend backend, Graph graph, IReadOnlyDictionary<string, TensorData> inputs)
    {
        using var session = Runtime.Load(backend.Compile(graph, new BackendOptions()).Bytes, new RuntimeOptions());
        return session.Run(inputs);
    }

    /// <summary>Lowers one op through the table's vector path, four elements at a time (the element count is a multiple of 4).</summary>
    private sealed class VectorPathKernel(string op) : IKernelGenerator
    {
        public IReadOnlyList<string> Ops { get; } = [op];

        public string? CheckSupported(Node node, Graph graph) => null;

        public void Emit(KernelContext k)
        {
            var e = k.E;
            var lowering = ElementwiseLowering.Get(op);
            e.For(0, k.OutputType(0).ElementCount, 4, i =>
            {
                var x = Enumerable.Range(0, lowering.Arity).Select(j => e.LoadF32x4(k.Input(j), i)).ToArray();
                e.StoreF32x4(lowering.Vector(e, x, k.Attributes), k.Output(0), i);
            });
        }
    }
}
