using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Kernels;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;
using static WasmGraph.TestSupport.QuantizedModels;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// The int8 kernel (QuantizedConv/QuantizedMatMul, imported from QLinearConv/QLinearMatMul with constant weights) is
/// bit-exact against ONNX Runtime: every output byte equal, on each inner-loop path — i32x4.dot_i16x8_s (the default,
/// --deterministic, the simd128 profile; 2-D group-1 convolutions through the direct kernel, the im2col GEMM reached
/// through the kernel's preferGemm constructor), the relaxed dot on 7-bit activation halves (reached through the
/// kernel's preferRelaxed constructor: measured slower, so no default picks it), and scalar (mvp, and weights that do
/// not fit int8 after their zero point).
/// </summary>
public class QuantizedGemmKernelTests
{
    public static readonly TheoryData<string> Paths = new() { "relaxed-dot", "im2col-gemm", "default", "deterministic", "simd128", "mvp" };

    private static BackendOptions Options(string path) => path switch
    {
        "deterministic" => new BackendOptions { Deterministic = true },
        "default" or "relaxed-dot" or "im2col-gemm" => new BackendOptions(),
        _ => new BackendOptions { Features = TargetProfiles.All.Single(p => p.Name == path).Features },
    };

    private static LlvmWasmBackend RelaxedDotBackend() => new(OpRegistry.Default, [new QuantizedGemmKernel(preferRelaxed: true)]);

    private static LlvmWasmBackend Im2ColGemmBackend() => new(OpRegistry.Default, [new QuantizedGemmKernel(preferRelaxed: false, preferGemm: true)]);

    /// <summary>Every output byte equal to ONNX Runtime's, on the backend and options of <paramref name="path"/>.</summary>
    private static void AssertExactOnPath(OnnxModelBuilder model, IReadOnlyDictionary<string, TensorData> inputs, string path)
    {
        if (path is not ("relaxed-dot" or "im2col-gemm"))
        {
            AssertMatchesOnnxRuntime(model, inputs, options: Options(path));
            return;
        }
        var expected = OnnxRuntimeOracle.Run(model.ToBytes(), inputs);
        var backend = path == "relaxed-dot" ? RelaxedDotBackend() : Im2ColGemmBackend();
        var actual = ElementwiseLoweringTests.RunWith(backend, WasmPipeline.Import(model.ToBytes()), inputs);
        TensorAssert.Exact(expected["y"], actual["y"], $"output 'y' on the {path} path");
    }

