using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class FuseActivationPassTests
{
    [Theory]
    [InlineData("Conv", "Relu")]
    [InlineData("Conv", "Clip")]
    [InlineData("Gemm", "Sigmoid")]
    [InlineData("DepthwiseConv", "Clip")]
    [InlineData("DepthwiseConv", "Sigmoid")]
    [InlineData("MatMul", "Relu")]
    public void ItFusesTheActivationIntoItsProducer(string producer, string activation)
    {
        var model = new OnnxModelBuilder().Opset(13);
        switch (producer)
        {
            case "Conv":
                model.Input("x", DataType.Float32, 1, 2, 5, 5).Initializer("w", TestTensors.Random([3, 2, 3, 3], seed: 2))
                     .Node("Conv", ["x", "w"], ["p"]);
                break;
            case "DepthwiseConv":
                model.Input("x", DataType.Float32, 1, 3, 6, 9).Initializer("w", TestTensors.Random([3, 1, 3, 3], seed: 2))
                     .Node("Conv", ["x", "w"], ["p"], OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Int("group", 3));
                break;
            case "Gemm":
                model.Input("x", DataType.Float32, 3, 4).Initializer("w", TestTensors.Random([4, 5], seed: 2))
                     .Node("Gemm", ["x", "w"], ["p"]);
                break;
            case "MatMul":
                model.Input("x", DataType.Float32, 2, 3, 4).Initializer("w", TestTensors.Random([4, 5], seed: 2))
                     .Node("MatMul", ["x", "w"], ["p"]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(producer));
        }
        if (activation == "Clip")
        {
            model.Initializer("lo", TensorData.FromFloats(Shape.Scalar, [-0.2f])).Initializer("hi", TensorData.FromFloats(Shape.Scalar, [0.3f]))
                 .Node("Clip", ["p", "lo", "hi"], ["y"]);
        }
        else
        {
            model.Node(activation, ["p"], ["y"]);
        }
        var before = WasmPipeline.Import(model.Output("y", DataType.Float32).ToBytes());
        var (after, _) = Apply(new FuseActivationPass(), before);
        var node = Assert.Single(after.Nodes);
        Assert.Equal("Fused" + (producer == "DepthwiseConv" ? "Conv" : producer), node.Op);
        Assert.Equal(activation, node.Attributes.GetString(FusedOps.Activation, ""));
        if (activation == "Clip")
        {
            Assert.Equal(-0.2f, node.Attributes.GetFloat(FusedOps.ActivationParameter("min")));
            Assert.Equal(0.3f, node.Attributes.GetFloat(FusedOps.ActivationParameter("max")));
        }
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItDoesNotFuseWhenTheProducerOutputIsAlsoAGraphOutput()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 2, 4).Initializer("w", TestTensors.Random([4, 3], seed: 2))
            .Node("MatMul", ["a", "w"], ["p"]).Node("Relu", ["p"], ["y"])
            .Output("p", DataType.Float32).Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());
        Assert.Same(before, Apply(new FuseActivationPass(), before).After);
    }

    [Fact]
    public void ItLeavesAnActivationAfterAnElementwiseOpToFuseElementwise()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 4).Input("b", DataType.Float32, 4)
            .Node("Add", ["a", "b"], ["p"]).Node("Relu", ["p"], ["y"])
            .Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());

        Assert.Same(before, Apply(new FuseActivationPass(), before).After);
        var (after, _) = Apply(new FuseElementwisePass(), before);
        Assert.Equal<string>(["Add i0 i1", "Relu s0"], Assert.Single(after.Nodes).Attributes.Get("steps")!.Strings.ToArray());
    }

    [Fact]
    public void ItDoesNotFuseWhatTheBackendCannotRun()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 2, 4).Initializer("w", TestTensors.Random([4, 3], seed: 2))
            .Node("MatMul", ["a", "w"], ["p"]).Node("Relu", ["p"], ["y"])
            .Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());

        Assert.Same(before, Apply(new FuseActivationPass(), before, new RefusingCapabilities(FusedOps.MatMul)).After);
        Assert.Equal(FusedOps.MatMul, Assert.Single(Apply(new FuseActivationPass(), before, new RefusingCapabilities(FusedOps.Conv)).After.Nodes).Op);
    }
}
