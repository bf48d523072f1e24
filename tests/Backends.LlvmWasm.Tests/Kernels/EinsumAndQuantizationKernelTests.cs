using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>Einsum (explicit, implicit and ellipsis equations) and (De)QuantizeLinear against ONNX Runtime.</summary>
public class EinsumAndQuantizationKernelTests
{
    [Theory]
    [InlineData("bij,bjk->bik", new long[] { 2, 3, 4 }, new long[] { 2, 4, 5 })]
    [InlineData("i,i", new long[] { 7 }, new long[] { 7 })]
    [InlineData("...ii->...i", new long[] { 2, 3, 3 }, null)]
    [InlineData("ij->ji", new long[] { 3, 4 }, null)]
    [InlineData("ij->i", new long[] { 3, 4 }, null)]
    [InlineData("ij,jk", new long[] { 3, 4 }, new long[] { 4, 2 })]
    public void ItMatchesOnnxRuntimeForEinsum(string equation, long[] a, long[]? b)
    {
        var model = new OnnxModelBuilder().Opset(12).Input("a", DataType.Float32, a);
        if (b is not null)
        {
            model.Input("b", DataType.Float32, b);
        }
        model.Node("Einsum", b is null ? ["a"] : ["a", "b"], ["y"], OnnxAttr.String("equation", equation))
             .Output("y", DataType.Float32);
        var inputs = b is null
            ? Inputs(("a", TestTensors.Random(a, seed: 1)))
            : Inputs(("a", TestTensors.Random(a, seed: 1)), ("b", TestTensors.Random(b, seed: 2)));
        AssertMatchesOnnxRuntime(model, inputs);
    }

    [Theory]
    [InlineData(DataType.UInt8, false)]
    [InlineData(DataType.Int8, true)]
    public void ItQuantizesAndDequantizes(DataType type, bool perAxis)
    {
        var scale = perAxis ? TensorData.FromFloats(new Shape(3), [0.02f, 0.05f, 0.1f]) : TensorData.FromFloats(new Shape(), [0.03f]);
        long[] zeros = perAxis ? [0, -3, 5] : [7];
        var zero = ConstantOfType(type, perAxis ? new Shape(3) : new Shape(), zeros);
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Initializer("scale", scale)
            .Initializer("zero", zero)
            .Node("QuantizeLinear", ["x", "scale", "zero"], ["q"], OnnxAttr.Int("axis", 1))
            .Node("DequantizeLinear", ["q", "scale", "zero"], ["y"], OnnxAttr.Int("axis", 1))
            .Output("q", type)
            .Output("y", DataType.Float32);
        var x = TestTensors.Random([2, 3, 4], seed: 3);
        var spread = TensorData.FromFloats(x.Type.Shape, x.AsSpan<float>().ToArray().Select(v => v * 8).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", spread)));
    }

    [Fact]
    public void ItQuantizesDynamically()
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 3, 5)
            .Node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zero"])
            .Output("y", DataType.UInt8)
            .Output("scale", DataType.Float32)
            .Output("zero", DataType.UInt8);
        var x = TestTensors.Random([3, 5], seed: 4);
        var shifted = TensorData.FromFloats(x.Type.Shape, x.AsSpan<float>().ToArray().Select(v => v * 3 + 1).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", shifted)));
    }

    private static TensorData ConstantOfType(DataType type, Shape shape, long[] values)
        => type == DataType.Int8
            ? TensorData.FromArray<sbyte>(type, shape, values.Select(v => (sbyte)v).ToArray())
            : TensorData.FromArray<byte>(type, shape, values.Select(v => (byte)v).ToArray());
}
