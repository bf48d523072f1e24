using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class DataMovementKernelTests
{
    [Theory]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 0, -1 })]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 4, 6 })]
    public void ItMatchesOnnxRuntimeForReshape(long[] shape, long[] target)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, shape)
            .Initializer("s", TensorData.FromInt64s(new Shape(target.Length), target))
            .Node("Reshape", ["x", "s"], ["r"])
            .Node("Relu", ["r"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(shape, seed: 1))));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ItMatchesOnnxRuntimeForFlatten(int axis)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Flatten", ["x"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, 4], seed: 1))));
    }

    [Theory]
    [InlineData(new long[] { 0, 2, 3, 1 })]
    [InlineData(new long[] { 1, 0 })]
    [InlineData(new long[] { 2, 0, 1 })]
    [InlineData(new long[0])]
    public void ItMatchesOnnxRuntimeForTranspose(long[] perm)
    {
        long[] shape = perm.Length switch { 4 => [2, 3, 4, 5], 2 => [6, 7], 3 => [3, 4, 5], _ => [2, 3, 4] };
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, shape)
            .Node("Transpose", ["x"], ["y"], perm.Length > 0 ? [OnnxAttr.Ints("perm", perm)] : [])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random(shape, seed: 1))));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void ItMatchesOnnxRuntimeForConcat(int axis)
    {
        long[] a = [2, 3, 4], b = [2, 3, 4];
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, a)
            .Initializer("b", TestTensors.Random(b, seed: 2))
            .Node("Concat", ["a", "b", "a"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("a", TestTensors.Random(a, seed: 1))));
    }

    [Theory]
    [InlineData(11, 1, new long[] { 1, 2 })]
    [InlineData(13, 2, new long[] { 3, 1 })]
    [InlineData(13, 0, new long[0])]
    public void ItMatchesOnnxRuntimeForSplit(int opset, int axis, long[] split)
    {
        var model = new OnnxModelBuilder().Opset(opset).Input("x", DataType.Float32, 2, 3, 4);
        if (split.Length > 0 && opset >= 13)
        {
            model.Initializer("split", TensorData.FromInt64s(new Shape(split.Length), split));
            model.Node("Split", ["x", "split"], ["y0", "y1"], OnnxAttr.Int("axis", axis));
        }
        else
        {
            model.Node("Split", ["x"], ["y0", "y1"], split.Length > 0 ? [OnnxAttr.Int("axis", axis), OnnxAttr.Ints("split", split)] : [OnnxAttr.Int("axis", axis)]);
        }
        model.Output("y0", DataType.Float32).Output("y1", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, 4], seed: 1))));
    }

    [Theory]
    [InlineData(13, -1)]
    [InlineData(13, 1)]
    [InlineData(11, 1)]
    [InlineData(11, 2)]
    public void ItMatchesOnnxRuntimeForSoftmax(int opset, int axis)
    {
        var model = new OnnxModelBuilder().Opset(opset)
            .Input("x", DataType.Float32, 2, 5, 7)
            .Node("Softmax", ["x"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        var x = TestTensors.Random([2, 5, 7], seed: 1);
        var wide = TensorData.FromFloats(x.Type.Shape, x.AsSpan<float>().ToArray().Select(v => v * 20f).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", wide)), tolerance: 1e-5);
    }
}