    /// <summary>A QLinearConv with random int8 weights and scales that keep the outputs off saturation (also ThreadingTests').</summary>
    internal static OnnxModelBuilder QLinearConv(long[] x, long outChannels, long kernel, long stride, long pad, long group, long dilation,
                                                DataType xType, DataType wType, bool perChannel, bool bias, int seed)
    {
        long perGroup = x[1] / group;
        var scales = WeightScales(outChannels, perChannel, seed);
        long reduction = perGroup * kernel * kernel;
        var wZero = wType == DataType.UInt8
            ? Integers(DataType.UInt8, perChannel ? [outChannels] : [], 110, 150, seed + 3)
            : perChannel ? Integers(DataType.Int8, [outChannels], 0, 0, seed) : Scalar(DataType.Int8, 0);
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", xType, x)
            .Initializer("x_scale", Floats(0.021f))
            .Initializer("x_zero", Scalar(xType, xType == DataType.UInt8 ? 121 : -5))
            .Initializer("w", wType == DataType.Int8 ? Integers(wType, [outChannels, perGroup, kernel, kernel], -127, 127, seed + 1) : Bytes(wType, [outChannels, perGroup, kernel, kernel], seed + 1))
            .Initializer("w_scale", perChannel ? TensorData.FromFloats(new Shape(outChannels), scales) : Floats(scales[0]))
            .Initializer("w_zero", wZero)
            .Initializer("y_scale", Floats(OutputScale(0.021f, scales.Average(), reduction)))
            .Initializer("y_zero", Scalar(xType, xType == DataType.UInt8 ? 131 : 3));
        var inputs = new List<string> { "x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero" };
        if (bias)
        {
            model.Initializer("b", Integers(DataType.Int32, [outChannels], -5000, 5000, seed + 2));
            inputs.Add("b");
        }
        return model.Node("QLinearConv", [.. inputs], ["y"], OnnxAttr.Ints("pads", pad, pad, pad, pad), OnnxAttr.Ints("strides", stride, stride),
                          OnnxAttr.Ints("dilations", dilation, dilation), OnnxAttr.Int("group", group))
            .Output("y", xType);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void QLinearConvIsBitExactOnEveryPath(string path)
    {
        var model = QLinearConv([1, 5, 9, 8], 11, 3, 1, 1, 1, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 1);
        AssertExactOnPath(model, Inputs(("x", Bytes(DataType.UInt8, [1, 5, 9, 8], 7))), path);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void QLinearMatMulIsBitExactOnEveryPath(string path)
    {
        var model = QLinearMatMul([3, 37], 13, DataType.UInt8, DataType.Int8, perColumn: true, seed: 2);
        AssertExactOnPath(model, Inputs(("a", Bytes(DataType.UInt8, [3, 37], 8))), path);
    }

    [Theory]
    // x, w types; per-channel; bias; kernel, stride, pad, group, dilation; shapes with odd channel counts.
    [InlineData(DataType.UInt8, DataType.Int8, false, false, 3, 1, 0, 1, 1, 3, 7)]
    [InlineData(DataType.UInt8, DataType.Int8, true, true, 3, 2, 1, 1, 1, 16, 17)]
    [InlineData(DataType.UInt8, DataType.UInt8, true, true, 3, 1, 1, 1, 1, 4, 9)]
    [InlineData(DataType.Int8, DataType.Int8, true, true, 1, 1, 0, 1, 1, 24, 32)]
    [InlineData(DataType.Int8, DataType.Int8, false, true, 3, 1, 2, 1, 2, 6, 5)]
    [InlineData(DataType.UInt8, DataType.Int8, true, true, 3, 1, 1, 3, 1, 9, 12)]
    [InlineData(DataType.UInt8, DataType.Int8, true, true, 3, 2, 1, 12, 1, 12, 12)]
    [InlineData(DataType.Int8, DataType.Int8, true, false, 5, 1, 2, 7, 1, 7, 7)]
    public void QLinearConvIsBitExactOnRandomCases(DataType xType, DataType wType, bool perChannel, bool bias, long kernel, long stride, long pad,
                                                   long group, long dilation, long inChannels, long outChannels)
    {
        long[] x = [2, inChannels, 10, 9];
        var model = QLinearConv(x, outChannels, kernel, stride, pad, group, dilation, xType, wType, perChannel, bias, seed: (int)(inChannels * 7 + kernel));
        AssertMatchesOnnxRuntime(model, Inputs(("x", Bytes(xType, x, 5))));
    }

    [Theory]
    // The direct kernel's edges: odd channel counts (the last pair half absent), output rows that are not whole 4-pixel
    // tiles, output channels that are not whole 8-channel blocks, strides 2 and 3 (phases), dilation, 1×1 stride 2
    // (ResNet's downsample), a 7×7 stride-2 stem on 3 channels, padding wider than the kernel's reach.
    // x, w types; per-channel; kernel, stride, pad, dilation; input channels, output channels, height, width.
    [InlineData(DataType.UInt8, DataType.Int8, true, 3, 1, 1, 1, 7, 9, 6, 7)]
    [InlineData(DataType.UInt8, DataType.Int8, true, 3, 2, 1, 1, 16, 24, 11, 13)]
    [InlineData(DataType.Int8, DataType.Int8, false, 3, 3, 0, 1, 5, 8, 10, 11)]
    [InlineData(DataType.UInt8, DataType.Int8, true, 3, 1, 2, 2, 8, 17, 9, 9)]
    [InlineData(DataType.UInt8, DataType.Int8, true, 1, 2, 0, 1, 12, 16, 8, 8)]
    [InlineData(DataType.UInt8, DataType.Int8, true, 7, 2, 3, 1, 3, 8, 17, 16)]
    [InlineData(DataType.UInt8, DataType.UInt8, true, 1, 1, 0, 1, 32, 40, 3, 5)]
    [InlineData(DataType.UInt8, DataType.Int8, true, 2, 1, 3, 1, 2, 1, 4, 4)]
    public void TheDirectConvolutionIsBitExactOnRandomCases(DataType xType, DataType wType, bool perChannel, long kernel, long stride, long pad,
                                                             long dilation, long inChannels, long outChannels, long height, long width)
    {
        long[] x = [2, inChannels, height, width];
        var model = QLinearConv(x, outChannels, kernel, stride, pad, 1, dilation, xType, wType, perChannel, bias: true, seed: (int)(inChannels * 11 + outChannels));
        AssertMatchesOnnxRuntime(model, Inputs(("x", Bytes(xType, x, 4))));
    }

    /// <summary>A QLinearMatMul with a constant random B (also ThreadingTests').</summary>
    internal static OnnxModelBuilder QLinearMatMul(long[] a, long columns, DataType aType, DataType bType, bool perColumn, int seed)
    {
        long k = a[^1];
        var scales = WeightScales(columns, perColumn, seed);
        return new OnnxModelBuilder().Opset(10)
            .Input("a", aType, a)
            .Initializer("a_scale", Floats(0.019f))
            .Initializer("a_zero", Scalar(aType, aType == DataType.UInt8 ? 117 : 4))
            .Initializer("b", bType == DataType.Int8 ? Integers(bType, [k, columns], -127, 127, seed + 1) : Bytes(bType, [k, columns], seed + 1))
            .Initializer("b_scale", perColumn ? TensorData.FromFloats(new Shape(columns), scales) : Floats(scales[0]))
            .Initializer("b_zero", bType == DataType.UInt8 ? Scalar(bType, 129) : Scalar(bType, 0))
            .Initializer("y_scale", Floats(OutputScale(0.019f, scales.Average(), k)))
            .Initializer("y_zero", Scalar(aType, aType == DataType.UInt8 ? 125 : -2))
            .Node("QLinearMatMul", ["a", "a_scale", "a_zero", "b", "b_scale", "b_zero", "y_scale", "y_zero"], ["y"])
            .Output("y", aType);
    }

    [Theory]
    [InlineData(DataType.UInt8, DataType.Int8, true, new long[] { 5, 64 }, 33)]
    [InlineData(DataType.UInt8, DataType.UInt8, false, new long[] { 2, 3, 17 }, 8)]
    [InlineData(DataType.Int8, DataType.Int8, true, new long[] { 7, 384 }, 45)]
    [InlineData(DataType.Int8, DataType.Int8, false, new long[] { 1, 1 }, 1)]
    public void QLinearMatMulIsBitExactOnRandomCases(DataType aType, DataType bType, bool perColumn, long[] a, long columns)
    {
        var model = QLinearMatMul(a, columns, aType, bType, perColumn, seed: (int)columns);
        AssertMatchesOnnxRuntime(model, Inputs(("a", Bytes(aType, a, 3))));
    }

    [Fact]
    public void ASumBeyondTwoToTheTwentyFourIsRoundedAsOnnxRuntimeRoundsIt()
    {
        // 1024 × 255 × 127 ≈ 3.3e7 > 2^24: the float import refused this; the int32 kernel converts the sum to float
        // as MLAS does, and a tiny output scale keeps the result from saturating everywhere.
        var model = new OnnxModelBuilder().Opset(10)
            .Input("a", DataType.UInt8, 2, 1024)
            .Initializer("a_scale", Floats(1f)).Initializer("a_zero", Scalar(DataType.UInt8, 0))
            .Initializer("b", Integers(DataType.Int8, [1024, 4], 120, 127, 4))
            .Initializer("b_scale", Floats(1f)).Initializer("b_zero", Scalar(DataType.Int8, 0))
            .Initializer("y_scale", Floats(262144f)).Initializer("y_zero", Scalar(DataType.UInt8, 0))
            .Node("QLinearMatMul", ["a", "a_scale", "a_zero", "b", "b_scale", "b_zero", "y_scale", "y_zero"], ["y"])
            .Output("y", DataType.UInt8);
        AssertMatchesOnnxRuntime(model, Inputs(("a", Integers(DataType.UInt8, [2, 1024], 250, 255, 5))));
    }

    [Fact]
    public void TheRelaxedDotPathUsesRelaxedSimdAndTheDefaultPathDoesNot()
    {
        var graph = WasmPipeline.Import(QLinearMatMul([4, 32], 8, DataType.UInt8, DataType.Int8, perColumn: true, seed: 3).ToBytes());
        var simd128 = TargetProfiles.All.Single(p => p.Name == "simd128");

        var relaxed = RelaxedDotBackend().Compile(graph, new BackendOptions());
        var byDefault = WasmPipeline.Compile(graph, new BackendOptions());

        Assert.Contains("relaxed", TargetInstructionSet.Problem(relaxed.Bytes, simd128) ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Null(TargetInstructionSet.Problem(byDefault.Bytes, simd128));
    }

    [Theory]
    [InlineData(DataType.UInt8, 3L, 1L)]
    [InlineData(DataType.Int8, 1L, 2L)]
    public void TheRelaxedDotPathIsBitExactOnConvolutions(DataType xType, long kernel, long stride)
    {
        long[] x = [1, 19, 7, 9];
        var model = QLinearConv(x, 21, kernel, stride, kernel / 2, 1, 1, xType, DataType.Int8, perChannel: true, bias: true, seed: 9);
        AssertExactOnPath(model, Inputs(("x", Bytes(xType, x, 6))), "relaxed-dot");
    }
}
