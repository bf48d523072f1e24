using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>Det against ONNX Runtime; default tolerance (1e-4 of max |ref|), the kernel eliminates in float64.</summary>
public class DeterminantKernelTests
{
    [Theory]
    [InlineData(new long[] { 1, 1 })]
    [InlineData(new long[] { 2, 2 })]
    [InlineData(new long[] { 3, 3 })]
    [InlineData(new long[] { 4, 5, 5 })]
    [InlineData(new long[] { 2, 3, 4, 4 })]
    [InlineData(new long[] { 8, 8 })]
    [InlineData(new long[] { 3, 0, 0 })]
    public void ItMatchesOnnxRuntime(long[] dims)
    {
        AssertMatchesOnnxRuntime(Model(dims), Inputs(("x", TestTensors.Random(dims, seed: (int)dims[^1]))));
    }

    [Fact]
    public void ItNeedsRowSwapsAndReturnsZeroForSingularMatrices()
    {
        // A zero leading entry forces a pivot swap; the second matrix has two equal rows; the third is all zeros.
        float[] values =
        [
            0, 2, 1, 3, 1, 0, 1, 1, 4,
            1, 2, 3, 4, 5, 6, 1, 2, 3,
            0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        AssertMatchesOnnxRuntime(Model([3, 3, 3]), Inputs(("x", TensorData.FromFloats(new Shape(3, 3, 3), values))));
    }

    [Fact]
    public void ItRejectsFloat64()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float64, 3, 3)
            .Node("Det", ["x"], ["y"])
            .Output("y", DataType.Float64);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())));
        Assert.Contains("only float32 Det", error.Message);
    }

    private static OnnxModelBuilder Model(long[] dims)
        => new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, dims)
            .Node("Det", ["x"], ["y"])
            .Output("y", DataType.Float32);
}
