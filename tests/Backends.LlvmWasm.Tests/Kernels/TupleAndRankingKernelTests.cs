using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>GatherND, ScatterND, OneHot, TopK, EyeLike, integer Clip, InstanceNormalization and LRN against ONNX Runtime.</summary>
public class TupleAndRankingKernelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ItGathersSlicesByIndexTuples(int batchDims)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("data", DataType.Float32, 2, 3, 4)
            .Input("indices", DataType.Int64, 2, 1)
            .Node("GatherND", ["data", "indices"], ["y"], OnnxAttr.Int("batch_dims", batchDims))
            .Output("y", DataType.Float32);
        var indices = TensorData.FromInt64s(new Shape(2, 1), [1, -1]);
        AssertMatchesOnnxRuntime(model, Inputs(("data", TestTensors.Random([2, 3, 4], seed: 1)), ("indices", indices)));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("add")]
    [InlineData("mul")]
    public void ItScattersSlicesByIndexTuples(string reduction)
    {
        var model = new OnnxModelBuilder().Opset(16)
            .Input("data", DataType.Float32, 4, 3)
            .Input("indices", DataType.Int64, 3, 1)
            .Input("updates", DataType.Float32, 3, 3)
            .Node("ScatterND", ["data", "indices", "updates"], ["y"], OnnxAttr.String("reduction", reduction))
            .Output("y", DataType.Float32);
        var indices = TensorData.FromInt64s(new Shape(3, 1), [2, 0, -2]);
        AssertMatchesOnnxRuntime(model, Inputs(("data", TestTensors.Random([4, 3], seed: 2)), ("indices", indices),
                                               ("updates", TestTensors.Random([3, 3], seed: 3))));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void ItReversesSequences(int batchAxis, int timeAxis)
    {
        var model = new OnnxModelBuilder().Opset(10)
            .Input("x", DataType.Float32, 4, 4, 2)
            .Input("lengths", DataType.Int64, 4)
            .Node("ReverseSequence", ["x", "lengths"], ["y"], OnnxAttr.Int("batch_axis", batchAxis), OnnxAttr.Int("time_axis", timeAxis))
            .Output("y", DataType.Float32);
        var lengths = TensorData.FromInt64s(new Shape(4), [4, 1, 3, 2]);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([4, 4, 2], seed: 9)), ("lengths", lengths)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void ItEncodesOneHot(int axis)
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("indices", DataType.Int64, 2, 3)
            .Initializer("depth", TensorData.FromFloats(new Shape(), [5f]))
            .Initializer("values", TensorData.FromFloats(new Shape(2), [-1f, 3f]))
            .Node("OneHot", ["indices", "depth", "values"], ["y"], OnnxAttr.Int("axis", axis))
            .Output("y", DataType.Float32);
        var indices = TensorData.FromInt64s(new Shape(2, 3), [0, 4, -1, 2, -5, 1]);
        AssertMatchesOnnxRuntime(model, Inputs(("indices", indices)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(-1, 0)]
    public void ItSelectsTheTopK(int axis, int largest)
    {
        var model = new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 3, 5)
            .Initializer("k", TensorData.FromInt64s(new Shape(1), [3]))
            .Node("TopK", ["x", "k"], ["values", "indices"], OnnxAttr.Int("axis", axis), OnnxAttr.Int("largest", largest))
            .Output("values", DataType.Float32)
            .Output("indices", DataType.Int64);
        // Repeated values: ties keep the lower index first.
        var x = TensorData.FromFloats(new Shape(3, 5), [3, 1, 3, 2, 0, 5, 5, 5, 1, 2, -1, 4, 0, 4, 4]);
        AssertMatchesOnnxRuntime(model, Inputs(("x", x)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-1)]
    public void ItBuildsEyeLikeConstants(int k)
    {
        var model = new OnnxModelBuilder().Opset(9)
            .Input("x", DataType.Float32, 3, 4)
            .Node("EyeLike", ["x"], ["y"], OnnxAttr.Int("k", k))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([3, 4], seed: 4))));
    }

    [Fact]
    public void ItClipsIntegers()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Int32, 6)
            .Initializer("min", TensorData.FromArray<int>(DataType.Int32, new Shape(), [-2]))
            .Node("Clip", ["x", "min"], ["y"])
            .Output("y", DataType.Int32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TensorData.FromArray<int>(DataType.Int32, new Shape(6), [-100, -2, -1, 0, 7, int.MaxValue]))));
    }

    [Fact]
    public void ItNormalisesInstances()
    {
        var model = new OnnxModelBuilder().Opset(6)
            .Input("x", DataType.Float32, 2, 3, 4, 5)
            .Initializer("scale", TestTensors.Random([3], seed: 5))
            .Initializer("bias", TestTensors.Random([3], seed: 6))
            .Node("InstanceNormalization", ["x", "scale", "bias"], ["y"], OnnxAttr.Float("epsilon", 1e-3f))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, 4, 5], seed: 7))));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void ItAppliesLocalResponseNormalisation(int size)
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 5, 3, 3)
            .Node("LRN", ["x"], ["y"], OnnxAttr.Int("size", size), OnnxAttr.Float("alpha", 0.02f), OnnxAttr.Float("beta", 0.6f), OnnxAttr.Float("bias", 1.5f))
            .Output("y", DataType.Float32);
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 5, 3, 3], seed: 8))));
    }
}
