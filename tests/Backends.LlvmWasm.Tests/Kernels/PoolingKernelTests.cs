using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class PoolingKernelTests
{
    [Theory]
    // op, h, w, kernel, stride, pads (t,l,b,r), ceil, count_include_pad
    [InlineData("MaxPool", 8, 8, 2, 2, new long[] { 0, 0, 0, 0 }, 0, 0)]
    [InlineData("MaxPool", 9, 9, 3, 2, new long[] { 1, 1, 1, 1 }, 0, 0)]      // ResNet stem pool
    [InlineData("MaxPool", 10, 7, 3, 2, new long[] { 0, 1, 1, 0 }, 1, 0)]     // asymmetric + ceil
    [InlineData("AveragePool", 8, 8, 3, 1, new long[] { 1, 1, 1, 1 }, 0, 0)]
    [InlineData("AveragePool", 8, 8, 3, 1, new long[] { 1, 1, 1, 1 }, 0, 1)]
    [InlineData("AveragePool", 11, 9, 3, 2, new long[] { 1, 0, 0, 1 }, 1, 1)] // ceil windows past the end padding
    [InlineData("AveragePool", 11, 9, 3, 2, new long[] { 0, 1, 1, 0 }, 1, 0)]
    [InlineData("AveragePool", 7, 7, 7, 1, new long[] { 0, 0, 0, 0 }, 0, 0)]  // global-style
    public void ItMatchesOnnxRuntimeForWindowPooling(string op, int h, int w, int k, int stride, long[] pads, int ceil, int countPad)
    {
        var attributes = new List<Onnx.Proto.AttributeProto>
        {
            OnnxAttr.Ints("kernel_shape", k, k), OnnxAttr.Ints("strides", stride, stride),
            OnnxAttr.Ints("pads", pads), OnnxAttr.Int("ceil_mode", ceil),
        };
        if (op == "AveragePool")
        {
            attributes.Add(OnnxAttr.Int("count_include_pad", countPad));
        }
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 2, 3, h, w)
            .Node(op, ["x"], ["y"], attributes.ToArray())
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, h, w], seed: 11))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForDilatedMaxPool()
    {
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 1, 2, 9, 9)
            .Node("MaxPool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("dilations", 2, 2), OnnxAttr.Ints("strides", 1, 1))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 9, 9], seed: 12))));
    }

    [Theory]
    [InlineData(new long[] { 1, 8, 7, 7 })]
    [InlineData(new long[] { 2, 3, 5 })]
    public void ItMatchesOnnxRuntimeForGlobalAveragePool(long[] shape)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, shape)
            .Node("GlobalAveragePool", ["x"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(shape, seed: 13))));
    }

    [Theory]
    // spatial dims, kernel, strides, pads, dilation, storage_order, ceil
    [InlineData(new long[] { 7, 6 }, new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 0, 0, 0, 0 }, 1, 0, 0)]
    [InlineData(new long[] { 7, 6 }, new long[] { 3, 3 }, new long[] { 2, 1 }, new long[] { 1, 1, 1, 0 }, 1, 1, 0)]
    [InlineData(new long[] { 9, 8 }, new long[] { 2, 3 }, new long[] { 1, 2 }, new long[] { 0, 1, 1, 1 }, 2, 0, 1)]
    [InlineData(new long[] { 9, 8 }, new long[] { 2, 3 }, new long[] { 1, 2 }, new long[] { 0, 1, 1, 1 }, 2, 1, 1)]
    [InlineData(new long[] { 11 }, new long[] { 3 }, new long[] { 2 }, new long[] { 1, 1 }, 1, 0, 0)]
    [InlineData(new long[] { 4, 5, 6 }, new long[] { 2, 2, 3 }, new long[] { 2, 1, 2 }, new long[] { 0, 1, 1, 0, 0, 1 }, 1, 0, 0)]
    [InlineData(new long[] { 4, 5, 6 }, new long[] { 2, 2, 3 }, new long[] { 2, 1, 2 }, new long[] { 0, 1, 1, 0, 0, 1 }, 1, 1, 0)]
    public void ItMatchesOnnxRuntimeForMaxPoolIndices(long[] spatial, long[] kernel, long[] strides, long[] pads, long dilation, int storageOrder, int ceil)
    {
        long[] dims = [2, 3, .. spatial];
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, dims)
            .Node("MaxPool", ["x"], ["y", "i"], OnnxAttr.Ints("kernel_shape", kernel), OnnxAttr.Ints("strides", strides), OnnxAttr.Ints("pads", pads),
                  OnnxAttr.Ints("dilations", [.. kernel.Select(_ => dilation)]), OnnxAttr.Int("storage_order", storageOrder), OnnxAttr.Int("ceil_mode", ceil))
            .Output("y", DataType.Float32)
            .Output("i", DataType.Int64);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(dims, seed: 21))));
    }

    [Theory]
    [InlineData(DataType.UInt8, 0)]
    [InlineData(DataType.UInt8, 1)]
    [InlineData(DataType.Int8, 0)]
    [InlineData(DataType.Int8, 1)]
    public void ItMatchesOnnxRuntimeForEightBitMaxPool(DataType type, int withIndices)
    {
        long[] dims = [1, 2, 6, 7];
        string[] outputs = withIndices == 1 ? ["y", "i"] : ["y"];
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", type, dims)
            .Node("MaxPool", ["x"], outputs, OnnxAttr.Ints("kernel_shape", 3, 2), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Ints("pads", 1, 0, 1, 1))
            .Output("y", type);
        if (withIndices == 1)
        {
            model.Output("i", DataType.Int64);
        }
        var random = new Random(22);
        // Values span the whole range, so signed and unsigned comparisons disagree when they are mixed up.
        var bytes = Enumerable.Range(0, 84).Select(_ => (byte)random.Next(256)).ToArray();
        var x = type == DataType.UInt8
            ? TensorData.FromArray(type, new Shape(dims), bytes)
            : TensorData.FromArray(type, new Shape(dims), bytes.Select(b => (sbyte)b).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", x)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ItMatchesOnnxRuntimeForMaxUnpoolAfterMaxPool(bool givenOutputShape)
    {
        // MaxPool → MaxUnpool, the way exporters produce it. ONNX Runtime and the ONNX reference read indices differently
        // when output_shape exceeds the inferred shape (see MaxUnpoolKernel), so here output_shape is the inferred one.
        long[] dims = [2, 3, 8, 10];
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, dims)
            .Node("MaxPool", ["x"], ["p", "i"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Node("MaxUnpool", givenOutputShape ? ["p", "i", "shape"] : ["p", "i"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Output("y", DataType.Float32);
        if (givenOutputShape)
        {
            model.Initializer("shape", TensorData.FromInt64s(new Shape(4), [2, 3, 8, 10]));
        }
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(dims, seed: 23))));
    }

    [Fact]
    public void ItMatchesOnnxRuntimeForMaxUnpoolWithPadsAndGivenIndices()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 2, 3)
            .Input("i", DataType.Int64, 1, 2, 3)
            .Node("MaxUnpool", ["x", "i"], ["y"], OnnxAttr.Ints("kernel_shape", 3), OnnxAttr.Ints("strides", 2), OnnxAttr.Ints("pads", 1, 0))
            .Output("y", DataType.Float32);
        // Output [1, 2, 6]: indices are flat offsets into the whole output, both channels included.
        var indices = TensorData.FromInt64s(new Shape(1, 2, 3), [0, 3, 5, 6, 8, 11]);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 3], seed: 24)), ("i", indices)));
    }

    [Fact]
    public void ItPlacesTheInferredUnpoolAtTheOriginOfALargerOutputShape()
    {
        // The ONNX reference semantics (and test_maxunpool_export_with_output_shape): indices address the inferred
        // 4×4 plane, which lands in the top-left corner of the 5×5 output.
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 1, 2, 2)
            .Input("i", DataType.Int64, 1, 1, 2, 2)
            .Initializer("shape", TensorData.FromInt64s(new Shape(4), [1, 1, 5, 5]))
            .Node("MaxUnpool", ["x", "i", "shape"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Output("y", DataType.Float32);
        var x = TensorData.FromFloats(new Shape(1, 1, 2, 2), [5, 6, 7, 8]);
        var i = TensorData.FromInt64s(new Shape(1, 1, 2, 2), [5, 7, 13, 99]); // 99 is outside and skipped
        var y = Run(model.ToBytes(), Inputs(("x", x), ("i", i)))["y"].ToFloatArray();
        var expected = new float[25];
        (expected[6], expected[8], expected[16]) = (5, 6, 7);
        Assert.Equal(expected, y);
    }

    [Fact]
    public void ItRejectsIntegerMaxPoolBeyondEightBits()
    {
        var model = new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Int32, 1, 1, 4, 4)
            .Node("MaxPool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2))
            .Output("y", DataType.Int32);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Compile(WasmPipeline.Import(model.ToBytes())));
        Assert.Contains("int8 and uint8 MaxPool", error.Message);
    }

    [Fact]
    public void ItRejectsARuntimeMaxUnpoolOutputShape()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 1, 2, 2)
            .Input("i", DataType.Int64, 1, 1, 2, 2)
            .Input("shape", DataType.Int64, 4)
            .Node("MaxUnpool", ["x", "i", "shape"], ["y"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Output("y", DataType.Float32);
        var error = Assert.Throws<UnsupportedOpException>(() => WasmPipeline.Import(model.ToBytes()));
        Assert.Contains("output_shape", error.Message);
    }
}
