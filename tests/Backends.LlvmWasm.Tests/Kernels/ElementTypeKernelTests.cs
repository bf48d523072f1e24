using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// The 16-bit float and the wider unsigned/16-bit integer element types through the kernels that lower them
/// (Cast, BroadcastKernel, BinaryKernel, data movement), against ONNX Runtime. Every comparison is exact (bit for
/// bit, also for float16 results): these ops either convert exactly or round once, as ONNX Runtime does.
/// </summary>
public class ElementTypeKernelTests
{
    private static TensorData Values(DataType type, params double[] values) => ConstantMath.FromDoubles(type, new Shape(values.Length), values);

    private static TensorData Values(DataType type, long[] dims, double[] values) => ConstantMath.FromDoubles(type, new Shape(dims), values);

    private static TensorData UInt64s(params ulong[] values) => TensorData.FromArray<ulong>(DataType.UInt64, new Shape(values.Length), values);

    private static void AssertExactlyLikeOnnxRuntime(OnnxModelBuilder model, params (string Name, TensorData Data)[] inputs)
    {
        var bytes = model.ToBytes();
        var expected = OnnxRuntimeOracle.Run(bytes, Inputs(inputs));
        var actual = Run(bytes, Inputs(inputs));
        foreach (var (name, reference) in expected)
        {
            TensorAssert.Exact(reference, actual[name], $"output '{name}'");
        }
    }

    private static OnnxModelBuilder Unary(string op, DataType from, DataType to, long length, params Onnx.Proto.AttributeProto[] attributes)
        => new OnnxModelBuilder().Opset(13).Input("x", from, length).Node(op, ["x"], ["y"], attributes).Output("y", to);

    private static OnnxModelBuilder Binary(string op, DataType type, long[] a, long[] b, DataType? outType = null, int opset = 13, params Onnx.Proto.AttributeProto[] attributes)
        => new OnnxModelBuilder().Opset(opset).Input("a", type, a).Input("b", type, b).Node(op, ["a", "b"], ["y"], attributes).Output("y", outType ?? type);

    private static readonly double[] FloatEdges =
        [0, -0.0, 1, -1.5, 0.1, 1e-5, 6e-8, 3e-8, 65504, 65520, 70000, -1e9, double.PositiveInfinity, double.NegativeInfinity, 3.14159, 2.5e-6, 1234.5678];

    [Theory]
    [InlineData(DataType.Float32, DataType.Float16)]
    [InlineData(DataType.Float64, DataType.Float16)]
    [InlineData(DataType.Float32, DataType.BFloat16)]
    [InlineData(DataType.Float16, DataType.Float32)]
    [InlineData(DataType.Float16, DataType.Float64)]
    [InlineData(DataType.BFloat16, DataType.Float32)]
    [InlineData(DataType.Float16, DataType.Int32)]
    [InlineData(DataType.Int16, DataType.Float16)]
    [InlineData(DataType.Float16, DataType.BFloat16)]
    public void ItCastsFloatFormatsLikeOnnxRuntime(DataType from, DataType to)
    {
        // Integers take only values they hold; float → integer casts only in-range values (ONNX Runtime's C++ casts
        // leave ∞ and out-of-range values undefined; WasmGraph saturates).
        bool inRangeOnly = !from.IsFloat() || !to.IsFloat();
        var x = Values(from, FloatEdges.Where(v => !inRangeOnly || (double.IsFinite(v) && Math.Abs(v) < 30000)).ToArray());
        AssertExactlyLikeOnnxRuntime(Unary("Cast", from, to, x.Type.ElementCount, OnnxAttr.Int("to", (long)to)), ("x", x));
    }

    [Theory]
    [InlineData(DataType.UInt64, DataType.Float32)]
    [InlineData(DataType.UInt64, DataType.Float64)]
    [InlineData(DataType.UInt32, DataType.Int64)]
    [InlineData(DataType.UInt32, DataType.Int16)]
    [InlineData(DataType.UInt16, DataType.Int32)]
    [InlineData(DataType.Int16, DataType.Int64)]
    [InlineData(DataType.Int64, DataType.UInt16)]
    [InlineData(DataType.Int16, DataType.UInt64)]
    public void ItCastsIntegersWithTheirSignedness(DataType from, DataType to)
    {
        var x = from == DataType.UInt64
            ? UInt64s(0, 1, 0x8000_0000_0000_0000, ulong.MaxValue, 123456789012345)
            : Values(from, from.IsUnsigned() ? [0, 1, 40000, 65535, 255] : [0, -1, -32768, 32767, 300]);
        AssertExactlyLikeOnnxRuntime(Unary("Cast", from, to, x.Type.ElementCount, OnnxAttr.Int("to", (long)to)), ("x", x));
    }

