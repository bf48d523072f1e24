using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.Backends.LlvmWasm.Kernels;
using WasmGraph.Runtimes.Wasmtime;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.Kernels.QuantizedGemmKernelTests;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;
using static WasmGraph.TestSupport.QuantizedModels;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// The exact int8 Winograd F(2×2, 3×3) convolution (<see cref="Int8WinogradConv"/>, the default for 3×3 stride-1
/// group-1 QuantizedConv on the int16-dot path): every output byte equal to ONNX Runtime's (tolerance 0), on odd and
/// even channel counts (the last pair half absent), odd and even output sizes (tiles overhanging the edge), every
/// padding up to 2, both activation types, per-channel and per-tensor weights, uint8 weights with a zero point, two
/// images; sums at the int32 bounds; and that the kernel is the one chosen (and is not where it does not apply).
/// </summary>
public class Int8WinogradConvTests
{
    private static readonly WasmtimeRuntime Runtime = new();

    private static LlvmWasmBackend DirectBackend() => new(OpRegistry.Default, [new QuantizedGemmKernel(preferRelaxed: false, preferDirect: true)]);

    [Theory]
    // x, w types; per-channel; pad; input channels, output channels, input height, width (output = input + 2·pad − 2).
    [InlineData(DataType.UInt8, DataType.Int8, true, 1, 1, 3, 5, 7)]      // 5×7 out: both edges odd
    [InlineData(DataType.Int8, DataType.Int8, false, 0, 3, 16, 4, 16)]    // 2×14 out
    [InlineData(DataType.UInt8, DataType.UInt8, true, 2, 16, 17, 3, 10)]  // 5×12 out, uint8 weights with zero points
    [InlineData(DataType.Int8, DataType.Int8, true, 1, 17, 8, 14, 5)]     // 14×5 out
    [InlineData(DataType.UInt8, DataType.Int8, false, 0, 16, 9, 9, 4)]    // 7×2 out
    [InlineData(DataType.UInt8, DataType.UInt8, false, 1, 3, 5, 2, 2)]    // 2×2 out: one tile
    [InlineData(DataType.Int8, DataType.Int8, true, 2, 17, 24, 12, 12)]   // 14×14 out
    public void ItIsBitExactOnRandomCases(DataType xType, DataType wType, bool perChannel, long pad, long inChannels, long outChannels, long height, long width)
    {
        long[] x = [2, inChannels, height, width];
        var model = QLinearConv(x, outChannels, 3, 1, pad, 1, 1, xType, wType, perChannel, bias: true, seed: (int)(inChannels * 13 + outChannels + pad));
        AssertMatchesOnnxRuntime(model, Inputs(("x", Bytes(xType, x, (int)(height + width)))));
    }

    [Fact]
    public void TheForcedDirectPathIsBitExactToo()
    {
        long[] x = [2, 17, 7, 6];
        var model = QLinearConv(x, 9, 3, 1, 1, 1, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 4);
        var inputs = Inputs(("x", Bytes(DataType.UInt8, x, 3)));
        var expected = OnnxRuntimeOracle.Run(model.ToBytes(), inputs);
        var actual = ElementwiseLoweringTests.RunWith(DirectBackend(), WasmPipeline.Import(model.ToBytes()), inputs);
        TensorAssert.Exact(expected["y"], actual["y"], "output 'y' on the forced direct path");
    }

