using Microsoft.Extensions.Configuration;
using WasmGraph.Abstractions;
using WasmGraph.Abstractions.Ir;
using WasmGraph.Abstractions.Ops;
using WasmGraph.Abstractions.Plugins;
using WasmGraph.TestSupport;
using static WasmGraph.Passes.Core.Tests.PassHarness;

namespace WasmGraph.Passes.Core.Tests;

public class ConvertConvLayoutPassTests
{
    /// <summary>
    /// A small ResNet-like stretch: a basic block (conv-relu, conv + identity shortcut + relu), a MaxPool in the middle
    /// (not blocked), then a downsampling block whose input feeds both its 3×3 stride-2 conv and its 1×1 projection,
    /// and a conv with 6 input channels that cannot be blocked.
    /// </summary>
    private static Graph ResNetLike()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 8, 12, 12)
            .Initializer("w1", TestTensors.Random([8, 8, 3, 3], seed: 2)).Initializer("b1", TestTensors.Random([8], seed: 3))
            .Initializer("w2", TestTensors.Random([8, 8, 3, 3], seed: 4)).Initializer("b2", TestTensors.Random([8], seed: 5))
            .Initializer("w3", TestTensors.Random([16, 8, 3, 3], seed: 6))
            .Initializer("w4", TestTensors.Random([16, 16, 3, 3], seed: 7))
            .Initializer("wp", TestTensors.Random([16, 8, 1, 1], seed: 8))
            .Initializer("w5", TestTensors.Random([6, 16, 1, 1], seed: 9))
            .Initializer("w6", TestTensors.Random([4, 6, 1, 1], seed: 10))
            .Node("Conv", ["x", "w1", "b1"], ["c1"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2", "b2"], ["c2"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("Add", ["c2", "x"], ["s2"])
            .Node("Relu", ["s2"], ["r2"])
            .Node("MaxPool", ["r2"], ["p"], OnnxAttr.Ints("kernel_shape", 2, 2), OnnxAttr.Ints("strides", 1, 1))
            .Node("Conv", ["p", "w3"], ["c3"], OnnxAttr.Ints("pads", 1, 1, 1, 1), OnnxAttr.Ints("strides", 2, 2))
            .Node("Relu", ["c3"], ["r3"])
            .Node("Conv", ["r3", "w4"], ["c4"], OnnxAttr.Ints("pads", 1, 1, 1, 1))
            .Node("Conv", ["p", "wp"], ["proj"], OnnxAttr.Ints("strides", 2, 2))
            .Node("Add", ["c4", "proj"], ["s4"])
            .Node("Relu", ["s4"], ["r4"])
            .Node("Conv", ["r4", "w5"], ["c5"])
            .Node("Conv", ["c5", "w6"], ["y"])
            .Output("y", DataType.Float32)
            .Output("r4", DataType.Float32);
        var graph = WasmPipeline.Import(model.ToBytes());
        graph = Apply(new FuseResidualAddPass(), graph).After;
        return Apply(new FuseActivationPass(), graph).After;
    }

    [Fact]
    public void ItBlocksConsecutiveConvsAndConvertsOnlyAtTheEdges()
    {
        var before = ResNetLike();

        var (after, context) = Apply(new ConvertConvLayoutPass(), before);

        // Converted: conv1, conv2 (+ residual), conv3, conv4 (+ residual proj), proj, conv5 (16 → 6: M % 4 ≠ 0 stays).
        Assert.Equal(["ConvBlocked", "ConvBlocked", "MaxPool"], after.Nodes.Select(n => n.Op).Where(op => op != "LayoutToBlocked" && op != "LayoutFromBlocked").Take(3));
        Assert.Equal(5, context.Statistics["converted"]);
        Assert.Equal(2, after.Nodes.Count(n => n.Op == "Conv"));
        // x in (read by conv1 and as conv2's residual: converted once), r2 out to the MaxPool, p back in (read by conv3
        // and proj: once), r4 out (a graph output, also read by the plain conv5).
        Assert.Equal(2, context.Statistics["to blocked"]);
        Assert.Equal(2, context.Statistics["from blocked"]);
        var producers = after.Producers();
        foreach (var toBlocked in after.Nodes.Where(n => n.Op == "LayoutToBlocked"))
        {
            Assert.False(producers.TryGetValue(toBlocked.Inputs[0], out var producer) && producer.Op == "LayoutFromBlocked",
                         $"{toBlocked.Describe()} undoes a LayoutFromBlocked");
        }
        // Residuals are blocked values too.
        foreach (var conv in after.Nodes.Where(n => n.Op == "ConvBlocked" && n.Inputs.Length == 4))
        {
            Assert.Equal(after.TypeOf(conv.Outputs[0]), after.TypeOf(conv.Inputs[3]));
        }
        AssertEquivalent(before, after, RandomInputs(before));
    }

    [Fact]
    public void ItPacksTheWeightsAtCompileTimeAndDropsThePlainOnes()
    {
        var before = ResNetLike();

        var (after, _) = Apply(new ConvertConvLayoutPass(), before);

        var conv3 = after.Nodes.Single(n => n.Op == "ConvBlocked" && after.TypeOf(n.Inputs[1]).Shape == new Shape(4, 8, 3, 3, 4));
        var packed = after.Constants[conv3.Inputs[1]].ToFloatArray();
        var plain = before.Constants["w3"].ToFloatArray();
        // packed[mb, c, kh, kw, lane] = plain[mb·4 + lane, c, kh, kw]
        for (int m = 0; m < 16; m++)
        {
            for (int i = 0; i < 8 * 9; i++)
            {
                Assert.Equal(plain[m * 72 + i], packed[(m / 4 * 72 + i) * 4 + m % 4]);
            }
        }
        Assert.False(after.IsConstant("w3"));
        Assert.True(after.IsConstant("w5")); // its conv stays plain
    }

    [Fact]
    public void ItHonoursMinChannels()
    {
        var before = ResNetLike();
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MinChannels"] = "16" }).Build();
        var context = new PassContext(OpRegistry.Default, options);

        var after = new ConvertConvLayoutPass().Run(before, context);

        GraphVerifier.Verify(after, OpRegistry.Default, "convert-conv-layout");
        Assert.Equal(1, context.Statistics["converted"]); // only conv4 has ≥ 16 channels on both sides
    }

    [Fact]
    public void ItReturnsTheSameGraphWhenNoConvCanBeBlocked()
    {
        var graph = Unconvertible();
        Assert.Same(graph, Apply(new ConvertConvLayoutPass(), graph).After);
    }

    private static Graph Unconvertible()
    {
        var model = new OnnxModelBuilder().Opset(13)
            .Input("x", DataType.Float32, 1, 3, 6, 6)
            .Initializer("w", TestTensors.Random([4, 3, 3, 3], seed: 2))
            .Node("Conv", ["x", "w"], ["y"])
            .Output("y", DataType.Float32);
        return WasmPipeline.Import(model.ToBytes());
    }

    [Theory]
    [InlineData("Block", "8")]
    [InlineData("MinChannels", "-1")]
    public void ItRejectsBadOptions(string key, string value)
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        Assert.Throws<WasmGraphException>(() => new ConvertConvLayoutPass().Run(ResNetLike(), new PassContext(OpRegistry.Default, options)));
    }
}
