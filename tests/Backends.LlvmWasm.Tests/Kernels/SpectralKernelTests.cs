using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>DFT and STFT against ONNX Runtime; default tolerance (1e-4 of max |ref|), sums of at most 32 terms.</summary>
public class SpectralKernelTests
{
    [Theory]
    // input dims, axis, inverse, onesided, dft_length (0 = none)
    [InlineData(new long[] { 2, 8, 1 }, 1, 0, 0, 0)]
    [InlineData(new long[] { 3, 7, 2 }, 1, 0, 0, 0)]
    [InlineData(new long[] { 3, 7, 2 }, 1, 1, 0, 0)]
    [InlineData(new long[] { 2, 5, 4, 1 }, 2, 0, 0, 0)]
    [InlineData(new long[] { 2, 5, 4, 2 }, 1, 1, 0, 0)]
    [InlineData(new long[] { 2, 9, 1 }, 1, 0, 1, 0)]
    [InlineData(new long[] { 2, 10, 1 }, 1, 0, 1, 0)]
    [InlineData(new long[] { 2, 6, 2 }, 1, 0, 0, 11)] // zero padding
    [InlineData(new long[] { 2, 12, 1 }, 1, 0, 0, 5)] // cropping
    [InlineData(new long[] { 1, 6, 3, 1 }, 1, 0, 1, 8)]
    public void ItMatchesOnnxRuntimeForDft(long[] dims, int axis, int inverse, int onesided, long length)
    {
        var model = new OnnxModelBuilder().Opset(17).Input("x", DataType.Float32, dims);
        string[] inputs = ["x"];
        if (length > 0)
        {
            model.Initializer("n", TensorData.FromInt64s(Shape.Scalar, [length]));
            inputs = ["x", "n"];
        }
        model.Node("DFT", inputs, ["y"], OnnxAttr.Int("axis", axis), OnnxAttr.Int("inverse", inverse), OnnxAttr.Int("onesided", onesided))
             .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(dims, seed: (int)dims[1]))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForTheOpset20AxisInput()
    {
        var model = new OnnxModelBuilder().Opset(20)
            .Input("x", DataType.Float32, 2, 6, 5, 2)
            .Initializer("axis", TensorData.FromInt64s(Shape.Scalar, [-3]))
            .Node("DFT", ["x", "", "axis"], ["y"], OnnxAttr.Int("inverse", 1))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 6, 5, 2], seed: 3))));
    }

    [Theory]
    // signal dims, frame_step, frame_length, windowed, onesided
    [InlineData(new long[] { 1, 64, 1 }, 8, 16, true, 1)]
    [InlineData(new long[] { 2, 50, 1 }, 7, 12, false, 1)]
    [InlineData(new long[] { 2, 40, 1 }, 5, 9, true, 0)]
    [InlineData(new long[] { 1, 33, 2 }, 4, 10, true, 0)]
    [InlineData(new long[] { 3, 20, 2 }, 20, 20, false, 0)]
    public void ItMatchesOnnxRuntimeForStft(long[] dims, long step, long frame, bool windowed, int onesided)
    {
        var model = new OnnxModelBuilder().Opset(17)
            .Input("signal", DataType.Float32, dims)
            .Initializer("step", TensorData.FromInt64s(Shape.Scalar, [step]));
        var inputs = Inputs(("signal", TestTensors.Random(dims, seed: (int)frame)));
        if (windowed)
        {
            // A Hann window as a runtime input, as audio front ends feed it.
            model.Input("window", DataType.Float32, frame)
                 .Node("STFT", ["signal", "step", "window"], ["y"], OnnxAttr.Int("onesided", onesided));
            var hann = Enumerable.Range(0, (int)frame).Select(n => (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * n / frame))).ToArray();
            inputs = inputs.Add("window", TensorData.FromFloats(new Shape(frame), hann));
        }
        else
        {
            model.Initializer("length", TensorData.FromInt64s(Shape.Scalar, [frame]))
                 .Node("STFT", ["signal", "step", "", "length"], ["y"], OnnxAttr.Int("onesided", onesided));
        }
        model.Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, inputs);
    }

    [Fact]
    public void ItRejectsARuntimeDftLength()
    {
        var model = new OnnxModelBuilder().Opset(17)
            .Input("x", DataType.Float32, 1, 8, 1)
            .Input("n", DataType.Int64)
            .Node("DFT", ["x", "n"], ["y"])
            .Output("y", DataType.Float32);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Import(model.ToBytes()));
        Assert.Contains("dft_length", error.Message);
    }
}