    /// <summary>
    /// 256 input channels at the extremes: activations all 255 (zero point 0) and filters all +127 or all −128, so each
    /// sum is ±9·256·127·255 (4× that, the untruncated Winograd sum, is 2²⁸·1.1: inside int32); a second image random.
    /// The output scale spreads the largest sum over about 100 steps, so the outputs are not all clamped.
    /// </summary>
    [Fact]
    public void ItIsBitExactAtTheInt32Bounds()
    {
        const long channels = 256, outputs = 8, side = 4;
        var random = new Random(11);
        var weights = new long[outputs * channels * 9];
        for (long i = 0; i < weights.Length; i++)
        {
            long m = i / (channels * 9);
            weights[i] = m switch { 0 => 127, 1 => -128, _ => random.Next(2) == 0 ? 127 : -128 };
        }
        var image = new long[2 * channels * side * side];
        for (long i = 0; i < image.Length; i++)
        {
            image[i] = i < channels * side * side ? 255 : random.Next(256);
        }
        float xScale = 0.02f, wScale = 0.003f;
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, 2, channels, side, side)
            .Initializer("x_scale", Floats(xScale))
            .Initializer("x_zero", Scalar(DataType.UInt8, 0))
            .Initializer("w", ConstantMath.FromLongs(DataType.Int8, new Shape(outputs, channels, 3, 3), weights))
            .Initializer("w_scale", Floats(wScale))
            .Initializer("w_zero", Scalar(DataType.Int8, 0))
            .Initializer("y_scale", Floats(xScale * wScale * 9 * channels * 128 * 255 / 100f))
            .Initializer("y_zero", Scalar(DataType.UInt8, 128))
            .Node("QLinearConv", ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero"], ["y"],
                  OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("strides", 1, 1))
            .Output("y", DataType.UInt8);
        var x = ConstantMath.FromLongs(DataType.UInt8, new Shape(2, channels, side, side), image);
        AssertMatchesOnnxRuntime(model, Inputs(("x", x)));
    }

    [Fact]
    public void ItIsChosenWhereItAppliesAndNotWhereItDoesNot()
    {
        var threeByThree = WasmPipeline.Import(QLinearConv([1, 8, 6, 6], 8, 3, 1, 1, 1, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 2).ToBytes());
        // One output row (3 input rows, no padding): no 2×2 tile fits, so the direct kernel runs.
        var oneRow = WasmPipeline.Import(QLinearConv([1, 8, 3, 6], 8, 3, 1, 0, 1, 1, DataType.UInt8, DataType.Int8, perChannel: true, bias: true, seed: 2).ToBytes());

        Assert.NotEqual(DirectBackend().Compile(threeByThree, new BackendOptions()).Bytes, WasmPipeline.Compile(threeByThree, new BackendOptions()).Bytes);
        Assert.Equal(DirectBackend().Compile(oneRow, new BackendOptions()).Bytes, WasmPipeline.Compile(oneRow, new BackendOptions()).Bytes);
    }

    [Fact]
    public void OneOutputRowFallsBackAndStaysExact()
    {
        long[] x = [2, 5, 3, 9];
        var model = QLinearConv(x, 6, 3, 1, 0, 1, 1, DataType.Int8, DataType.Int8, perChannel: true, bias: true, seed: 8);
        AssertMatchesOnnxRuntime(model, Inputs(("x", Bytes(DataType.Int8, x, 2))));
    }

    /// <summary>
    /// Two Winograd convolutions in one module (each its own transformed-weight global) and two inferences on one
    /// instance: the first fills the globals from the int8 weights, the second reuses them; both exact.
    /// </summary>
    [Fact]
    public void TwoLayersAndTwoRunsOnOneInstanceAreExact()
    {
        long[] x = [1, 6, 8, 7];
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.UInt8, x)
            .Initializer("s", Floats(0.021f)).Initializer("z", Scalar(DataType.UInt8, 121))
            .Initializer("w1", Integers(DataType.Int8, [10, 6, 3, 3], -127, 127, 1)).Initializer("w2", Integers(DataType.Int8, [5, 10, 3, 3], -127, 127, 2))
            .Initializer("ws", Floats(0.003f)).Initializer("wz", Scalar(DataType.Int8, 0))
            .Initializer("ys1", Floats(OutputScale(0.021f, 0.003f, 54))).Initializer("ys2", Floats(OutputScale(0.021f, 0.003f, 90)))
            .Node("QLinearConv", ["x", "s", "z", "w1", "ws", "wz", "ys1", "z"], ["h"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("QLinearConv", ["h", "ys1", "z", "w2", "ws", "wz", "ys2", "z"], ["y"], OnnxAttr.Ints("pads", 0, 0, 0, 0))
            .Output("y", DataType.UInt8);
        using var session = Runtime.Load(WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())).Bytes, new RuntimeOptions());
        foreach (int seed in new[] { 1, 2 })
        {
            var inputs = Inputs(("x", Bytes(DataType.UInt8, x, seed)));
            TensorAssert.Exact(OnnxRuntimeOracle.Run(model.ToBytes(), inputs)["y"], session.Run(inputs)["y"], $"output 'y' of run {seed}");
        }
    }
}
