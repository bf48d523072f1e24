using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>RoiAlign against ONNX Runtime; default tolerance (1e-4 of max |ref|).</summary>
public class RoiAlignKernelTests
{
    // Regions (x1, y1, x2, y2) in input coordinates before spatial_scale: inside, partly outside, reaching past the
    // border by more than a pixel, inverted (malformed), a single point, and one covering everything.
    private static readonly float[] Rois =
    [
        1, 1, 6, 5,
        -2, 0.5f, 3, 9,
        4.5f, 2, 14, 11,
        6, 5, 2, 1,
        3, 3, 3, 3,
        0, 0, 9, 7,
    ];

    private static readonly long[] BatchIndices = [0, 1, 1, 0, 1, 0];

    [Theory]
    [InlineData("avg", "half_pixel", 0, 1f, 3, 3)]
    [InlineData("avg", "output_half_pixel", 0, 1f, 2, 4)]
    [InlineData("avg", "half_pixel", 2, 0.5f, 4, 3)]
    [InlineData("avg", "output_half_pixel", 1, 0.75f, 1, 1)]
    [InlineData("max", "half_pixel", 0, 1f, 3, 3)]
    [InlineData("max", "output_half_pixel", 2, 0.5f, 2, 5)]
    [InlineData("max", "half_pixel", 3, 1.5f, 2, 2)]
    public void ItMatchesOnnxRuntime(string mode, string transform, int sampling, float scale, int outputHeight, int outputWidth)
    {
        var model = Model(16, DataType.Float32, [2, 3, 8, 10], 6,
            OnnxAttr.String("mode", mode), OnnxAttr.String("coordinate_transformation_mode", transform),
            OnnxAttr.Int("sampling_ratio", sampling), OnnxAttr.Float("spatial_scale", scale),
            OnnxAttr.Int("output_height", outputHeight), OnnxAttr.Int("output_width", outputWidth));
        AssertMatchesOnnxRuntime(model, Inputs(
            ("x", TestTensors.Random([2, 3, 8, 10], seed: 31)),
            ("rois", TensorData.FromFloats(new Shape(6, 4), Rois)),
            ("batch", TensorData.FromInt64s(new Shape(6), BatchIndices))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeAtOpset10()
    {
        // Opset 10 has no coordinate_transformation_mode: output_half_pixel is implied.
        var model = Model(10, DataType.Float32, [1, 2, 6, 6], 2, OnnxAttr.Int("output_height", 2), OnnxAttr.Int("output_width", 2));
        AssertMatchesOnnxRuntime(model, Inputs(
            ("x", TestTensors.Random([1, 2, 6, 6], seed: 32)),
            ("rois", TensorData.FromFloats(new Shape(2, 4), [0, 0, 4, 4, 1.5f, 2, 5.5f, 5])),
            ("batch", TensorData.FromInt64s(new Shape(2), [0, 0]))));
    }

    [Fact]
    public void ItRejectsFloat64()
    {
        var model = Model(16, DataType.Float64, [1, 1, 4, 4], 1);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())));
        Assert.Contains("only float32 RoiAlign", error.Message);
    }

    private static OnnxModelBuilder Model(int opset, DataType type, long[] x, long regions, params Onnx.Proto.AttributeProto[] attributes)
        => new OnnxModelBuilder().Opset(opset)
            .Input("x", type, x)
            .Input("rois", type, regions, 4)
            .Input("batch", DataType.Int64, regions)
            .Node("RoiAlign", ["x", "rois", "batch"], ["y"], attributes)
            .Output("y", type);
}
