using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

public class IndexingKernelTests
{
    private static TensorData Ints(params long[] values) => TensorData.FromInt64s(new Shape(values.Length), values);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ItGathersRowsAtRuntimeIndices(int axis)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("data", DataType.Float32, 5, 4)
            .Input("indices", DataType.Int64, 2, 3)
            .Node("Gather", ["data", "indices"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        var indices = TensorData.FromInt64s(new Shape(2, 3), [0, 3, -1, 2, 2, 1]);
        AssertMatchesOnnxRuntime(model, Inputs(("data", TestTensors.Random([5, 4], seed: 1)), ("indices", indices)));
    }

    [Fact]
    public void ItSlicesWithNegativeStepsAndClampedEnds()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4, 10, 5)
            .Initializer("starts", Ints(1, -1, 100))
            .Initializer("ends", Ints(4, -100, 1))
            .Initializer("axes", Ints(0, 1, 2))
            .Initializer("steps", Ints(2, -3, -2))
            .Node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([4, 10, 5], seed: 2))));
    }

    [Fact]
    public void ItExpandsAndTiles()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 3, 1)
            .Initializer("shape", Ints(2, 3, 4))
            .Initializer("repeats", Ints(2, 1, 3))
            .Node("Expand", ["x", "shape"], ["e"])
            .Node("Tile", ["e", "repeats"], ["y"])
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 1], seed: 3))));
    }

    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    public void ItPadsInEveryMode(string mode)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 2, 4, 5)
            .Initializer("pads", Ints(0, 0, 2, 1, 0, 0, 1, 3))
            .Initializer("value", TensorData.FromFloats(Shape.Scalar, [1.5f]))
            .Node("Pad", ["x", "pads", "value"], ["y"], OnnxAttr.String("mode", mode))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 2, 4, 5], seed: 4))));
    }

    [Theory]
    [InlineData(DataType.Float32, DataType.Int64)]
    [InlineData(DataType.Int64, DataType.Float32)]
    [InlineData(DataType.Float32, DataType.Bool)]
    [InlineData(DataType.Int32, DataType.Int8)]
    public void ItCastsBetweenElementTypes(DataType from, DataType to)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", from, 8)
            .Node("Cast", ["x"], ["y"], OnnxAttr.Int("to", (long)to))
            .Output("y", to);
        var values = new double[] { -3.7, -1, -0.2, 0, 0.5, 1.9, 120, 300 };
        var x = from == DataType.Float32
            ? TensorData.FromFloats(new Shape(8), values.Select(v => (float)v).ToArray())
            : Abstractions.Ops.ConstantMath.FromLongs(from, new Shape(8), values.Select(v => (long)v).ToArray());
        AssertMatchesOnnxRuntime(model, Inputs(("x", x)));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(1, -2)]
    public void ItKeepsOneTriangle(int upper, long k)
    {
        var model = new OnnxModelBuilder().Opset(14)
            .Input("x", DataType.Float32, 2, 4, 5)
            .Initializer("k", TensorData.FromInt64s(Shape.Scalar, [k]))
            .Node("Trilu", ["x", "k"], ["y"], OnnxAttr.Int("upper", upper))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 4, 5], seed: 5))));
    }
}