    [Theory]
    [InlineData(DataType.Float32, DataType.UInt32)]
    [InlineData(DataType.Float32, DataType.UInt64)]
    [InlineData(DataType.Float64, DataType.UInt16)]
    public void ItCastsNonNegativeFloatsToUnsignedIntegers(DataType from, DataType to)
    {
        // Negative and out-of-range inputs are undefined behaviour in ONNX Runtime's C++ casts, so only in-range values.
        var x = Values(from, 0, 0.9, 1.5, 255.99, 40000.5, 65535);
        AssertExactlyLikeOnnxRuntime(Unary("Cast", from, to, 6, OnnxAttr.Int("to", (long)to)), ("x", x));
    }

    private static (double[] A, double[] B) BinaryOperands(DataType type) => type switch
    {
        DataType.Int16 => ([-32768, -7, 7, 100, 32767, -300], [3, -4, -32768]),
        DataType.Float16 => ([-4.5, 0.1, 7.25, 65504, -0.0, 3], [2, -0.75, 0.1]),
        DataType.UInt16 => ([65535, 7, 40000, 0, 1, 300], [3, 65535, 40000]),
        _ => ([4294967295, 7, 3000000000, 0, 1, 300], [3, 4294967295, 2147483648]),
    };

    [Theory]
    [InlineData("Max", DataType.UInt32)]
    [InlineData("Max", DataType.Float16)]
    [InlineData("Min", DataType.UInt32)]
    [InlineData("Min", DataType.Float16)]
    [InlineData("Mod", DataType.UInt16)]
    [InlineData("Mod", DataType.UInt32)]
    [InlineData("Mod", DataType.Int16)]
    [InlineData("Add", DataType.UInt32)]
    [InlineData("Sub", DataType.UInt16)]
    [InlineData("Mul", DataType.Int16)]
    [InlineData("Div", DataType.UInt32)]
    [InlineData("Add", DataType.Float16)]
    [InlineData("Div", DataType.Float16)]
    [InlineData("Less", DataType.UInt32)]
    [InlineData("Equal", DataType.Float16)]
    public void ItComputesBinaryOpsInTheNewTypesLikeOnnxRuntime(string op, DataType type)
    {
        var (a, b) = BinaryOperands(type);
        var outType = op is "Less" or "Equal" ? DataType.Bool : type;
        var attributes = op == "Mod" ? new[] { OnnxAttr.Int("fmod", type.IsFloat() ? 1 : 0) } : [];
        AssertExactlyLikeOnnxRuntime(Binary(op, type, [2, 3], [3], outType, opset: 14, attributes: attributes),
                                     ("a", Values(type, [2, 3], a)), ("b", Values(type, [3], b)));
    }

    [Theory]
    [InlineData("Max", DataType.UInt16)]
    [InlineData("Max", DataType.Int16)]
    [InlineData("Min", DataType.UInt16)]
    [InlineData("Min", DataType.Int16)]
    public void ItComputesMinAndMaxOf16BitIntegersWhichOnnxRuntimeLacks(string op, DataType type)
    {
        // ONNX Runtime's CPU provider has no Max/Min kernel for int16 or uint16, so the reference is plain C#.
        var (a, b) = BinaryOperands(type);
        var expected = a.Select((x, i) => op == "Max" ? Math.Max(x, b[i % 3]) : Math.Min(x, b[i % 3])).Select(v => (long)v).ToArray();
        var model = Binary(op, type, [2, 3], [3]);
        var actual = Run(model.ToBytes(), Inputs(("a", Values(type, [2, 3], a)), ("b", Values(type, [3], b))))["y"];
        Assert.Equal(type, actual.Type.ElementType);
        Assert.Equal(expected, actual.ToInt64Array());
    }

