using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
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

    /// <summary>
    /// A tensor attribute is compared by its data, not only by its type: two constants of the same type with different
    /// values are different computations (the key used to print a tensor attribute as its type alone).
    /// </summary>
    [Fact]
    public void ItKeepsNodesWhoseTensorAttributesHaveTheSameTypeButDifferentData()
    {
        var type = new TensorType(DataType.Float32, new Shape(2));
        var builder = new GraphBuilder("constants");
        var zeros = Attributes.From([KeyValuePair.Create("value", AttributeValue.Of(TensorData.FromFloats(new Shape(2), [0f, 0f])))]);
        var ones = Attributes.From([KeyValuePair.Create("value", AttributeValue.Of(TensorData.FromFloats(new Shape(2), [1f, 1f])))]);
        builder.AddNode("TestConstant", [], [("a", type)], zeros, "zeros");
        builder.AddNode("TestConstant", [], [("b", type)], ones, "ones");
        builder.AddNode("Add", ["a", "b"], [("y", type)], name: "sum");
        builder.Outputs.Add("y");
        var before = builder.Build();

        var after = new EliminateCommonSubexpressionsPass().Run(before, new PassContext(OpRegistry.Default));

        Assert.Same(before, after);
    }

    [Fact]
    public void ItMergesNodesWhoseTensorAttributesHoldTheSameData()
    {
        var type = new TensorType(DataType.Float32, new Shape(2));
        var builder = new GraphBuilder("constants");
        AttributeValue Ones() => AttributeValue.Of(TensorData.FromFloats(new Shape(2), [1f, 1f]));
        builder.AddNode("TestConstant", [], [("a", type)], Attributes.From([KeyValuePair.Create("value", Ones())]), "first");
        builder.AddNode("TestConstant", [], [("b", type)], Attributes.From([KeyValuePair.Create("value", Ones())]), "second");
        builder.AddNode("Add", ["a", "b"], [("y", type)], name: "sum");
        builder.Outputs.Add("y");

        var after = new EliminateCommonSubexpressionsPass().Run(builder.Build(), new PassContext(OpRegistry.Default));

        Assert.Equal<string>(["TestConstant", "Add"], after.Nodes.Select(n => n.Op).ToArray());
        Assert.Equal<string>(["a", "a"], after.Nodes[1].Inputs.ToArray());
    }
}
