using Google.Protobuf;
using WasmGraph.Onnx.Proto;

namespace WasmGraph.Frontends.Onnx.Tests;

/// <summary>
/// An optional(tensor) graph input is a tensor input of the module, always given: OptionalGetElement is that tensor,
/// OptionalHasElement of it is true (and false without an input). Run through the real pipeline; ONNX Runtime 1.x has
/// these ops, but the oracle feeds plain tensors, so the expected values are written here.
/// </summary>
public class OptionalImportTests
{
    private static byte[] WithOptionalInput(OnnxModelBuilder model, string input)
    {
        var proto = model.ToModel();
        var value = proto.Graph.Input.Single(i => i.Name == input);
        value.Type = new TypeProto { OptionalType = new TypeProto.Types.Optional { ElemType = value.Type.Clone() } };
        return proto.ToByteArray();
    }

    [Fact]
    public void OptionalGetElementOfAnOptionalInputIsTheTensorGiven()
    {
        var model = new OnnxModelBuilder().Opset(18)
            .Input("x", DataType.Float32, 4)
            .Node("OptionalGetElement", ["x"], ["y"])
            .Output("y", DataType.Float32, 4);
        var x = TestTensors.Random([4], seed: 2);

        var outputs = WasmPipeline.CompileAndRun(WasmPipeline.Import(WithOptionalInput(model, "x")), OrtParity.Inputs(("x", x)));

        TensorAssert.Exact(x, outputs["y"], "y");
    }

    [Fact]
    public void OptionalHasElementOfAnOptionalInputIsTrue()
    {
        var model = new OnnxModelBuilder().Opset(18)
            .Input("x", DataType.Float32, 4)
            .Node("OptionalHasElement", ["x"], ["present"])
            .Output("present", DataType.Bool);

        var graph = WasmPipeline.Import(WithOptionalInput(model, "x"));
        var outputs = WasmPipeline.CompileAndRun(graph, OrtParity.Inputs(("x", TestTensors.Random([4], seed: 2))));

        Assert.Equal([1L], outputs["present"].ToInt64Array());
    }
}