    [Theory]
    [InlineData("Max")]
    [InlineData("Min")]
    [InlineData("Mod")]
    [InlineData("Div")]
    public void ItTreatsUInt64AboveTheSignedRangeAsUnsigned(string op)
    {
        var a = UInt64s(ulong.MaxValue, 0x8000_0000_0000_0005, 7, 1000);
        var b = UInt64s(3, 0x8000_0000_0000_0000, ulong.MaxValue, 7);
        AssertExactlyLikeOnnxRuntime(Binary(op, DataType.UInt64, [4], [4]), ("a", a), ("b", b));
    }

    [Fact]
    public void ItTakesTheDivisorsSignForInt16ModAndTheDividendsWithFmod()
    {
        var a = Values(DataType.Int16, -4, 7, -7, 7, 32767, -32768);
        var b = Values(DataType.Int16, 3, -3, -3, 3, -2, 7);
        foreach (long fmod in new long[] { 0, 1 })
        {
            AssertExactlyLikeOnnxRuntime(Binary("Mod", DataType.Int16, [6], [6], attributes: OnnxAttr.Int("fmod", fmod)), ("a", a), ("b", b));
        }
    }

    [Theory]
    [InlineData(DataType.UInt8, "LEFT")]
    [InlineData(DataType.UInt8, "RIGHT")]
    [InlineData(DataType.UInt32, "LEFT")]
    [InlineData(DataType.UInt32, "RIGHT")]
    [InlineData(DataType.UInt64, "LEFT")]
    [InlineData(DataType.UInt64, "RIGHT")]
    public void ItShiftsBitsLikeOnnxRuntime(DataType type, string direction)
    {
        int width = type.SizeOf() * 8;
        var x = Values(type, 1, 3, 255, 16, 100, 200);
        var amounts = Values(type, 0, 1, 2, 3, width - 1, width / 2);
        AssertExactlyLikeOnnxRuntime(Binary("BitShift", type, [6], [6], opset: 11, attributes: OnnxAttr.String("direction", direction)), ("a", x), ("b", amounts));
    }

    [Theory]
    [InlineData("LEFT", new long[] { 1, 6, 1020, 128, 32768, 65280 })]
    [InlineData("RIGHT", new long[] { 1, 1, 63, 2, 1, 255 })]
    public void ItShiftsUInt16WhichOnnxRuntimeLacks(string direction, long[] expected)
    {
        // ONNX Runtime's CPU provider has BitShift for uint8, uint32 and uint64 only; the expected values are worked by hand.
        var x = Values(DataType.UInt16, 1, 3, 255, 16, 65535, 65535);
        var amounts = Values(DataType.UInt16, 0, 1, 2, 3, 15, 8);
        var model = Binary("BitShift", DataType.UInt16, [6], [6], opset: 11, attributes: OnnxAttr.String("direction", direction));
        Assert.Equal(expected, Run(model.ToBytes(), Inputs(("a", x), ("b", amounts)))["y"].ToInt64Array());
    }

    [Theory]
    [InlineData(DataType.UInt8)]
    [InlineData(DataType.UInt16)]
    [InlineData(DataType.UInt32)]
    [InlineData(DataType.UInt64)]
    public void ItShiftsByTheBitWidthOrMoreToZero(DataType type)
    {
        // C++ (and so ONNX Runtime) leaves these shifts undefined; WasmGraph follows NumPy and the ONNX reference: 0.
        int width = type.SizeOf() * 8;
        var x = Values(type, 255, 255, 1, 1);
        var amounts = Values(type, width, width + 1, 100, 255);
        foreach (var direction in new[] { "LEFT", "RIGHT" })
        {
            var model = Binary("BitShift", type, [4], [4], opset: 11, attributes: OnnxAttr.String("direction", direction));
            var actual = Run(model.ToBytes(), Inputs(("a", x), ("b", amounts)))["y"];
            Assert.Equal([0L, 0, 0, 0], actual.ToInt64Array());
        }
    }

