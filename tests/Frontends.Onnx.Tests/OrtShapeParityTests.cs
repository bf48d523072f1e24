namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// The frontend infers every shape at compile time; ONNX Runtime computes them at run time. For each tiny model
/// here, every graph output must have the same shape in both.
/// </summary>
public class OrtShapeParityTests
{
    public static TheoryData<string> Models() => new(Cases.Keys);

    private static readonly Dictionary<string, Func<OnnxModelBuilder>> Cases = new()
    {
        // ONNX Runtime refuses dilations together with auto_pad SAME, so the two are exercised separately.
        ["conv same_lower grouped"] = () => new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 9, 10)
            .Initializer("w", TestTensors.Random([6, 2, 3, 3], seed: 1))
            .Initializer("b", TestTensors.Random([6], seed: 2))
            .Node("Conv", ["x", "w", "b"], ["y"], OnnxAttr.String("auto_pad", "SAME_LOWER"), OnnxAttr.Ints("strides", 2, 3), OnnxAttr.Int("group", 2))
            .Output("y", DataType.Float32),
        ["conv dilated depthwise"] = () => new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 4, 9, 10)
            .Initializer("w", TestTensors.Random([4, 1, 3, 3], seed: 1))
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("pads", 1, 2, 1, 2), OnnxAttr.Ints("dilations", 1, 2), OnnxAttr.Int("group", 4))
            .Output("y", DataType.Float32),
        ["conv asymmetric pads"] = () => new OnnxModelBuilder().Opset(8)
            .Input("x", DataType.Float32, 1, 3, 11, 11)
            .Initializer("w", TestTensors.Random([5, 3, 7, 7], seed: 3))
            .Node("Conv", ["x", "w"], ["y"], OnnxAttr.Ints("pads", 3, 3, 2, 2), OnnxAttr.Ints("strides", 2, 2))
            .Output("y", DataType.Float32),
        ["maxpool ceil_mode"] = () => new OnnxModelBuilder().Opset(12)
            .Input("x", DataType.Float32, 1, 2, 8, 9)
            .Node("MaxPool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("strides", 2, 2), OnnxAttr.Int("ceil_mode", 1))
            .Output("y", DataType.Float32),
        ["averagepool padded"] = () => new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 1, 2, 7, 7)
            .Node("AveragePool", ["x"], ["y"], OnnxAttr.Ints("kernel_shape", 3, 3), OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Int("count_include_pad", 1))
            .Output("y", DataType.Float32),
        ["gemm transA with bias"] = () => new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 5, 3)
            .Initializer("b", TestTensors.Random([5, 4]))
            .Initializer("c", TestTensors.Random([4]))
            .Node("Gemm", ["a", "b", "c"], ["y"], OnnxAttr.Int("transA", 1), OnnxAttr.Float("alpha", 0.5f))
            .Output("y", DataType.Float32),
        ["matmul batch broadcast"] = () => new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 2, 1, 3, 4)
            .Input("b", DataType.Float32, 5, 4, 6)
            .Node("MatMul", ["a", "b"], ["y"])
            .Output("y", DataType.Float32),
        ["matmul vector"] = () => new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 4)
            .Input("b", DataType.Float32, 3, 4, 2)
            .Node("MatMul", ["a", "b"], ["y"])
            .Output("y", DataType.Float32),
        ["flatten softmax11 split concat"] = () => new OnnxModelBuilder().Opset(11)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Softmax", ["x"], ["s"], OnnxAttr.Int("axis", 1))
            .Node("Flatten", ["s"], ["f"], OnnxAttr.Int("axis", 2))
            .Node("Split", ["f"], ["p", "q"], OnnxAttr.Int("axis", 0), OnnxAttr.Ints("split", 2, 4))
            .Node("Concat", ["q", "p"], ["y"], OnnxAttr.Int("axis", 0))
            .Output("y", DataType.Float32)
            .Output("s", DataType.Float32),
        ["transpose squeeze unsqueeze 13"] = () => new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 1, 5)
            .Initializer("axes", TensorData.FromInt64s(new Shape(1), [2]))
            .Initializer("new_axes", TensorData.FromInt64s(new Shape(2), [0, -1]))
            .Node("Squeeze", ["x", "axes"], ["s"])
            .Node("Transpose", ["s"], ["t"], OnnxAttr.Ints("perm", 2, 0, 1))
            .Node("Unsqueeze", ["t", "new_axes"], ["y"])
            .Output("y", DataType.Float32),
        ["batchnorm clip identity"] = () => new OnnxModelBuilder().Opset(9)
            .Input("x", DataType.Float32, 2, 3, 4, 4)
            .Initializer("scale", TestTensors.Random([3], seed: 5))
            .Initializer("bias", TestTensors.Random([3], seed: 6))
            .Initializer("mean", TestTensors.Random([3], seed: 7))
            .Initializer("var", TensorData.FromFloats(new Shape(3), [1f, 2f, 3f]))
            .Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["bn"])
            .Node("Clip", ["bn"], ["c"], OnnxAttr.Float("min", 0f), OnnxAttr.Float("max", 6f))
            .Node("Identity", ["c"], ["y"])
            .Node("Sigmoid", ["c"], ["z"])
            .Output("y", DataType.Float32)
            .Output("z", DataType.Float32),
        ["reshape via constant node"] = () => new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Constant", [], ["shape"], OnnxAttr.Tensor("value", TensorData.FromInt64s(new Shape(3), [0, -1, 2])))
            .Node("Reshape", ["x", "shape"], ["r"])
            .Node("Relu", ["r"], ["y"])
            .Output("y", DataType.Float32),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryOutputShapeMatchesOnnxRuntime(string name)
    {
        var bytes = Cases[name]().ToBytes();
        var graph = Import.Load(bytes);
        var inputs = graph.Inputs.ToDictionary(i => i, i => TestTensors.Random(graph.TypeOf(i).Shape, seed: i.Length));

        var ort = OnnxRuntimeOracle.Run(bytes, inputs);

        Assert.Equal(graph.Outputs.Order(), ort.Keys.Order());
        foreach (var output in graph.Outputs)
        {
            Assert.Equal(ort[output].Type, graph.TypeOf(output));
        }
    }
}
