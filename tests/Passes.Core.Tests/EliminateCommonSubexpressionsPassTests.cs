using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class EliminateCommonSubexpressionsPassTests
{
    [Fact]
    public void ItMergesRepeatedWorkAndRewiresItsReaders()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 8)
            .Initializer("w", TestTensors.Random([8, 4], seed: 2))
            .Node("MatMul", ["x", "w"], ["a"])
            .Node("MatMul", ["x", "w"], ["b"])
            .Node("Relu", ["a"], ["ra"])
            .Node("Relu", ["b"], ["rb"])
            .Node("Add", ["ra", "rb"], ["y"])
            .Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());

        var (after, context) = Apply(new EliminateCommonSubexpressionsPass(), before);

        Assert.Equal<string>(["MatMul", "Relu", "Add"], after.Nodes.Select(n => n.Op).ToArray());
        Assert.Equal<string>(["ra", "ra"], after.Nodes[2].Inputs.ToArray());
        Assert.Equal(2, context.Statistics["nodes merged"]);
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItKeepsNodesWhoseAttributesDiffer()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 4)
            .Node("Transpose", ["x"], ["a"], OnnxAttr.Ints("perm", 0, 2, 1))
            .Node("Transpose", ["x"], ["b"], OnnxAttr.Ints("perm", 2, 1, 0))
            .Output("a", DataType.Float32).Output("b", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());
        Assert.Same(before, Apply(new EliminateCommonSubexpressionsPass(), before).After);
    }
}