    [Fact]
    public void ItMovesFloat16DataWithoutTouchingTheBits()
    {
        var x = TensorData.FromArray<ushort>(DataType.Float16, new Shape(2, 3), [0x3C00, 0x7E01, 0x0001, 0xFC00, 0x8000, 0x7BFF]);
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float16, 2, 3)
            .Node("Transpose", ["x"], ["t"])
            .Node("Concat", ["t", "t"], ["c"], OnnxAttr.Int("axis", 1))
            .Node("Reshape", ["c", "shape"], ["y"])
            .Initializer("shape", TensorData.FromInt64s(new Shape(1), [12]))
            .Output("y", DataType.Float16);
        AssertExactlyLikeOnnxRuntime(model, ("x", x));
    }

    [Theory]
    [InlineData(DataType.UInt16)]
    [InlineData(DataType.BFloat16)]
    [InlineData(DataType.UInt64)]
    public void ItGathersAndSlicesAnyElementTypeByItsSize(DataType type)
    {
        var x = new TensorData(new TensorType(type, new Shape(3, 4)), [.. Enumerable.Range(0, 12 * type.SizeOf()).Select(i => (byte)(i * 37 + 11))]);
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", type, 3, 4)
            .Initializer("rows", TensorData.FromInt64s(new Shape(2), [2, -3]))
            .Initializer("picks", TensorData.FromInt64s(new Shape(3, 2), [3, 0, 1, 1, 2, 3]))
            .Initializer("starts", TensorData.FromInt64s(new Shape(1), [1]))
            .Initializer("ends", TensorData.FromInt64s(new Shape(1), [4]))
            .Initializer("axes", TensorData.FromInt64s(new Shape(1), [1]))
            .Node("Gather", ["x", "rows"], ["g"], OnnxAttr.Int("axis", 0))
            .Node("GatherElements", ["x", "picks"], ["ge"], OnnxAttr.Int("axis", 1))
            .Node("Slice", ["x", "starts", "ends", "axes"], ["s"])
            .Output("g", type)
            .Output("ge", type)
            .Output("s", type);
        var actual = Run(model.ToBytes(), Inputs(("x", x)));
        // The reference is the index arithmetic done on the bytes: data movement must not depend on the element type.
        int size = type.SizeOf();
        byte[] Elements(params int[] indices) => [.. indices.SelectMany(i => x.Bytes.Slice(i * size, size).ToArray())];
        Assert.Equal(Elements(8, 9, 10, 11, 0, 1, 2, 3), actual["g"].Bytes.ToArray());
        Assert.Equal(Elements(3, 0, 5, 5, 10, 11), actual["ge"].Bytes.ToArray());
        Assert.Equal(Elements(1, 2, 3, 5, 6, 7, 9, 10, 11), actual["s"].Bytes.ToArray());
    }

    public static TheoryData<string, DataType> UnaryOpsOnNewTypes()
    {
        var data = new TheoryData<string, DataType>();
        foreach (var op in new[] { "Relu", "Abs", "Neg", "Sign", "Exp", "Sqrt", "Floor", "Softmax", "ReduceSum", "ReduceMax", "ArgMax", "Transpose", "Flatten", "CumSum", "TopK" })
        {
            foreach (var type in new[] { DataType.Float16, DataType.BFloat16, DataType.Int16, DataType.UInt16, DataType.UInt32, DataType.UInt64 })
            {
                data.Add(op, type);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(UnaryOpsOnNewTypes))]
    public void ItCompilesOrRefusesEveryOpOnTheNewTypesButNeverCrashes(string op, DataType type)
    {
        var model = new OnnxModelBuilder().Opset(13).Input("x", type, 2, 3);
        model = op switch
        {
            "CumSum" => model.Initializer("axis", TensorData.FromInt64s(Shape.Scalar, [1])).Node(op, ["x", "axis"], ["y"]),
            "TopK" => model.Initializer("k", TensorData.FromInt64s(new Shape(1), [2])).Node(op, ["x", "k"], ["y", "i"]),
            _ => model.Node(op, ["x"], ["y"]),
        };
        model = model.Output("y", op == "ArgMax" ? DataType.Int64 : type);
        var error = Record.Exception(() => WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())));
        if (error is not null)
        {
            var refusal = Assert.IsAssignableFrom<ModelException>(error);
            Assert.Contains(type.Name(), refusal.Message);
        }
    }

    [Theory]
    [InlineData("Relu", DataType.Float16)]
    [InlineData("Softmax", DataType.BFloat16)]
    [InlineData("Abs", DataType.UInt32)]
    public void ItRefusesOpsItDoesNotLowerForATypeWithAReason(string op, DataType type)
    {
        var graph = WasmPipeline.Import(Unary(op, type, type, 4).ToBytes());
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Compile(graph));
        Assert.Contains($"{type.Name()} tensors are not lowered for {op}", error.Message);
    }
}
