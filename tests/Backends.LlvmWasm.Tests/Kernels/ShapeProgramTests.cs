using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Backends.LlvmWasm.Tests.OpHarness;

namespace WasmGraph.Backends.LlvmWasm.Tests.Kernels;

/// <summary>
/// The shape programs exporters emit (Shape → Gather → Unsqueeze → Concat → Reshape, ConstantOfShape, Range,
/// Equal/Where on shapes) fold away at import, leaving a static graph that matches ONNX Runtime.
/// </summary>
public class ShapeProgramTests
{
    [Fact]
    public void ItFoldsAnExportedReshapeProgramIntoAStaticGraph()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Initializer("zero", TensorData.FromInt64s(Shape.Scalar, [0]))
            .Initializer("axes", TensorData.FromInt64s(new Shape(1), [0]))
            .Initializer("minus1", TensorData.FromInt64s(new Shape(1), [-1]))
            .Node("Shape", ["x"], ["shape"])
            .Node("Gather", ["shape", "zero"], ["batch"], OnnxAttr.Int("axis", 0))
            .Node("Unsqueeze", ["batch", "axes"], ["batch1"])
            .Node("Concat", ["batch1", "minus1"], ["target"], OnnxAttr.Int("axis", 0))
            .Node("Reshape", ["x", "target"], ["flat"])
            .Node("Shape", ["flat"], ["flatShape"])
            .Node("ConstantOfShape", ["flatShape"], ["ones"], OnnxAttr.Tensor("value", TensorData.FromFloats(new Shape(1), [1f])))
            .Node("Add", ["flat", "ones"], ["y"])
            .Output("y", DataType.Float32);
        var graph = WasmPipeline.Import(model.ToBytes());
        Assert.Equal(["Reshape", "Add"], graph.Nodes.Select(n => n.Op));
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([2, 3, 4], seed: 1))));
    }

    [Fact]
    public void ItFoldsRangeWhereAndEqualOnShapes()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 6)
            .Initializer("start", TensorData.FromInt64s(Shape.Scalar, [0]))
            .Initializer("delta", TensorData.FromInt64s(Shape.Scalar, [1]))
            .Initializer("one", TensorData.FromInt64s(Shape.Scalar, [1]))
            .Initializer("minus1", TensorData.FromInt64s(new Shape(2), [-1, -1]))
            .Node("Shape", ["x"], ["shape"])
            .Node("Gather", ["shape", "one"], ["length"], OnnxAttr.Int("axis", 0))
            .Node("Range", ["start", "length", "delta"], ["positions"])
            .Node("Equal", ["shape", "minus1"], ["dynamic"])
            .Node("Where", ["dynamic", "shape", "shape"], ["resolved"])
            .Node("Expand", ["positions", "resolved"], ["grid"])
            .Node("Cast", ["grid"], ["gridF"], OnnxAttr.Int("to", (long)DataType.Float32))
            .Node("Mul", ["x", "gridF"], ["y"])
            .Output("y", DataType.Float32);
        var graph = WasmPipeline.Import(model.ToBytes());
        Assert.Equal(["Mul"], graph.Nodes.Select(n => n.Op));
        AssertMatchesOnnxRuntime(model, Inputs(("x", TestTensors.Random([1, 6], seed: 2))));
    }
}
