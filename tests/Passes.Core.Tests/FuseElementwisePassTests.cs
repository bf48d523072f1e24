using WasmGraph.Abstractions.Ir;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class FuseElementwisePassTests
{
    [Fact]
    public void ItFusesGeluIntoOneLoopAndKeepsTheNumbers()
    {
        // GELU as exporters write it: x · 0.5 · (1 + erf(x / √2)); x has two readers, so it stays an input.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 2, 3, 16)
            .Initializer("sqrt2", TensorData.FromFloats(Shape.Scalar, [1.4142135f]))
            .Initializer("one", TensorData.FromFloats(Shape.Scalar, [1f]))
            .Initializer("half", TensorData.FromFloats(Shape.Scalar, [0.5f]))
            .Node("Div", ["x", "sqrt2"], ["d"])
            .Node("Erf", ["d"], ["e"])
            .Node("Add", ["e", "one"], ["a"])
            .Node("Mul", ["x", "a"], ["m"])
            .Node("Mul", ["m", "half"], ["y"])
            .Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());

        var (after, context) = Apply(new FuseElementwisePass(), before);

        var fused = Assert.Single(after.Nodes);
        Assert.Equal("FusedElementwise", fused.Op);
        Assert.Equal<string>(["x", "sqrt2", "one", "half"], fused.Inputs.ToArray());
        Assert.Equal<string>(["Div i0 i1", "Erf s0", "Add s1 i2", "Mul i0 s2", "Mul s3 i3"], fused.Attributes.Get("steps")!.Strings.ToArray());
        Assert.Equal(5, context.Statistics["ops fused"]);
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItStopsAtValuesWithOtherReadersAndAtNonElementwiseOps()
    {
        // LayerNorm's tail after the reductions fuses; the centred value (read twice) and the reductions do not.
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 4, 8)
            .Initializer("eps", TensorData.FromFloats(Shape.Scalar, [1e-5f]))
            .Initializer("two", TensorData.FromFloats(Shape.Scalar, [2f]))
            .Initializer("gamma", TestTensors.Random([8], seed: 3))
            .Initializer("beta", TestTensors.Random([8], seed: 4))
            .Node("ReduceMean", ["x"], ["mean"], OnnxAttr.Ints("axes", -1))
            .Node("Sub", ["x", "mean"], ["c"])
            .Node("Pow", ["c", "two"], ["sq"])
            .Node("ReduceMean", ["sq"], ["var"], OnnxAttr.Ints("axes", -1))
            .Node("Add", ["var", "eps"], ["ve"])
            .Node("Sqrt", ["ve"], ["sd"])
            .Node("Div", ["c", "sd"], ["n"])
            .Node("Mul", ["n", "gamma"], ["g"])
            .Node("Add", ["g", "beta"], ["y"])
            .Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());

        var (after, _) = Apply(new FuseElementwisePass(), before);

        Assert.Equal<string>(["ReduceMean", "Sub", "Pow", "ReduceMean", "FusedElementwise"], after.Nodes.Select(n => n.Op).ToArray());
        Assert.Equal<string>(["Add i0 i1", "Sqrt s0", "Div i2 s1", "Mul s2 i3", "Add s3 i4"], after.Nodes[^1].Attributes.Get("steps")!.Strings.ToArray());
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItLeavesASingleOpAlone()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("a", DataType.Float32, 3).Input("b", DataType.Float32, 3)
            .Node("Add", ["a", "b"], ["y"]).Output("y", DataType.Float32);
        var before = WasmPipeline.Import(model.ToBytes());
        Assert.Same(before, Apply(new FuseElementwisePass(), before).After);
    }
}
