using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>GridSample against ONNX Runtime; default tolerance (1e-4 of max |ref|).</summary>
public class GridSampleKernelTests
{
    public static TheoryData<string, string, int> Modes()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var mode in new[] { "bilinear", "nearest", "bicubic" })
        {
            foreach (var padding in new[] { "zeros", "border", "reflection" })
            {
                data.Add(mode, padding, 0);
                data.Add(mode, padding, 1);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void ItMatchesOnnxRuntimeForEveryModeAndPadding(string mode, string padding, int alignCorners)
    {
        // Grid values reach ±1.6, so points fall outside the image on both sides (and past a full reflection).
        var model = Model(16, [2, 3, 5, 6], [2, 4, 7, 2], mode, padding, alignCorners);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, 5, 6], seed: 1)), ("grid", Grid([2, 4, 7, 2], 1.6f, seed: 2))));
    }

    [Theory]
    [InlineData(1, 1, 4, 4, 1, 1)]   // one output point
    [InlineData(1, 2, 1, 7, 3, 5)]   // a single-row image
    [InlineData(3, 1, 8, 3, 2, 9)]   // more output points than input pixels
    public void ItMatchesOnnxRuntimeOnOtherShapes(long n, long c, long h, long w, long oh, long ow)
    {
        foreach (var mode in new[] { "bilinear", "bicubic" })
        {
            var model = Model(16, [n, c, h, w], [n, oh, ow, 2], mode, "reflection", 0);
            AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([n, c, h, w], seed: 3)), ("grid", Grid([n, oh, ow, 2], 1.2f, seed: 4))));
        }
    }

    [Fact]
    public void ItAcceptsTheOpset20ModeNames()
    {
        var model = Model(20, [1, 2, 4, 5], [1, 3, 3, 2], "cubic", "border", 0);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 4, 5], seed: 5)), ("grid", Grid([1, 3, 3, 2], 1.1f, seed: 6))));
    }

    [Fact]
    public void ItRejectsVolumetricSampling()
    {
        var model = Model(20, [1, 1, 3, 4, 5], [1, 2, 2, 2, 3], "linear", "zeros", 0);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())));
        Assert.Contains("only 4-D GridSample", error.Message);
    }

    private static OnnxModelBuilder Model(int opset, long[] x, long[] grid, string mode, string padding, int alignCorners)
        => new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, x)
            .Input("grid", DataType.Float32, grid)
            .Node("GridSample", ["x", "grid"], ["y"], OnnxAttr.String("mode", mode), OnnxAttr.String("padding_mode", padding), OnnxAttr.Int("align_corners", alignCorners))
            .Output("y", DataType.Float32);

    private static TensorData Grid(long[] dims, float reach, int seed)
    {
        var random = TestTensors.Random(dims, seed).ToFloatArray();
        return TensorData.FromFloats(new Shape(dims), random.Select(v => v * reach).ToArray());
    }
}
